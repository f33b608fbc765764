"""The Flask application factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask

from lims.config import Settings, load_secret_key
from lims.db import Database
from lims.services.records.database import open_database


class DefaultConfig:
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set LIMS_SESSION_COOKIE_SECURE=true behind HTTPS
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    BABEL_DEFAULT_LOCALE = "vi"
    LANGUAGES = ("vi", "en")
    PAGE_SIZE = 50


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application.

    Without ``test_config`` the settings come from ``LIMS_*`` environment variables; tests pass a
    mapping instead, optionally with ``DATABASE`` (a :class:`lims.db.Database`) to share a connection.
    """
    app = Flask(
        __name__, instance_relative_config=True, template_folder="web/templates", static_folder="web/static"
    )
    app.config.from_object(DefaultConfig)
    settings = Settings.from_env()
    if test_config is None:
        app.config.from_prefixed_env("LIMS")
        app.config["SECRET_KEY"] = load_secret_key(settings)
    else:
        app.config.update(test_config)
    settings = app.config.get("SETTINGS") or settings
    app.config["SETTINGS"] = settings
    app.config["BABEL_DEFAULT_LOCALE"] = app.config.get("LANGUAGE", settings.language)
    app.config["BABEL_DEFAULT_TIMEZONE"] = settings.timezone  # LIMS_TIMEZONE: one lab clock for every page
    database: Database = app.config.get("DATABASE") or open_database(settings.database_url)
    attach_database(app, database, settings)
    if not app.config.get("SECRET_KEY"):
        from lims.errors import ConfigurationError

        raise ConfigurationError("LIMS_SECRET_KEY is not set")

    from lims.web import init_web

    init_web(app)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
    return app


def attach_database(app: Flask, database: Database, settings: Settings) -> None:
    """Serve ``app`` from ``database``: its sessions anchor the audit head outside the database, in the
    instance folder of ``settings`` (issue 21, finding 6)."""
    from lims.services.records import anchor

    anchor.install(database.sessionmaker, settings.instance_path)
    app.extensions["lims_db"] = database

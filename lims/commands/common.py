"""Helpers shared by commands that need the database (they do not need Flask)."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from lims.config import Settings
from lims.db import Database
from lims.services.common.database import open_database
from lims.services.records.audit import Actor, set_actor


def settings() -> Settings:
    return Settings.from_env()


def database() -> Database:
    from lims.services.records import anchor

    conf = settings()
    if conf.database_url.startswith("sqlite"):
        conf.ensure_instance()
    db = open_database(conf.database_url)
    anchor.install(db.sessionmaker, conf.instance_path)
    return db


@contextmanager
def transaction(actor_label: str | None = None) -> Iterator[Session]:
    """A session committed on success and rolled back on any error (nothing half-saved)."""
    db = database()
    session = db.session()
    set_actor(session, Actor(None, actor_label or f"cli:{getpass.getuser()}"))
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
        db.engine.dispose()

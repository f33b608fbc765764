"""Fixtures: every database test runs on SQLite and, when LIMS_TEST_POSTGRES_URL is set, on PostgreSQL.

Each test runs inside an outer transaction that is rolled back at the end; the code under test
commits savepoints only (SQLAlchemy's ``join_transaction_mode="create_savepoint"``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from lims.config import Settings
from lims.db import Database, make_engine
from lims.migrate import upgrade
from lims.services.records import audit

# CI runs the property tests derandomised so that a landing is never decided by luck; developers get fresh
# examples on every run (HYPOTHESIS_PROFILE=dev, the default).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("dev", print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogues() -> None:
    from lims.web.catalogues import compile_catalogues

    compile_catalogues()


POSTGRES_URL = os.environ.get("LIMS_TEST_POSTGRES_URL", "")
NO_POSTGRES = (
    "PostgreSQL not configured: set LIMS_TEST_POSTGRES_URL (.ci/run does when 127.0.0.1:5432 answers)"
)


def _with_search_path(url: str, schema: str) -> str:
    parsed = make_url(url)
    query = dict(parsed.query)
    query["options"] = f"-csearch_path={schema}"
    return parsed.set(query=query).render_as_string(hide_password=False)


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A freshly migrated database of each kind, shared by the session's tests."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        upgrade(url)
        yield url
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    schema = f"lims_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = _with_search_path(POSTGRES_URL, schema)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    conn = engine.connect()
    outer = conn.begin()  # never committed: every test is rolled back
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def database(connection: Connection) -> Database:
    """A Database whose sessions join the test's outer transaction through savepoints."""
    db = Database(connection.engine)
    db.sessionmaker = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    audit.install(db.sessionmaker)
    return db


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    s = database.session()
    yield s
    s.close()


@pytest.fixture
def app(database: Database, tmp_path: Path, db_url: str) -> Flask:
    from lims.app import create_app

    settings = Settings(instance_path=tmp_path / "instance", database_url=db_url)
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "DATABASE": database,
        "SETTINGS": settings,
    }
    return create_app(config)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def frozen_rate_window(monkeypatch: pytest.MonkeyPatch) -> float:
    """Stop the clock the rate limiter reads at the start of an hour, so a test's burst of requests never
    straddles two fixed windows (on a loaded machine a burst can take seconds)."""
    import types

    from lims.services.common import ratelimit

    now = 1_800_000_000.0 + 1  # a whole number of hours since the epoch, plus one second
    monkeypatch.setattr(ratelimit, "time", types.SimpleNamespace(time=lambda: now))
    return now

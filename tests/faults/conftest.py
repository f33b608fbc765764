"""Fixtures for fault tests: an application on its own engine and, for PostgreSQL, its own schema.

The usual ``app`` fixture runs every request inside the test's outer transaction on one connection; a fault
test needs real pooled connections that it can break, so it gets an engine of its own. On PostgreSQL the
engine's connections carry a unique ``application_name``, so a test terminates only its own backends, never
those of other tests or other users of the shared server.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, create_engine

from lims.config import Settings
from lims.db import Database, make_engine
from lims.migrate import upgrade
from lims.services import audit
from tests.conftest import NO_POSTGRES, POSTGRES_URL, _with_search_path


def app_on(database: Database, url: str, tmp_path: Path) -> Flask:
    from lims.app import create_app

    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "fault-test-secret-key-" + "y" * 32,
        "DATABASE": database,
        "SETTINGS": Settings(instance_path=tmp_path / "instance", database_url=url),
    }
    return create_app(config)


class PgServer:
    """A migrated throw-away schema, an admin engine, and the application name of the app's connections."""

    def __init__(self, url: str, admin: Engine, application_name: str) -> None:
        self.url = url
        self.admin = admin
        self.application_name = application_name

    def terminate_app_backends(self) -> int:
        """Terminate every backend of the app's engine (as a server restart or a network cut would)."""
        with self.admin.begin() as conn:
            return len(
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %(name)s",
                    {"name": self.application_name},
                ).all()
            )


@pytest.fixture
def pg_server() -> Iterator[PgServer]:
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    schema = f"lims_fault_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = _with_search_path(POSTGRES_URL, schema)
    try:
        upgrade(url)
        yield PgServer(url, admin, f"lims-fault-{uuid.uuid4().hex[:8]}")
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def pg_database(pg_server: PgServer) -> Iterator[Database]:
    engine = make_engine(pg_server.url, connect_args={"application_name": pg_server.application_name})
    database = Database(engine)
    audit.install(database.sessionmaker)
    yield database
    engine.dispose()

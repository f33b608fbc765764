"""Fresh, committed databases for the bench tests that need several connections (threads, workers).

The shared test database is rolled back after every test; concurrency needs committed rows seen by other
connections, so these tests get a database (SQLite file or PostgreSQL schema) of their own, dropped after.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from lims.db import Database
from lims.migrate import upgrade
from lims.services.records.audit import Actor, set_actor
from lims.services.records.database import open_database
from tests.conftest import NO_POSTGRES, POSTGRES_URL, _with_search_path
from tests.services import jobsetup

KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
MakeDatabase = Callable[[str], Database]


@pytest.fixture
def fresh_database(tmp_path: Path) -> Iterator[MakeDatabase]:
    made: list[tuple[Database, str | None]] = []

    def make(kind: str) -> Database:
        schema = None
        if kind == "sqlite":
            url = f"sqlite:///{tmp_path / f'{uuid.uuid4().hex[:8]}.db'}"
        else:
            if not POSTGRES_URL:
                pytest.skip(NO_POSTGRES)
            schema = f"lims_bench_{uuid.uuid4().hex[:10]}"
            admin = create_engine(POSTGRES_URL)
            with admin.begin() as conn:
                conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            admin.dispose()
            url = _with_search_path(POSTGRES_URL, schema)
        upgrade(url)
        database = open_database(url)
        made.append((database, schema))
        return database

    yield make
    for database, schema in made:
        database.engine.dispose()
        if schema is not None:
            admin = create_engine(POSTGRES_URL)
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.dispose()


def bench_job(database: Database, code: str = "CAL-DMM-DCV") -> tuple[int, str, int, int]:
    """A job in progress, committed: (job id, job number, authorised technician id, reviewer id)."""
    with database.session() as session:
        set_actor(session, Actor(None, "test"))
        setup = jobsetup.build(session)
        job = jobsetup.started_job(session, setup, code)
        session.commit()
        return job.id, job.number, setup.technician.id, setup.reviewer.id

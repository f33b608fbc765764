"""Opening the database the way every entry point must: with the audit trail installed."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from lims.db import Database
from lims.services.records import audit


def open_database(url: str) -> Database:
    database = Database.from_url(url)
    audit.install(database.sessionmaker)
    return database


def database_answers(session: Session) -> bool:
    """Whether the database answers a trivial query (the load balancer's health check)."""
    try:
        session.execute(text("SELECT 1"))
    except Exception:
        session.rollback()
        return False
    return True


def schema_revisions(session: Session) -> set[str]:
    """The Alembic revisions the database is at; empty when it has no schema yet."""
    try:
        return set(session.scalars(text("SELECT version_num FROM alembic_version")))
    except Exception:
        session.rollback()
        return set()

"""Helpers shared by commands that need the database (they do not need Flask)."""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from sqlalchemy.orm import Session

from lims.config import Settings
from lims.db import Database
from lims.localtime import format_lab_date, format_lab_datetime
from lims.services.records.audit import Actor, set_actor
from lims.services.records.database import open_database


def settings() -> Settings:
    return Settings.from_env()


def _instant(at: datetime | str) -> datetime:
    return datetime.fromisoformat(at) if isinstance(at, str) else at


def local_datetime(at: datetime | str | None, *, seconds: bool = False) -> str:
    """An instant (stored UTC, or its ISO text from a JSON summary) for a person at the terminal: the lab's
    clock (``LIMS_TIMEZONE``) in ``LIMS_LANGUAGE``. JSON output keeps ISO 8601 UTC for programs."""
    if at is None:
        return "—"
    conf = settings()
    return format_lab_datetime(_instant(at), locale=conf.language, zone=conf.zone, seconds=seconds)


def local_date(day: date | datetime | str | None) -> str:
    """A calendar day (or the lab's local day of an instant) in ``LIMS_LANGUAGE``."""
    if day is None:
        return "—"
    conf = settings()
    if isinstance(day, str):
        day = _instant(day) if "T" in day or " " in day else date.fromisoformat(day)
    return format_lab_date(day, locale=conf.language, zone=conf.zone)


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

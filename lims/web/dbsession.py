"""One database session per request, closed at teardown; the audit actor is the logged-in user."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from lims.db import Database
from lims.services.audit import Actor, set_actor


def database() -> Database:
    db: Database = current_app.extensions["lims_db"]
    return db


def db_session() -> Session:
    """The request's session (created on first use)."""
    if "db" not in g:
        g.db = database().session()
    session: Session = g.db
    return session


def set_request_actor(user_id: int | None, label: str) -> None:
    set_actor(db_session(), Actor(user_id, label))


def _close(exc: BaseException | None) -> None:
    session: Session | None = g.pop("db", None)
    if session is not None:
        if exc is not None:
            session.rollback()
        session.close()


def init_db_session(app: Flask) -> None:
    app.teardown_appcontext(_close)

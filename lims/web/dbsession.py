"""One database session per request, closed at teardown; the audit actor is the logged-in user."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from lims.db import Database
from lims.services.records.audit import Actor, set_actor


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
    if session is None:
        return
    try:
        if exc is not None:
            session.rollback()
        session.close()  # rolls back what the request left open (a read's transaction) and frees the connection
    except DBAPIError:
        # The server went away after the response was built (a PostgreSQL restart or fail-over): the ROLLBACK
        # cannot be sent, but a server that drops a connection rolls its open transaction back itself, and what
        # the request committed stays committed, so the response is right. Raising here would turn it into a
        # bare 500 from the WSGI server; instead the connection is discarded, not returned to the pool.
        current_app.logger.warning(
            "database connection lost while closing the request's session", exc_info=True
        )
        session.invalidate()


def init_db_session(app: Flask) -> None:
    app.teardown_appcontext(_close)

"""Losing the database (issue #10 item 4): a clear 503 page or JSON, never a traceback, and automatic recovery.

PostgreSQL connections are broken with ``pg_terminate_backend`` from a second connection (what a server
restart, a fail-over or a cut network does to the pool), restricted to the test app's own backends by their
``application_name``; the shared server is never restarted. Recovery relies on ``pool_pre_ping`` (set by
``lims.db.make_engine`` for every server database) and on SQLAlchemy invalidating the pool after a disconnect.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from lims.db import PG_CONNECT_TIMEOUT_S, Database, make_engine
from lims.models import Role
from lims.services.records import audit
from tests.factories import PASSWORD, make_user
from tests.faults.conftest import PgServer, app_on, unclear_503
from tests.webutil import csrf_token, login


def _assert_clear_503(response: Any, *, json: bool = False) -> None:
    body = response.get_data(as_text=True)
    assert not unclear_503(response.status_code, response.headers, body, json=json), body[:300]


@pytest.fixture
def pg_app(pg_database: Database, pg_server: PgServer, tmp_path: Path) -> Flask:
    with pg_database.session() as session:
        make_user(session, Role.TECHNICIAN, username="ktv.fault")
        session.commit()
    return app_on(pg_database, pg_server.url, tmp_path)


@pytest.mark.postgres
def test_idle_connections_killed_between_requests_are_replaced_silently(
    pg_app: Flask, pg_server: PgServer
) -> None:
    client = pg_app.test_client()
    login(client, "ktv.fault")
    assert client.get("/standards/").status_code == 200
    assert pg_server.terminate_app_backends() >= 1
    # pool_pre_ping notices the dead connection at check-out and opens a new one: the user sees nothing
    assert client.get("/standards/").status_code == 200
    assert client.get("/health").get_json()["database"] == "up"


@pytest.mark.postgres
def test_connection_lost_during_a_request_is_a_clear_503_then_recovers(
    pg_app: Flask, pg_database: Database, pg_server: PgServer
) -> None:
    client = pg_app.test_client()
    login(client, "ktv.fault")
    assert client.get("/standards/").status_code == 200
    armed = {"left": 0}

    @event.listens_for(pg_database.engine, "before_cursor_execute")
    def _cut(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if armed["left"] > 0 and statement.lstrip().upper().startswith("SELECT"):
            armed["left"] -= 1
            pg_server.terminate_app_backends()  # the query below now meets a dead connection

    armed["left"] = 1
    _assert_clear_503(client.get("/standards/"))
    armed["left"] = 1
    _assert_clear_503(client.get("/standards/", headers={"Accept": "application/json"}), json=True)
    # a form submitted while the database is lost: refused clearly, nothing half-saved
    token = csrf_token(client, "/standards/new")
    armed["left"] = 1
    _assert_clear_503(client.post("/standards/new", data={"csrf_token": token, "asset_number": "STD-LOST"}))
    # the next requests work again without restarting anything
    assert client.get("/standards/").status_code == 200
    assert client.get("/health").get_json()["database"] == "up"
    event.remove(pg_database.engine, "before_cursor_execute", _cut)
    with pg_database.session() as session:
        from sqlalchemy import select

        from lims.models import MeasurementStandard

        assert (
            session.scalar(select(MeasurementStandard).where(MeasurementStandard.asset_number == "STD-LOST"))
            is None
        )


@pytest.mark.postgres
def test_connection_lost_after_the_response_is_built_keeps_the_response(
    pg_app: Flask, pg_server: PgServer
) -> None:
    """The server goes away between the view and the teardown (found by test_postgres_restart.py): the
    ROLLBACK that closes the request's read transaction cannot be sent. The finished page is still the
    answer, not a bare 500 from the WSGI server, and the next request reconnects."""
    armed = {"cut": False}

    @pg_app.after_request
    def _cut(response: Any) -> Any:
        if armed["cut"]:
            armed["cut"] = False
            assert pg_server.terminate_app_backends() >= 1
        return response

    client = pg_app.test_client()
    login(client, "ktv.fault")
    armed["cut"] = True
    response = client.get("/standards/")
    assert response.status_code == 200 and not armed["cut"]
    assert client.get("/standards/").status_code == 200


def _unreachable(kind: str, tmp_path: Path) -> tuple[Database, str]:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'missing-folder' / 'lims.db'}"  # the folder does not exist
    else:
        url = "postgresql+psycopg://lims@127.0.0.1:1/lims?connect_timeout=2"  # nothing listens on port 1
    database = Database(make_engine(url))
    audit.install(database.sessionmaker)
    return database, url


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_database_down_from_the_start_is_a_clear_503(kind: str, tmp_path: Path) -> None:
    database, url = _unreachable(kind, tmp_path)
    app = app_on(database, url, tmp_path)
    client: FlaskClient = app.test_client()
    token = csrf_token(client)  # the login page itself needs no database
    response = client.post("/login", data={"csrf_token": token, "username": "admin", "password": PASSWORD})
    _assert_clear_503(response)
    response = client.post(
        "/login",
        data={"csrf_token": token, "username": "admin", "password": PASSWORD},
        headers={"Accept": "application/json"},
    )
    _assert_clear_503(response, json=True)
    health = client.get("/health")
    assert health.status_code == 503 and health.get_json()["database"] == "down"
    database.engine.dispose()


def test_server_that_never_answers_is_a_503_within_the_connect_timeout(tmp_path: Path) -> None:
    """A host that accepts the TCP connection but never speaks (hung, overloaded, a half-done fail-over): the
    request must not wait for ever (gunicorn would kill the worker) but answer 503 after PG_CONNECT_TIMEOUT_S.
    The URL sets no connect_timeout, so lims.db.make_engine's default is what is tested."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # the kernel completes the handshakes; nobody ever accepts or answers
        url = f"postgresql+psycopg://lims@127.0.0.1:{silent.getsockname()[1]}/lims"
        database = Database(make_engine(url))
        audit.install(database.sessionmaker)
        client = app_on(database, url, tmp_path).test_client()
        token = csrf_token(client)
        answer: dict[str, Any] = {}

        def log_in() -> None:
            started = time.monotonic()
            answer["response"] = client.post(
                "/login", data={"csrf_token": token, "username": "admin", "password": PASSWORD}
            )
            answer["elapsed_s"] = time.monotonic() - started

        attempt = threading.Thread(target=log_in, daemon=True)
        attempt.start()
        attempt.join(timeout=PG_CONNECT_TIMEOUT_S + 10)
        hung = attempt.is_alive()
    # closing the listening socket resets the waiting connections, so a hung attempt ends here
    attempt.join(timeout=10)
    database.engine.dispose()
    assert not hung, f"the request still waited after {PG_CONNECT_TIMEOUT_S + 10} s"
    _assert_clear_503(answer["response"])
    assert PG_CONNECT_TIMEOUT_S - 1 <= answer["elapsed_s"] <= PG_CONNECT_TIMEOUT_S + 5, answer["elapsed_s"]

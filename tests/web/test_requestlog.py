"""Request ids and JSON request logs; the load balancer's health check."""

from __future__ import annotations

import json
import logging
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lims.migrate import head_revisions
from lims.web.requestlog import LOGGER_NAME, JsonFormatter, RequestIdFilter, request_id_from
from tests.factories import make_user
from tests.webutil import login


def _request_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == LOGGER_NAME and getattr(r, "event", None) == "request"]


def test_incoming_well_formed_id_is_kept_and_logged(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    response = client.get("/health?token=secret", headers={"X-Request-ID": "lb-7f3a:42.1"})
    assert response.headers["X-Request-ID"] == "lb-7f3a:42.1"
    (record,) = _request_lines(caplog)
    assert record.request_id == "lb-7f3a:42.1"
    assert (record.method, record.path, record.status, record.user_id) == ("GET", "/health", 200, None)
    assert isinstance(record.duration_ms, float) and record.duration_ms >= 0
    line = json.loads(JsonFormatter().format(record))
    assert line["path"] == "/health" and "token" not in json.dumps(line)
    assert line["level"] == "INFO" and line["ts"].endswith("Z")


@pytest.mark.parametrize("header", ["", "x" * 129, "bad id", "<script>", "id\r\nSet-Cookie: a=b", "-leading"])
def test_malformed_ids_are_replaced(client: FlaskClient, header: str) -> None:
    response = client.get("/health", headers={"X-Request-ID": header} if "\n" not in header else {})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
    assert request_id_from(header) != header


def test_every_response_gets_a_distinct_id_even_redirects_and_errors(client: FlaskClient) -> None:
    ids = {
        client.get("/").headers["X-Request-ID"],  # redirect to the login page
        client.get("/no-such-page").headers["X-Request-ID"],  # 404
        client.get("/health").headers["X-Request-ID"],
    }
    assert len(ids) == 3


def test_logged_in_user_id_is_logged(client: FlaskClient, session, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    user = make_user(session)
    login(client, user.username)
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    client.get("/")
    assert [r.user_id for r in _request_lines(caplog)] == [user.id]


def test_application_log_records_carry_the_request_id(
    fresh_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    app = fresh_app

    @app.get("/_boom")
    def boom() -> str:
        raise RuntimeError("kaput")

    boom.__lims_access__ = frozenset({"public"})  # type: ignore[attr-defined]
    caplog.set_level(logging.INFO)
    response = app.test_client().get("/_boom", headers={"X-Request-ID": "req-123"})
    assert response.status_code == 500 and b"kaput" not in response.data
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and errors[0].request_id == "req-123"
    assert "kaput" in JsonFormatter().format(errors[0])


def test_filter_outside_requests_sets_none() -> None:
    record = logging.makeLogRecord({"msg": "cli"})
    assert RequestIdFilter().filter(record) and record.request_id is None


def test_health_reports_the_schema_revision(client: FlaskClient) -> None:
    body = client.get("/health").get_json()
    assert body["status"] == "ok" and body["database"] == "up"
    assert body["schema"] == "current" and set(body["revision"].split(",")) == set(head_revisions())


def _remote_addr_seen(app: Flask, caplog: pytest.LogCaptureFixture, **headers: str) -> str:
    caplog.clear()
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    app.test_client().get("/health", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    (record,) = _request_lines(caplog)
    return str(record.remote_addr)


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(
    app: Flask,
    caplog: pytest.LogCaptureFixture,
    database,
    tmp_path,
    db_url: str,  # type: ignore[no-untyped-def]
) -> None:
    from lims.app import create_app
    from lims.config import Settings
    from lims.errors import ConfigurationError

    assert _remote_addr_seen(app, caplog, **{"X-Forwarded-For": "203.0.113.9"}) == "10.0.0.2"
    config = {
        "TESTING": True,
        "SECRET_KEY": "k" * 48,
        "DATABASE": database,
        "SETTINGS": Settings(instance_path=tmp_path, database_url=db_url),
        "TRUSTED_PROXIES": 1,
    }
    behind_balancer = create_app(config)
    seen = _remote_addr_seen(behind_balancer, caplog, **{"X-Forwarded-For": "198.51.100.1, 203.0.113.9"})
    assert seen == "203.0.113.9"  # only the hop the balancer added is trusted
    with pytest.raises(ConfigurationError, match="LIMS_TRUSTED_PROXIES"):
        create_app({**config, "TRUSTED_PROXIES": "yes"})

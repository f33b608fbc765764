"""Request ids and one JSON log line per request, for logs gathered from many workers and machines.

The request id comes from the incoming ``X-Request-ID`` header when it is well-formed (so a load
balancer's id follows the request), otherwise a new one is made; it is sent back in the response's
``X-Request-ID`` header and added to every log record written while the request runs. Each request
then writes one line to the ``lims.request`` logger::

    {"ts": "2026-11-22T19:30:00.123Z", "level": "INFO", "logger": "lims.request", "event": "request",
     "method": "GET", "path": "/health", "status": 200, "duration_ms": 3.1, "user_id": null,
     "request_id": "9f0c…", "remote_addr": "10.0.0.7"}

Query strings are never logged (they may carry tokens or personal data).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from flask.logging import default_handler

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,127}")
LOGGER_NAME = "lims.request"
# Fields of a LogRecord that are not worth repeating in a JSON line.
_STANDARD_FIELDS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

logger = logging.getLogger(LOGGER_NAME)


def request_id_from(header: str | None) -> str:
    """The caller's id when it is well-formed (letters, digits, ``._:-``; at most 128), else a new one."""
    if header and REQUEST_ID_PATTERN.fullmatch(header):
        return header
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    if not has_request_context():
        return None
    value = g.get("request_id")
    return str(value) if value is not None else None


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record made during a request (``None`` outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
        }
        message = record.getMessage()
        if message:
            line["message"] = message
        for key, value in vars(record).items():
            if key not in _STANDARD_FIELDS and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def _start() -> None:
    g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
    g.request_started = time.perf_counter()


def _user_id() -> int | None:
    # Flask-Login keeps the user it loaded in g._login_user; reading it here never loads one.
    user = g.get("_login_user")
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    user_id = getattr(user, "id", None)
    return int(user_id) if user_id is not None else None


def _finish(response: Response) -> Response:
    request_id = g.get("request_id") or request_id_from(None)
    response.headers[REQUEST_ID_HEADER] = request_id
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
    logger.info(
        "",
        extra={
            "event": "request",
            "method": request.method,
            "path": request.path,
            "status": response.status_code,
            "duration_ms": duration_ms,
            "user_id": _user_id(),
            "request_id": request_id,
            "remote_addr": request.remote_addr,
        },
    )
    return response


def init_request_log(app: Flask) -> None:
    """Register the hooks; outside tests, write JSON lines to stderr (gunicorn passes them on)."""
    app.before_request(_start)
    app.after_request(_finish)
    request_filter = RequestIdFilter()
    app.logger.addFilter(request_filter)
    if app.testing or logger.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(request_filter)
    # Request lines and the application's own records (errors with their tracebacks) as JSON lines.
    for target in (logger, app.logger):
        target.removeHandler(default_handler)
        target.addHandler(handler)
        target.setLevel(logging.INFO)
        target.propagate = False

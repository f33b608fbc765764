"""Error pages: a clear message in the user's language, never a stack trace."""

from __future__ import annotations

import errno

from flask import Flask, jsonify, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from lims.errors import N_, LimsError
from lims.web.i18n import error_text
from lims.web.status import status_for

MESSAGES = {  # texts marked with N_ so that extraction finds them
    400: N_("The request was not understood."),
    401: N_("Please log in."),
    403: N_("You are not allowed to open this page."),
    404: N_("This page does not exist."),
    405: N_("This action is not allowed here."),
    409: N_("Someone else changed this record while you were editing it. Reload and try again."),
    413: N_("The uploaded file is too large."),
    429: N_("Too many requests. Wait a moment and try again."),
    500: N_("Something went wrong on our side. The error has been logged."),
    503: N_("The database cannot be reached at the moment. Nothing was saved; try again in a minute."),
    507: N_("The server's storage is full, so nothing was saved. Please tell the administrator."),
}
RETRY_AFTER_S = 30
# SQLSTATE class 53 "insufficient resources": 53100 disk_full; SQLite says "database or disk is full".
DISK_FULL_SQLSTATES = ("53100",)
DISK_FULL_TEXTS = ("database or disk is full", "no space left on device", "could not extend file")
# Two requests changing the same record at once: SQLSTATE 23505 unique_violation, 40001 serialization_failure,
# 40P01 deadlock_detected (PostgreSQL); SQLite words a unique violation "UNIQUE constraint failed".
CONFLICT_SQLSTATES = ("23505", "40001", "40P01")
CONFLICT_TEXTS = ("unique constraint failed",)


def _render(code: int, message: str, exc: HTTPException | None = None) -> ResponseReturnValue:
    if request.path.startswith("/api/"):
        from lims.web.api.framework import http_error_response

        return http_error_response(exc, code)  # the API's own error object, in English
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"error": {"status": code, "message": message}}), code
    return render_template("error.html", code=code, message=message), code


def error_page(code: int, message: str) -> ResponseReturnValue:
    """The error page (HTML, JSON for a JSON client, the API's error object under /api/) with ``message``."""
    return _render(code, message)


def _http_error(exc: HTTPException) -> ResponseReturnValue:
    code = exc.code or 500
    return _render(code, _(MESSAGES.get(code, "The request could not be completed.")), exc)


def _csrf_error(exc: CSRFError) -> ResponseReturnValue:
    return _render(400, _("The form has expired or is not valid. Reload the page and try again."))


def _disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    original = getattr(exc, "orig", None)
    if getattr(original, "sqlstate", None) in DISK_FULL_SQLSTATES:
        return True
    text = str(original if original is not None else exc).lower()
    return any(marker in text for marker in DISK_FULL_TEXTS)


def _unavailable(code: int) -> ResponseReturnValue:
    """The page of a 503/507, rendered without touching the database again (the visitor is shown as
    anonymous: loading the user would need the database that just failed)."""
    from flask import current_app, g

    g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]
    response = make_response(_render(code, _(MESSAGES[code])))
    if code == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def is_conflict(exc: BaseException) -> bool:
    """True for what a concurrent change of the same record raises: the optimistic lock's StaleDataError
    (a version column that moved between read and write), a unique violation (two requests creating the
    same thing), a serialisation failure or a deadlock."""
    if isinstance(exc, StaleDataError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    original = getattr(exc, "orig", None)
    if getattr(original, "sqlstate", None) in CONFLICT_SQLSTATES:
        return True
    return isinstance(exc, IntegrityError) and any(t in str(original).lower() for t in CONFLICT_TEXTS)


def _conflict(exc: Exception) -> ResponseReturnValue:
    """The one answer to a concurrent change, on every route and the API: 409 with the conflict message in
    the user's language (the API's own error object under /api/). Nothing of the request is kept."""
    from flask import current_app, g

    current_app.logger.info("conflict on %s %s: %s", request.method, request.path, type(exc).__name__)
    session = g.get("db")
    if session is not None:
        session.rollback()
    return _render(409, _(MESSAGES[409]))


def _stale_data(exc: StaleDataError) -> ResponseReturnValue:
    return _conflict(exc)


def _database_error(exc: DBAPIError) -> ResponseReturnValue:
    """A concurrent change is a 409 (:func:`is_conflict`); a lost or refused database connection is a 503 (the pool reconnects on the next request, see
    ``pool_pre_ping`` in lims.db.make_engine); a full disk a 507; anything else the generic 500."""
    from flask import current_app

    if is_conflict(exc):
        return _conflict(exc)
    current_app.logger.exception("database error on %s %s", request.method, request.path)
    if _disk_full(exc):
        return _unavailable(507)
    from sqlalchemy.exc import OperationalError

    if exc.connection_invalidated or isinstance(exc, OperationalError):
        return _unavailable(503)
    return _render(500, _(MESSAGES[500]))


def _os_error(exc: OSError) -> ResponseReturnValue:
    """Storage full (ENOSPC) is a 507 with a clear message; any other OS error the generic 500."""
    if _disk_full(exc):
        from flask import current_app

        current_app.logger.exception("storage full on %s %s", request.method, request.path)
        return _unavailable(507)
    return _server_error(exc)


def _lims_error(exc: LimsError) -> ResponseReturnValue:
    """An error a service raised on purpose and no view caught: its status from :mod:`lims.web.status` and
    its message in the user's language (a 503 too, logged for the administrator); a failure on our side
    (storage, mail) is handled as one."""
    status = status_for(exc)
    if status == 503:  # the deployment cannot serve this now (e.g. rate limits on an unsupported database)
        from flask import current_app

        current_app.logger.error("unavailable on %s %s: %s", request.method, request.path, exc)
    elif status >= 500:
        return _os_error(exc) if isinstance(exc, OSError) else _server_error(exc)
    from lims.web.dbsession import db_session

    db_session().rollback()  # nothing half-saved
    return _render(status, error_text(exc))


def _server_error(exc: Exception) -> ResponseReturnValue:
    from flask import current_app

    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return _render(500, _(MESSAGES[500]))


def init_errors(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(DBAPIError, _database_error)
    app.register_error_handler(StaleDataError, _stale_data)
    app.register_error_handler(OSError, _os_error)
    app.register_error_handler(LimsError, _lims_error)
    app.register_error_handler(Exception, _server_error)

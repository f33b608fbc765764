"""Error pages: a clear message in the user's language, never a stack trace."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from lims.errors import N_

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
}


def _render(code: int, message: str, exc: HTTPException | None = None) -> ResponseReturnValue:
    if request.path.startswith("/api/"):
        from lims.web.api.framework import http_error_response

        return http_error_response(exc, code)  # the API's own error object, in English
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"error": {"status": code, "message": message}}), code
    return render_template("error.html", code=code, message=message), code


def _http_error(exc: HTTPException) -> ResponseReturnValue:
    code = exc.code or 500
    return _render(code, _(MESSAGES.get(code, "The request could not be completed.")), exc)


def _csrf_error(exc: CSRFError) -> ResponseReturnValue:
    return _render(400, _("The form has expired or is not valid. Reload the page and try again."))


def _server_error(exc: Exception) -> ResponseReturnValue:
    from flask import current_app

    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return _render(500, _(MESSAGES[500]))


def init_errors(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)

"""What every ``/api/v1`` endpoint shares: token authentication, scopes, rate limit, JSON and errors.

Adding an endpoint takes the blueprint, one decorator and the helpers below::

    @bp.post("/jobs/<job_number>/points/<int(min=0, max=10000):point_id>/readings")
    @api_view(*LAB_STAFF, scope="bench")
    def upload_readings(job_number: str, point_id: int) -> ResponseReturnValue:
        body = json_body()                       # 415 / 400 / 413 handled, a JSON object
        user = api_user()                        # the token's user (role, enterprise)
        ...                                      # call a service; raise LimsError / ApiError
        db_session().commit()
        return jsonify(...), 201

then describe it in :mod:`lims.web.api.openapi` (a test fails until route and document agree).

Cookies never authenticate here: only ``Authorization: Bearer <secret>``. So the blueprint is exempt
from CSRF (a browser cannot be tricked into sending a bearer header).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, g, jsonify, request, url_for
from werkzeug.exceptions import HTTPException

from lims.errors import LimsError
from lims.models import ApiToken, Role, User
from lims.services.access import api_tokens
from lims.services.common.pagination import MAX_PAGE_SIZE, Page
from lims.services.common.ratelimit import hit
from lims.services.customers.instrument_fields import InstrumentInvalid
from lims.services.records.audit import Actor, set_actor
from lims.web.access import TOKEN
from lims.web.dbsession import database, db_session
from lims.web.status import status_for

F = TypeVar("F", bound=Callable[..., Any])

bp = Blueprint("api", __name__, url_prefix="/api/v1")

REALM = "lims-api"
DEFAULT_PAGE_SIZE = 50
DEFAULT_RATE_LIMIT_PER_MINUTE = 120
MAX_ID = 2_147_483_647  # ids in paths and cursors: beyond a 32-bit key nothing exists

# status -> (code, English message). Clients branch on ``code``; ``message`` is for people.
ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "The request is not valid."),
    401: ("unauthorized", "A valid bearer token is required."),
    403: ("forbidden", "This token may not use this endpoint."),
    404: ("not_found", "Not found."),
    405: ("method_not_allowed", "This method is not allowed on this endpoint."),
    409: ("conflict", "The record was changed by someone else; reload it and try again."),
    413: ("payload_too_large", "The request body is too large."),
    415: ("unsupported_media_type", "Send the body as application/json."),
    422: ("validation_failed", "The request is well formed but its values are not acceptable."),
    429: ("rate_limited", "Too many requests; wait for the time given in Retry-After."),
    500: ("internal_error", "Something went wrong on our side. The error has been logged."),
}


class ApiError(Exception):
    """Raise from an endpoint to answer with the error object."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        message: str | None = None,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        default_code, default_message = ERRORS.get(status, ERRORS[400])
        super().__init__(message or default_message)
        self.status = status
        self.code = code or default_code
        self.message = message or default_message
        self.details = details
        self.headers = headers or {}


def error_response(
    status: int,
    code: str | None = None,
    message: str | None = None,
    details: Any = None,
    headers: Iterable[tuple[str, str]] | dict[str, str] | None = None,
) -> Response:
    """``{"error": {"code", "message", "details"}}`` with ``status`` (English message)."""
    default_code, default_message = ERRORS.get(status, ("error", "The request could not be completed."))
    response = jsonify(
        {"error": {"code": code or default_code, "message": message or default_message, "details": details}}
    )
    response.status_code = status
    for name, value in dict(headers or {}).items():
        if name.lower() != "content-type":
            response.headers[name] = value
    if status == 401 and "WWW-Authenticate" not in response.headers:
        response.headers["WWW-Authenticate"] = f'Bearer realm="{REALM}"'
    return response


def http_error_response(exc: HTTPException | None, status: int) -> Response:
    """The error object for a werkzeug HTTP error (routing 404/405, 413, …) on an API path.

    A 405's ``Allow`` names the methods the OpenAPI document describes for the path (issue 21): werkzeug
    would also list HEAD and OPTIONS, and the methods of another rule whose ``<path:…>`` swallows the
    rest of the URL (``GET /jobs/<path:job_number>`` matches ``/jobs/X/points/1/readings``)."""
    headers = exc.get_headers() if exc is not None else []
    if status == 405:
        documented = documented_methods(request.path)
        if documented:
            headers = [(n, ", ".join(documented) if n.lower() == "allow" else v) for n, v in headers]
    return error_response(status, headers=headers)


def documented_methods(path: str) -> list[str]:
    """The methods the OpenAPI document gives the path that ``path`` matches (one segment per parameter)."""
    from lims.web.api.openapi import document

    for template, item in document()["paths"].items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            return sorted(method.upper() for method in item)
    return []


def _unauthorized(error: str | None, description: str) -> ApiError:
    challenge = f'Bearer realm="{REALM}"'
    if error:
        challenge += f', error="{error}", error_description="{description}"'
    return ApiError(401, message=description, headers={"WWW-Authenticate": challenge})


def _bearer() -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if not header:
        raise _unauthorized(None, "A bearer token is required: send Authorization: Bearer <token>.")
    if scheme.lower() != "bearer" or not secret.strip():
        raise _unauthorized("invalid_request", "Use the Bearer authentication scheme.")
    return secret.strip()


def _authenticate(scope: str, roles: frozenset[str]) -> None:
    """Check the token, scope and role, record its use and count it, in one short transaction of its own.

    The request's session is opened only afterwards, so the committed counter never waits on it.
    """
    secret = _bearer()
    limited = current_app.config.get("RATE_LIMIT_ENABLED", True)
    per_minute = int(current_app.config.get("API_RATE_LIMIT_PER_MINUTE", DEFAULT_RATE_LIMIT_PER_MINUTE))
    with database().session() as auth:
        try:
            token, user = api_tokens.authenticate(auth, secret)
        except api_tokens.TokenRejected as exc:
            current_app.logger.info(
                "API token refused (%s) on %s %s", exc.reason, request.method, request.path
            )
            raise _unauthorized("invalid_token", "The token is invalid, expired or revoked.") from None
        if scope not in token.scope_set:
            raise ApiError(
                403,
                code="insufficient_scope",
                message=f"This endpoint needs a token with the '{scope}' scope.",
                details={"required_scope": scope},
                headers={
                    "WWW-Authenticate": f'Bearer realm="{REALM}", error="insufficient_scope", scope="{scope}"'
                },
            )
        if str(user.role) not in roles:
            raise ApiError(403, message="Your role may not use this endpoint.")
        token_id, user_id = token.id, user.id
        api_tokens.touch(auth, token_id)
        result = hit(auth, f"api:token:{token_id}", limit=per_minute, window_s=60) if limited else None
        auth.commit()
    if result is not None and not result.allowed:
        raise ApiError(
            429,
            details={"limit": result.limit, "window_s": 60, "retry_after_s": result.retry_after_s},
            headers={"Retry-After": str(result.retry_after_s)},
        )
    db = db_session()
    g.api_token, g.api_user = db.get(ApiToken, token_id), db.get(User, user_id)
    set_actor(db, Actor(user_id, f"{g.api_user.username} (API {g.api_token.prefix})"))


def api_view(
    *roles: Role | str | Iterable[Role], scope: str = api_tokens.Scope.READ, query: Iterable[str] = ()
) -> Callable[[F], F]:
    """Authenticate the bearer token, require ``scope`` and one of ``roles``, count the rate limit.

    ``query`` names the query parameters the endpoint reads; any other one is refused (400), so a
    misspelt filter is reported instead of silently ignored.
    """
    known = frozenset(query)
    flat: set[str] = set()
    for item in roles:
        flat.update({str(item)} if isinstance(item, str) else {str(r) for r in item})
    allowed = frozenset(flat)

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            _authenticate(str(scope), allowed)
            unknown = sorted(set(request.args) - known)
            if unknown:
                raise bad_parameter(unknown[0], f"Unknown query parameter '{unknown[0][:50]}'.")
            return view(*args, **kwargs)

        guarded.__lims_access__ = frozenset({TOKEN, *allowed})  # type: ignore[attr-defined]
        guarded.__lims_api_scope__ = str(scope)  # type: ignore[attr-defined]
        guarded.__lims_api_query__ = known  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def api_user() -> User:
    """The user the request's token acts for (role and enterprise apply as in the web pages)."""
    user: User = g.api_user
    return user


def api_token() -> ApiToken:
    token: ApiToken = g.api_token
    return token


def json_body() -> dict[str, Any]:
    """The request body as a JSON object: 415 if it is not JSON, 400 if it does not parse or is not an object."""
    if not request.is_json:
        raise ApiError(415)
    data = request.get_json(silent=True)  # a body over MAX_CONTENT_LENGTH raises 413 here
    if data is None:
        raise ApiError(400, code="malformed_json", message="The body is not valid JSON.")
    if not isinstance(data, dict):
        raise ApiError(400, code="malformed_json", message="The body must be a JSON object.")
    bad = _unstorable_path(data)
    if bad is not None:
        raise ApiError(
            400,
            code="invalid_characters",
            message="Text may not contain NUL characters or unpaired surrogates.",
            details={"field": bad},
        )
    return data


def _unstorable(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _unstorable_path(value: Any, path: str = "") -> str | None:
    """Where ``value`` holds a text the database cannot store, as a dotted path; None if nowhere."""
    if isinstance(value, str):
        return path or "$" if _unstorable(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if _unstorable(str(key)):
                return here
            found = _unstorable_path(item, here)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _unstorable_path(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def bad_parameter(name: str, message: str) -> ApiError:
    return ApiError(400, code="invalid_parameter", message=message, details={"parameter": name})


def text_arg(name: str, *, max_length: int = 100) -> str:
    value = request.args.get(name, "")
    if len(value) > max_length:
        raise bad_parameter(name, f"'{name}' has at most {max_length} characters.")
    return value


def choice_arg(name: str, choices: Iterable[str]) -> str | None:
    value = request.args.get(name)
    if value is None:
        return None
    allowed = sorted(choices)
    if value not in allowed:
        raise bad_parameter(name, f"'{name}' must be one of: {', '.join(allowed)}.")
    return value


def encode_cursor(key: int) -> str:
    """The cursor of the page after ``key`` (clients pass it back unchanged; its form may change).

    >>> encode_cursor(42), decode_cursor(encode_cursor(42))
    ('42', 42)
    """
    return str(key)


CURSOR_PATTERN = r"^[0-9]{1,10}$"


def decode_cursor(cursor: str) -> int | None:
    """The key to continue after; None (from the start) for a key above every possible id.

    >>> decode_cursor("9999999999") is None
    True
    """
    if not re.fullmatch(CURSOR_PATTERN, cursor):
        raise bad_parameter("cursor", "The cursor is not valid; pass next_cursor unchanged.")
    key = int(cursor)
    return key if key <= MAX_ID else None  # ids are 32-bit: beyond, every row comes "after"


@dataclass(frozen=True, slots=True)
class PageArgs:
    after: int | None
    limit: int


def page_args() -> PageArgs:
    """``limit`` (1 to 200, default 50) and ``cursor`` (from the previous page's ``next_cursor``)."""
    raw_limit = request.args.get("limit")
    if raw_limit is None:
        limit = DEFAULT_PAGE_SIZE
    elif raw_limit.isascii() and raw_limit.isdigit() and 1 <= int(raw_limit) <= MAX_PAGE_SIZE:
        limit = int(raw_limit)
    else:
        raise bad_parameter("limit", f"'limit' is a whole number from 1 to {MAX_PAGE_SIZE}.")
    cursor = request.args.get("cursor")
    return PageArgs(decode_cursor(cursor) if cursor is not None else None, limit)


def page_response(page: Page[Any], serialise: Callable[[Any], dict[str, Any]]) -> Response:
    """``{"items": [...], "next_cursor": ..., "links": {"next": ...}}`` plus a ``Link: rel="next"`` header."""
    cursor = encode_cursor(page.next_after) if page.next_after is not None else None
    next_url = None
    if cursor is not None:
        args = {**request.args.to_dict(), "cursor": cursor, "limit": str(page.size)}
        assert request.endpoint is not None
        next_url = url_for(request.endpoint, **(request.view_args or {}), **args, _external=True)
    response = jsonify(
        {
            "items": [serialise(item) for item in page.items],
            "next_cursor": cursor,
            "links": {"next": next_url},
        }
    )
    if next_url is not None:
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return response


@bp.after_request
def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> Response:
    return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)


@bp.errorhandler(LimsError)
def _lims_error(exc: LimsError) -> Response:
    """The status from the one table (:mod:`lims.web.status`); the message in English for API clients."""
    db_session().rollback()
    status = status_for(exc)
    if status == 503:  # the deployment cannot serve this now: said in the error object, never a 500
        current_app.logger.error("unavailable on %s %s: %s", request.method, request.path, exc)
        return error_response(503, code="unavailable", message=str(exc))
    if status >= 500:
        current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500)
    if status == 404:
        return error_response(404)  # never a hint of what exists
    if isinstance(exc, InstrumentInvalid):
        details = [{"field": p.field, "message": p.english()} for p in exc.problems]
        return error_response(422, message=str(exc), details=details)
    if status == 422:
        return error_response(422, code="rejected", message=str(exc))
    return error_response(status, message=str(exc))

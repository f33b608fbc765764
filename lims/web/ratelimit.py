"""``@rate_limit``: 429 Too Many Requests with ``Retry-After`` for public endpoints, counted in the database.

Usage (the decorator goes under ``@allow``; it runs only for requests the view will handle)::

    @bp.get("/verify/<number>")
    @allow(PUBLIC)
    @rate_limit("verify", limit=30, window_s=60)
    def verify(number: str) -> ResponseReturnValue: ...

The key is the scope and the client address (``request.remote_addr``: behind a load balancer, the
deployment must apply ``werkzeug.middleware.proxy_fix.ProxyFix`` so that it is the client's, see
docs/operations.md). ``LIMS_RATE_LIMIT_ENABLED=false`` turns every limit off (e.g. for load tests).
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from typing import Any, TypeVar

from flask import current_app, make_response, request
from werkzeug.exceptions import TooManyRequests

from lims.services.common.ratelimit import RateLimitResult, hit, prune
from lims.web.dbsession import database

F = TypeVar("F", bound=Callable[..., Any])

PRUNE_PROBABILITY = 0.002  # about one request in 500 clears counters idle for a day
PRUNE_AFTER_S = 24 * 3600


def client_key(scope: str) -> str:
    return f"{scope}:{request.remote_addr or 'unknown'}"


def count_request(scope: str, *, limit: int, window_s: int, key: str | None = None) -> RateLimitResult:
    """Count this request in its own committed transaction (never the request's session)."""
    with database().session() as session:
        result = hit(session, key or client_key(scope), limit=limit, window_s=window_s)
        if random.random() < PRUNE_PROBABILITY:
            prune(session, older_than_s=PRUNE_AFTER_S)
        session.commit()
    return result


def rate_limit(
    scope: str, *, limit: int, window_s: int, key: Callable[[], str] | None = None
) -> Callable[[F], F]:
    """Allow ``limit`` requests per ``window_s`` seconds per client (or per ``key()``) to a view."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def limited(*args: Any, **kwargs: Any) -> Any:
            if not current_app.config.get("RATE_LIMIT_ENABLED", True):
                return view(*args, **kwargs)
            result = count_request(
                scope, limit=limit, window_s=window_s, key=f"{scope}:{key()}" if key else None
            )
            if not result.allowed:
                response = make_response(current_app.handle_http_exception(TooManyRequests()))
                response.headers["Retry-After"] = str(result.retry_after_s)
                return response
            return view(*args, **kwargs)

        return limited  # type: ignore[return-value]

    return decorate

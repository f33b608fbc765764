"""Deny-by-default authorisation: every endpoint declares who may use it.

A view without a declaration answers 403 to everyone, so forgetting to declare is safe.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from lims.models import Role

PUBLIC = "public"
AUTHENTICATED = "authenticated"
# JSON API endpoints (lims.web.api): no session login; ``api_view`` authenticates the bearer token itself.
TOKEN = "token"  # noqa: S105 - an access marker, not a credential

LAB_STAFF = (Role.ADMIN, Role.TECHNICIAN, Role.REVIEWER, Role.SIGNATORY)
TECHNICAL_READERS = (*LAB_STAFF, Role.AUDITOR)
EVERYONE = (*TECHNICAL_READERS, Role.CUSTOMER)

F = TypeVar("F", bound=Callable[..., Any])


def allow(*who: Role | str | Iterable[Role]) -> Callable[[F], F]:
    """Declare who may call a view: roles, ``PUBLIC`` (no login) or ``AUTHENTICATED`` (any role)."""
    flat: set[str] = set()
    for item in who:
        if isinstance(item, str):
            flat.add(str(item))
        else:
            flat.update(str(r) for r in item)

    def decorate(view: F) -> F:
        view.__lims_access__ = frozenset(flat)  # type: ignore[attr-defined]
        return view

    return decorate


def access_of(app: Flask, endpoint: str) -> frozenset[str] | None:
    view = app.view_functions.get(endpoint)
    return getattr(view, "__lims_access__", None) if view is not None else None


def _check_access() -> ResponseReturnValue | None:
    endpoint = request.endpoint
    if endpoint is None:
        return None  # no route matched: Flask answers 404 / 405
    if endpoint == "static":
        return None
    access = access_of(current_app, endpoint)
    if access is None:
        current_app.logger.error("endpoint %s declares no access rule; refused", endpoint)
        abort(403)
    if PUBLIC in access or TOKEN in access:
        return None
    if not current_user.is_authenticated:
        if request.blueprint == "api":
            abort(401)
        return redirect(
            url_for("auth.login", next=request.full_path if request.query_string else request.path)
        )
    if AUTHENTICATED in access or str(current_user.role) in access:
        return None
    abort(403)


def init_access(app: Flask) -> None:
    app.before_request(_check_access)

"""Per-role navigation: each item names its endpoint, label and the roles that see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, request
from flask_login import current_user

from lims.errors import N_
from lims.models import Role
from lims.web.access import AUTHENTICATED, access_of


@dataclass(frozen=True, slots=True)
class NavItem:
    endpoint: str
    label: str
    key: str  # keyboard shortcut (Alt+key)


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("main.dashboard", N_("Dashboard"), "d"),
    NavItem("jobs.index", N_("Jobs"), "j"),
    NavItem("requests.index", N_("Requests"), "r"),
    NavItem("instruments.index", N_("Instruments"), "i"),
    NavItem("standards.index", N_("Standards"), "s"),
    NavItem("traceability.index", N_("Traceability"), "t"),
    NavItem("certificates.index", N_("Certificates"), "c"),
    NavItem("legal.index", N_("Legal verification"), "k"),
    NavItem("rooms.index", N_("Rooms"), "o"),
    NavItem("nc.index", N_("Nonconforming work"), "n"),
    NavItem("portal.index", N_("My enterprise"), "p"),
    NavItem("enterprises.index", N_("Enterprises"), "e"),
    NavItem("programme.index", N_("Programme"), "g"),
    NavItem("admin.users", N_("Users"), "u"),
    NavItem("audit.index", N_("Audit trail"), "a"),
)


def items_for(app: Flask, role: Role | str) -> list[NavItem]:
    """The navigation a role sees: only endpoints that exist and that the role may open."""
    visible = []
    for item in NAVIGATION:
        if item.endpoint not in app.view_functions:
            continue
        access = access_of(app, item.endpoint) or frozenset()
        if AUTHENTICATED in access or str(role) in access:
            visible.append(item)
    return visible


def init_navigation(app: Flask) -> None:
    @app.context_processor
    def _navigation() -> dict[str, Any]:
        if not current_user or not current_user.is_authenticated:
            return {"navigation": [], "active_endpoint": request.endpoint}
        return {"navigation": items_for(app, current_user.role), "active_endpoint": request.endpoint}

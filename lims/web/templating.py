"""Template globals and filters (Vietnamese number and date conventions by default)."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal, get_locale

from lims.errors import N_
from lims.models import Role

ROLE_LABELS = {
    Role.ADMIN: N_("Administrator"),
    Role.TECHNICIAN: N_("Technician"),
    Role.REVIEWER: N_("Reviewer"),
    Role.SIGNATORY: N_("Authorised signatory"),
    Role.AUDITOR: N_("Auditor"),
    Role.CUSTOMER: N_("Customer"),
}
ACTION_LABELS = {"insert": N_("created"), "update": N_("changed"), "delete": N_("deleted")}


def init_templating(app: Flask) -> None:
    app.jinja_env.globals.update(
        current_locale=lambda: str(get_locale() or "vi"),
        role_label=lambda role: ROLE_LABELS.get(Role(role), str(role)),
        action_label=lambda action: ACTION_LABELS.get(action, action),
    )
    app.jinja_env.filters["number"] = lambda value: format_decimal(value)
    app.jinja_env.filters["datetime"] = lambda value: (
        format_datetime(value, "short") if isinstance(value, datetime) else ""
    )
    app.jinja_env.filters["date"] = lambda value: (
        format_date(value, "short") if isinstance(value, date) else ""
    )

"""Template globals and filters (Vietnamese number and date conventions by default)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from babel.numbers import format_decimal as babel_format_decimal
from flask import Flask
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from markupsafe import Markup

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
QUANTITY_LABELS = {
    "mass": N_("Mass"),
    "temperature": N_("Temperature"),
    "pressure": N_("Pressure"),
    "electrical": N_("Electrical"),
    "length": N_("Length"),
    "volume_flow": N_("Volume and flow"),
    "time_frequency": N_("Time and frequency"),
    "force": N_("Force"),
    "humidity": N_("Humidity"),
    "chemistry": N_("Chemistry"),
    "other": N_("Other"),
}
LEVEL_LABELS = {
    "reference": N_("Reference standard"),
    "working": N_("Working standard"),
    "check": N_("Check standard"),
}
SEVERITY_LABELS = {"blocking": N_("Blocking"), "warning": N_("Warning")}
ACTION_LABELS = {"insert": N_("created"), "update": N_("changed"), "delete": N_("deleted")}


def number(value: int | float | Decimal) -> str:
    """A number in the user's convention; small values keep their significant digits.

    The locale's pattern keeps three decimals, which showed a CMC of 0.0005 kg as "0 kg". Floats are
    given to six significant digits, decimals as stored (trailing zeros dropped).
    """
    exact = Decimal(format(value, ".6g")) if isinstance(value, float) else value
    if isinstance(exact, Decimal) and exact.is_finite():
        exact = exact.normalize()
        exponent = exact.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -3:
            return babel_format_decimal(exact, locale=get_locale() or "vi", decimal_quantization=False)
    return format_decimal(value)


def init_templating(app: Flask) -> None:
    app.jinja_env.globals.update(
        current_locale=lambda: str(get_locale() or "vi"),
        role_label=lambda role: ROLE_LABELS.get(Role(role), str(role)),
        action_label=lambda action: ACTION_LABELS.get(action, action),
        quantity_label=lambda q: QUANTITY_LABELS.get(str(getattr(q, "value", q)), str(q)),
        level_label=lambda q: LEVEL_LABELS.get(str(getattr(q, "value", q)), str(q)),
        severity_label=lambda q: SEVERITY_LABELS.get(str(getattr(q, "value", q)), str(q)),
    )
    app.jinja_env.filters["number"] = number
    # Day/month/year as Vietnamese documents write dates (and unambiguous in English too).
    app.jinja_env.filters["datetime"] = lambda value: (
        format_datetime(value, "dd/MM/yyyy HH:mm") if isinstance(value, datetime) else ""
    )
    app.jinja_env.filters["date"] = lambda value: (
        format_date(value, "dd/MM/yyyy") if isinstance(value, date) else ""
    )


def trusted_svg(svg: str) -> Markup:
    """Mark SVG from the domain renderers as safe: they escape every label they draw (tested)."""
    return Markup(svg)  # noqa: S704 - the renderers escape their text

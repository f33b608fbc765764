"""Template globals and filters (Vietnamese number and date conventions by default)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel import Locale
from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol
from flask import Flask
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from markupsafe import Markup

from certificates.metrology.display import point_text
from certificates.metrology.point import IndicationKind
from certificates.metrology.summary import coverage_summary
from certificates.results import INDICATION_LABEL, INDICATION_NOTE
from lims.domain.test_points import frequency_label
from lims.errors import N_
from lims.localtime import format_lab_date, format_lab_datetime, format_lab_time, to_lab_time
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
    # The quantities procedures and CMC rows name in words (lims/services/jobs/procedures.py _QUANTITY).
    "DC voltage": N_("DC voltage"),
    "AC voltage": N_("AC voltage"),
    "DC current": N_("DC current"),
    "AC current": N_("AC current"),
    "resistance": N_("Resistance"),
    "gauge pressure": N_("Gauge pressure"),
    "absolute pressure": N_("Absolute pressure"),
}
LEVEL_LABELS = {
    "reference": N_("Reference standard"),
    "working": N_("Working standard"),
    "check": N_("Check standard"),
}
# The roles procedures give the standards they use (lims/domain/procedures.py, Procedure.standards).
#: A bench source driver (instruments/registry.py) as the bench page names it in its sentences.
SOURCE_LABELS = {
    "fluke-5520a": N_("Fluke 5520A-series calibrator"),
    "druck-pace": N_("Druck PACE pressure controller"),
}

STANDARD_ROLE_LABELS = {
    "reference": N_("reference standard"),
    "weights": N_("weights"),
    "calibrator": N_("calibrator"),
    "bath": N_("bath"),
    "readout": N_("thermometer readout"),
}
# The decision rule a customer asks for at contract review (ISO/IEC 17025:2017 7.1.3; ILAC-G8:09/2019 4.2).
REQUESTED_RULE_LABELS = {
    "procedure": N_("The procedure's rule"),
    "simple": N_("Simple acceptance (ILAC-G8 4.2.1)"),
    "guarded": N_("Guarded acceptance, w = U (ILAC-G8 4.2.2)"),
}
# The distributions of an uncertainty budget's inputs (lims/domain/uncertainty/distributions.py KINDS;
# JCGM 100:2008 4.2-4.3, JCGM 101:2008 6.4) and their parameters, as the job page and the audit trail name them.
DISTRIBUTION_LABELS = {
    "normal": N_("normal distribution"),
    "rectangular": N_("rectangular distribution"),
    "triangular": N_("triangular distribution"),
    "arcsine": N_("arcsine distribution"),
    "student_t": N_("t-distribution"),
    "type_a": N_("Type A evaluation"),
    "t": N_(
        "t-distribution"
    ),  # the distribution k was taken from (certificates.metrology CoverageDistribution)
}
DISTRIBUTION_PARAMETER_LABELS = {
    "half_width": N_("half-width"),
    "scale": N_("scale"),
    "readings": N_("readings"),
    "pooled_sd": N_("pooled standard deviation"),
    "pooled_dof": N_("degrees of freedom of the pooled standard deviation"),
}
# Symbols stand as they are in every language.
_PARAMETER_SYMBOLS = {"u": "u", "expanded": "U", "k": "k", "dof": "ν"}
_DIMENSIONLESS_PARAMETERS = {"k", "dof", "pooled_dof"}
SEVERITY_LABELS = {"blocking": N_("Blocking"), "warning": N_("Warning")}
ACTION_LABELS = {"insert": N_("created"), "update": N_("changed"), "delete": N_("deleted")}


def no_break(text: str) -> str:
    """``text`` for a page with no-break spaces where a line break would split a figure from its sign: before
    a percent sign and around an equals sign ("95\u00a0%", "k\u00a0=\u00a02").

    >>> no_break("k = 2, xác suất phủ xấp xỉ 95 %") == "k\u00a0=\u00a02, xác suất phủ xấp xỉ 95\u00a0%"
    True
    """
    return text.replace(" %", "\u00a0%").replace(" = ", "\u00a0=\u00a0")


def init_templating(app: Flask) -> None:
    app.jinja_env.globals.update(
        current_locale=lambda: str(get_locale() or "vi"),
        role_label=lambda role: ROLE_LABELS.get(Role(role), str(role)),
        action_label=lambda action: ACTION_LABELS.get(action, action),
        quantity_label=lambda q: QUANTITY_LABELS.get(str(getattr(q, "value", q)), str(q)),
        level_label=lambda q: LEVEL_LABELS.get(str(getattr(q, "value", q)), str(q)),
        severity_label=lambda q: SEVERITY_LABELS.get(str(getattr(q, "value", q)), str(q)),
        # the one display of a point result (certificates.metrology.display), in the page's language
        point_text=lambda point: point_text(point, str(get_locale() or "vi")),
        # the statement under a results table, each method once (certificates.metrology.summary)
        # a no-break space keeps "95 %" (and "k = 2") together when the paragraph wraps on the page
        coverage_summary=lambda points: no_break(
            coverage_summary([(str(index + 1), point) for index, point in points], str(get_locale() or "vi"))
        ),
        requested_rule_label=lambda rule: REQUESTED_RULE_LABELS.get(str(rule), str(rule)),
        standard_role_label=lambda role: STANDARD_ROLE_LABELS.get(str(role), str(role)),
        source_label=lambda driver: _(SOURCE_LABELS[driver]) if driver in SOURCE_LABELS else str(driver),
        distribution_label=distribution_label,
        distribution_parameters=distribution_parameters,
        indication_header=indication_header,
        indication_note=indication_note,
    )
    app.jinja_env.filters["number"] = lambda value: format_number(value, str(get_locale() or "vi"))
    app.jinja_env.filters["frequency"] = lambda value: format_frequency(value, str(get_locale() or "vi"))
    app.jinja_env.filters["date"] = date_filter
    app.jinja_env.filters["datetime"] = datetime_filter
    app.jinja_env.filters["time"] = time_filter
    app.jinja_env.filters["iso_instant"] = iso_instant
    # These modules read this one's formatters, hence imported here.
    from lims.web.audit.values import recorded_value
    from lims.web.diagrams import finding_text

    app.jinja_env.filters["recorded"] = recorded_value
    from lims.web.audit.labels import actor_label, field_label, table_label

    app.jinja_env.globals["audit_table_label"] = table_label
    app.jinja_env.globals["audit_field_label"] = field_label
    app.jinja_env.globals["audit_actor_label"] = actor_label
    app.jinja_env.globals["finding_text"] = finding_text


def indication_header(job: Any) -> str:
    """The results table's indication column for ``job``, named as the certificate names it
    (:data:`certificates.results.INDICATION_LABEL`): an OIML R 76 verification's P = I + ½e − ΔL − E₀ is not
    a value the instrument displays; other jobs keep "Mean"."""
    from lims.services.jobs.procedures import indication_kind

    kind = indication_kind(job.procedure)
    if kind is IndicationKind.MEAN:
        return _("Mean")
    label = INDICATION_LABEL[kind]
    return label.vi if _locale().startswith("vi") else label.en


def indication_note(job: Any) -> str:
    """The line under the results table saying how the indication column was obtained ("" for none)."""
    from lims.services.jobs.procedures import indication_kind

    note = INDICATION_NOTE.get(indication_kind(job.procedure))
    if note is None:
        return ""
    return note.vi if _locale().startswith("vi") else note.en


def distribution_label(kind: object) -> str:
    """A budget input's distribution (``rectangular``) in the reader's language; an unknown kind as stored."""
    label = DISTRIBUTION_LABELS.get(str(kind))
    return _(label) if label else str(kind)


def distribution_parameters(distribution: Mapping[str, Any], unit: str = "") -> list[tuple[str, str]]:
    """(label, value) of each parameter of a budget input's distribution, ``kind`` left out: labels in the
    reader's language (symbols such as u, U, k, ν as they are), numbers through :func:`format_number`, and
    the input's ``unit`` after each quantity (not after k or degrees of freedom)."""
    locale = _locale()
    out = []
    for key, value in distribution.items():
        if key == "kind":
            continue
        label = DISTRIBUTION_PARAMETER_LABELS.get(key)
        name = _(label) if label else _PARAMETER_SYMBOLS.get(key, key)
        if isinstance(value, list | tuple):
            text = "; ".join(format_number(v, locale) for v in value)
        else:
            text = format_number(value, locale)
        if unit and key not in _DIMENSIONLESS_PARAMETERS:
            text = f"{text} {unit}"
        out.append((name, text))
    return out


def _locale() -> str:
    return str(get_locale() or "vi")


def date_filter(value: object) -> str:
    """``{{ value|date }}``: the local calendar day in the reader's language (an instant in the lab's zone)."""
    if not isinstance(value, date):
        return ""
    return format_lab_date(value, locale=_locale(), zone=get_timezone())


def datetime_filter(value: object, seconds: bool = False) -> str:
    """``{{ value|datetime }}`` (``|datetime(seconds=True)`` in records): a stored UTC instant on the lab's clock."""
    if not isinstance(value, datetime):
        return date_filter(value)
    return format_lab_datetime(value, locale=_locale(), zone=get_timezone(), seconds=seconds)


def iso_instant(value: object) -> str:
    """``<time datetime="{{ at|iso_instant }}">``: the machine-readable instant with its offset (HTML
    reads an ISO time without one as floating local time, which a stored UTC value is not)."""
    if not isinstance(value, datetime):
        return ""
    return to_lab_time(value, get_timezone()).isoformat(timespec="seconds")


def time_filter(value: object, seconds: bool = False) -> str:
    """``{{ value|time }}``: the time of day of a stored UTC instant on the lab's clock."""
    if not isinstance(value, datetime):
        return ""
    return format_lab_time(value, locale=_locale(), zone=get_timezone(), seconds=seconds)


@functools.lru_cache(maxsize=8)
def _symbols(locale: str) -> tuple[str, str, str]:
    parsed = Locale.parse(locale)
    return get_decimal_symbol(parsed), get_group_symbol(parsed), get_minus_sign_symbol(parsed)


def format_number(value: object, locale: str) -> str:
    """A number with the locale's decimal and group signs and every digit it was recorded with.

    Babel's ``format_decimal`` rounds to three decimals by default, which printed a 0.0001 g resolution as
    "0"; here a stored ``Decimal('0.000100000000')`` (the columns keep 12 places) reads 0,0001 in Vietnamese.
    Trailing zeros of the fraction are dropped; floats, which come from computations, get six significant
    digits at most.
    Anything else is shown as text.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return "" if value is None else str(value)
    # A computed float gets six significant digits at most (0.1 + 0.2 reads 0.3).
    number = Decimal(format(value, ".6g")) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        return str(value)
    text = f"{number:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    negative = text.startswith("-")
    whole, _, fraction = text.lstrip("-").partition(".")
    decimal_sign, group_sign, minus = _symbols(locale)
    groups = []
    while len(whole) > 3:
        whole, tail = whole[:-3], whole[-3:]
        groups.append(tail)
    grouped = group_sign.join([whole, *reversed(groups)])
    if negative and (grouped != "0" or fraction):
        grouped = minus + grouped
    return grouped + (decimal_sign + fraction if fraction else "")


def format_frequency(hertz: float | Decimal | None, locale: str) -> str:
    """A frequency in the reader's language (:func:`lims.domain.test_points.frequency_label`, the one owner).

    >>> format_frequency(12500.0, "vi"), format_frequency(50, "en"), format_frequency(None, "vi")
    ('12,5 kHz', '50 Hz', '')
    """
    return frequency_label(hertz, locale)


def trusted_svg(svg: str) -> Markup:
    """Mark SVG from the domain renderers as safe: they escape every label they draw (tested)."""
    return Markup(svg)  # noqa: S704 - the renderers escape their text

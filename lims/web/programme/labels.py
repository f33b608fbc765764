"""The programme dashboard's words in the user's language.

The annual report (PDF, XLSX) goes to the city in Vietnamese and keeps its wording in
:mod:`lims.reports.programme_text`. The dashboard is read by staff in either language, so its indicator
names, units, targets and verdicts are message ids translated through the catalogue; the Vietnamese
translations are the report's words (tests/web/test_programme_language.py keeps them equal).
"""

from __future__ import annotations

from flask_babel import get_locale
from flask_babel import gettext as _

from lims.domain.programme import Counting, Indicator, Measure, TargetKind, TargetStatus, Verdict
from lims.errors import N_
from lims.services.programme.report import IndicatorRow
from lims.web.templating import format_number

INDICATOR_LABELS: dict[Indicator, str] = {
    Indicator.HIGH_ACCURACY_STANDARDS: N_("High-accuracy measurement standards developed"),
    Indicator.STANDARDS_REFERENCE_MATERIALS_INSTRUMENTS_DEVELOPED: N_(
        "Reference materials, measurement standards and measuring instruments developed"
    ),
    Indicator.STATE_DEMAND_MET: N_("Share of the State's verification and calibration needs met"),
    Indicator.TRAINING_PARTICIPATIONS: N_("Participations in professional training on metrology"),
    Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME: N_(
        "Enterprises supported in carrying out the Measurement Assurance Programme"
    ),
    Indicator.LABS_APPLYING_NATIONAL_CRITERIA: N_(
        "Laboratories applying the national criteria for assessing the fields of measurement"
    ),
    Indicator.ACCREDITED_LABS_APPLYING_NATIONAL_CRITERIA: N_(
        "Accredited laboratories applying the national criteria"
    ),
    Indicator.SERVICE_ORGANISATIONS_CAPACITY_RAISED: N_(
        "Verification, calibration and testing service organisations certified to ISO/IEC 17025, ISO 9001"
    ),
}

UNIT_LABELS: dict[Indicator, str] = {
    Indicator.HIGH_ACCURACY_STANDARDS: N_("standards"),
    Indicator.STANDARDS_REFERENCE_MATERIALS_INSTRUMENTS_DEVELOPED: N_("standards/reference materials"),
    Indicator.STATE_DEMAND_MET: "%",
    Indicator.TRAINING_PARTICIPATIONS: N_("participations"),
    Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME: N_("enterprises"),
    Indicator.LABS_APPLYING_NATIONAL_CRITERIA: N_("laboratories"),
    Indicator.ACCREDITED_LABS_APPLYING_NATIONAL_CRITERIA: N_("laboratories"),
    Indicator.SERVICE_ORGANISATIONS_CAPACITY_RAISED: N_("organisations"),
}

VERDICT_LABELS: dict[Verdict, str] = {
    Verdict.MET: N_("Met"),
    Verdict.NOT_MET: N_("Not met"),
    Verdict.MET_SO_FAR: N_("Already met"),
    Verdict.FORECAST_MET: N_("Not yet met; forecast to be met at the end of the phase"),
    Verdict.FORECAST_NOT_MET: N_("Not yet met; forecast not to be met at the end of the phase"),
    Verdict.NO_BASELINE: N_("No baseline figure: enter the figure of the previous phase"),
    Verdict.NO_TARGET: "—",
}


def _number(value: float, decimals: int = 0) -> str:
    return format_number(round(value, decimals) if decimals else round(value), str(get_locale() or "vi"))


def _percent(fraction: float, decimals: int = 1) -> str:
    return _number(100 * fraction, decimals) + "%"


def indicator_label(indicator: Indicator) -> str:
    return _(INDICATOR_LABELS[indicator])


def unit_label(row: IndicatorRow) -> str:
    """The unit; an enterprise figure counted per support is "lượt doanh nghiệp" (each support counted)."""
    unit = UNIT_LABELS[row.indicator]
    if unit == "%":
        return unit
    if row.counting is Counting.TIMES and row.indicator is not Indicator.TRAINING_PARTICIPATIONS:
        return _("%(unit)s, each support counted", unit=_(unit))
    return _(unit)


def figure(row: IndicatorRow, value: float) -> str:
    return _percent(value) if row.indicator.measure is Measure.SHARE else _number(value)


def target_text(status: TargetStatus) -> str:
    """The phase target in words, with a growth target's base spelled out (or its absence)."""
    target = status.target
    if target is None:
        return _("(no target in this phase)")
    if target.kind is TargetKind.GROWTH and status.required is None:
        return _(
            "up %(percent)s on the previous phase (no baseline figure)", percent=_percent(target.value, 0)
        )
    if status.required is None:
        return _("(no target in this phase)")
    if target.kind is TargetKind.SHARE_MIN:
        if target.strict:
            return _("above %(percent)s", percent=_percent(target.value, 0))
        return _("reaching %(percent)s", percent=_percent(target.value, 0))
    if target.kind is TargetKind.GROWTH:
        return _(
            "at least %(required)s (up %(percent)s on %(previous)s of the previous phase)",
            required=_number(status.required),
            percent=_percent(target.value, 0),
            previous=_number(status.previous_actual or 0),
        )
    return _("at least %(value)s", value=_number(target.value))


def indicator_cells(row: IndicatorRow) -> tuple[str, ...]:
    """The dashboard row: indicator (unit), target, the year, the phase so far, % of target, forecast
    (running phase only), assessment; the same columns as the report's table (lims.reports.programme_text.indicator_cells)."""
    status = row.status
    year_figure = figure(row, row.year_actual)
    if row.indicator.measure is Measure.SHARE:
        year_figure = _("%(figure)s (end of year)", figure=year_figure)
    forecast = "—" if status.forecast is None else figure(row, status.forecast)
    return (
        f"{indicator_label(row.indicator)} ({unit_label(row)})",
        target_text(status),
        year_figure,
        figure(row, status.actual),
        "—" if status.percent is None else _number(status.percent, 1) + "%",
        *(() if status.finished else (forecast,)),  # a finished phase: facts only, no forecast column
        _(VERDICT_LABELS[status.verdict]),
    )

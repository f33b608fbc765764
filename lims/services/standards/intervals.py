"""Calibration intervals that act (ILAC-G24:2022 / OIML D 10:2022, from memory): Method 1 (simple response,
"staircase") from the as-found errors of the standard's calibrations, Method 2 (control chart) from its
intermediate checks; accepting a recommendation moves the due date (the standard is audited)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.domain.intervals import AsFound, StaircaseResult, staircase
from lims.errors import N_
from lims.models import CalibrationAsFound, IntermediateCheck, MeasurementStandard, StandardCalibration
from lims.services.standards.standards import StandardError, get_standard

DAYS_PER_MONTH = 365.25 / 12


def current_interval_days(standard: MeasurementStandard) -> int:
    """The standard's interval in days (its months × 365.25/12, half up); one year when none is set.

    12 months → 365.25 days → 365; 6 months → 182.625 → 183.
    """
    months = standard.calibration_interval_months or 12
    return math.floor(months * DAYS_PER_MONTH + 0.5)


@dataclass(frozen=True, slots=True)
class AsFoundRow:
    """One calibration's as-found error against the standard's limit, as recorded (Method 1's input)."""

    calibrated_on: date
    error: Decimal
    limit: Decimal
    unit: str


def as_found_history(session: Session, standard_id: int) -> list[AsFoundRow]:
    """The calibrations that recorded an as-found error and limit, oldest first, one a day (the method needs
    increasing dates)."""
    rows = session.execute(
        select(
            StandardCalibration.calibrated_on,
            CalibrationAsFound.error,
            CalibrationAsFound.limit,
            CalibrationAsFound.unit,
        )
        .join(CalibrationAsFound, CalibrationAsFound.calibration_id == StandardCalibration.id)
        .where(StandardCalibration.standard_id == standard_id, StandardCalibration.withdrawn_reason.is_(None))
        .order_by(StandardCalibration.calibrated_on, StandardCalibration.id)
    ).all()
    found: list[AsFoundRow] = []
    for calibrated_on, error, limit, unit in rows:
        if not found or found[-1].calibrated_on != calibrated_on:
            found.append(AsFoundRow(calibrated_on, error, limit, unit))
    return found


def staircase_recommendation(session: Session, standard_id: int) -> StaircaseResult | None:
    """Method 1 over the calibrations that recorded an as-found error and limit (oldest first); ``None``
    without any. Each step's error ratio is |as-found error| / limit."""
    standard = get_standard(session, standard_id)
    history = [
        AsFound(r.calibrated_on, float(abs(r.error) / r.limit))
        for r in as_found_history(session, standard_id)
    ]
    if not history:
        return None
    return staircase(history, initial_days=current_interval_days(standard))


def interval_recommendation(session: Session, standard_id: int) -> Any:
    """ILAC-G24 / OIML D 10 Method 2 from the intermediate checks: drift of (value − centre) over time
    against the half-width of the stated control limits, the current error counted. ``None`` without three
    checks with limits."""
    from lims.domain.intervals import ErrorObservation, control_chart_interval

    checks = [
        c
        for c in session.scalars(
            select(IntermediateCheck)
            .where(IntermediateCheck.standard_id == standard_id)
            .order_by(IntermediateCheck.checked_on, IntermediateCheck.id)
        )
        if c.lower_limit is not None and c.upper_limit is not None
    ]
    if len(checks) < 3:
        return None
    last = checks[-1]
    assert last.lower_limit is not None and last.upper_limit is not None
    centre = (float(last.lower_limit) + float(last.upper_limit)) / 2
    half_width = (float(last.upper_limit) - float(last.lower_limit)) / 2
    history, seen = [], set()
    for check in checks:
        if check.checked_on in seen:
            continue  # one observation a day: the method needs increasing dates
        seen.add(check.checked_on)
        history.append(ErrorObservation(check.checked_on, float(check.value) - centre))
    if len(history) < 3:
        return None
    # a check value is the error itself (nothing corrects it): the current error counts against the limit
    return control_chart_interval(history, limit=half_width, corrections_applied=False)


@dataclass(frozen=True, slots=True)
class Accepted:
    interval_days: int
    due_on: date


def accept_recommendation(session: Session, standard_id: int, *, method: str, today: date) -> Accepted:
    """Take the method's recommended interval: the due date becomes the last calibration + the interval
    (the change is in the standard's audit trail); the interval in months is rounded half up."""
    standard = get_standard(session, standard_id)
    if method == "method1":
        result = staircase_recommendation(session, standard_id)
        days = result.recommended_days if result is not None else None
    elif method == "method2":
        drift = interval_recommendation(session, standard_id)
        days = drift.interval_days if drift is not None else None
    else:
        raise StandardError(N_("Choose the method whose recommendation you accept."))
    if days is None:
        raise StandardError(N_("This method has no recommendation for the standard yet."))
    last = session.scalar(
        select(StandardCalibration.calibrated_on)
        .where(StandardCalibration.standard_id == standard_id, StandardCalibration.withdrawn_reason.is_(None))
        .order_by(StandardCalibration.calibrated_on.desc())
        .limit(1)
    )
    start = last or today
    standard.due_on = start + timedelta(days=days)
    standard.calibration_interval_months = max(1, math.floor(days / DAYS_PER_MONTH + 0.5))
    session.flush()
    return Accepted(days, standard.due_on)

"""Intermediate checks of the standards (ISO/IEC 17025:2017 6.4.10) with their control chart, and the list
of standards due for calibration or held in quarantine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from lims.domain.control_chart import CheckPoint, ControlChart, build_chart, stated_limits
from lims.errors import N_
from lims.models import (
    IntermediateCheck,
    MeasurementStandard,
    StandardStatus,
)
from lims.services.standards.standards import StandardError, _nfc, get_standard


@dataclass(frozen=True, slots=True)
class CheckInput:
    standard_id: int
    checked_on: date
    value: Decimal
    unit: str
    lower_limit: Decimal | None = None
    upper_limit: Decimal | None = None
    check_standard_id: int | None = None
    performed_by_id: int | None = None
    notes: str | None = None


def add_check(session: Session, data: CheckInput) -> IntermediateCheck:
    get_standard(session, data.standard_id)
    if not _nfc(data.unit):
        raise StandardError(N_("The check value needs a unit."))
    if (data.lower_limit is None) != (data.upper_limit is None):
        raise StandardError(N_("Give both control limits or neither."))
    if data.lower_limit is not None and data.upper_limit is not None and data.lower_limit >= data.upper_limit:
        raise StandardError(N_("The lower control limit must be below the upper one."))
    check = IntermediateCheck(
        standard_id=data.standard_id,
        checked_on=data.checked_on,
        value=data.value,
        unit=_nfc(data.unit),
        lower_limit=data.lower_limit,
        upper_limit=data.upper_limit,
        check_standard_id=data.check_standard_id,
        performed_by_id=data.performed_by_id,
        notes=_nfc(data.notes) or None,
    )
    session.add(check)
    session.flush()
    return check


def checks_of(session: Session, standard_id: int) -> list[IntermediateCheck]:
    """The standard's intermediate checks, newest first, with their values as recorded."""
    return list(
        session.scalars(
            select(IntermediateCheck)
            .where(IntermediateCheck.standard_id == standard_id)
            .order_by(IntermediateCheck.checked_on.desc(), IntermediateCheck.id.desc())
        )
    )


def control_chart(session: Session, standard_id: int) -> ControlChart | None:
    """The chart of a standard's intermediate checks (ISO/IEC 17025:2017 6.4.10), ``None`` below two checks.

    The latest stated limits are used when the lab gave them, otherwise limits from the moving range.
    """
    checks = list(
        session.scalars(
            select(IntermediateCheck)
            .where(IntermediateCheck.standard_id == standard_id)
            .order_by(IntermediateCheck.checked_on, IntermediateCheck.id)
        )
    )
    if len(checks) < 2:
        return None
    points = [CheckPoint(c.checked_on, float(c.value)) for c in checks]
    stated = next(
        (c for c in reversed(checks) if c.lower_limit is not None and c.upper_limit is not None), None
    )
    limits = None
    if stated is not None:
        assert stated.lower_limit is not None and stated.upper_limit is not None
        centre = (float(stated.lower_limit) + float(stated.upper_limit)) / 2
        limits = stated_limits(centre, float(stated.lower_limit), float(stated.upper_limit))
    standard = get_standard(session, standard_id)
    return build_chart(points, title=standard.asset_number, unit=checks[0].unit, limits=limits)


def due_standards(
    session: Session,
    *,
    today: date,
    within_days: int = 30,
    conditions: Sequence[ColumnElement[bool]] = (),
) -> list[MeasurementStandard]:
    """Standards quarantined pending review (first: a check or calibration found them out of tolerance), then
    those due within ``within_days`` or overdue, soonest first (retired ones excluded); ``conditions`` narrow
    them further (the dashboard's "standards I use", lims.services.jobs.dashboard)."""
    quarantined = MeasurementStandard.status == StandardStatus.QUARANTINED
    found = session.scalars(
        select(MeasurementStandard)
        .where(
            or_(MeasurementStandard.due_on <= today + timedelta(days=within_days), quarantined),
            MeasurementStandard.status.notin_((StandardStatus.RETIRED, StandardStatus.OUT_OF_SERVICE)),
            *conditions,
        )
        .order_by(MeasurementStandard.due_on, MeasurementStandard.id)
    )
    return sorted(found, key=lambda s: s.status != StandardStatus.QUARANTINED)

"""The suspect window of a nonconforming-work record about a standard (ISO/IEC 17025:2017 6.4.10, 7.10.1),
recomputed from the standard's calibrations and checks each time it is read, and the calibration or check
that found the problem (named by the record, so that it never starts the window whatever the order of entry).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.domain import nonconformity as nc
from lims.domain.calibration_points import InvalidRecord
from lims.errors import N_
from lims.models import IntermediateCheck, NonconformingWork, StandardCalibration
from lims.services.quality.errors import NcError


def found_at(
    session: Session,
    standard_id: int,
    trigger: nc.Trigger,
    found_on: date,
    calibration_id: int | None,
    check_id: int | None,
) -> int | None:
    """Check the calibration or check a record names as the one that found the problem (it must be the
    standard's, on or before the date found); the calibration to name, when the record names none: the
    latest already recorded as found out of tolerance."""
    if calibration_id is not None:
        cal = session.get(StandardCalibration, calibration_id)
        if cal is None or cal.standard_id != standard_id or cal.calibrated_on > found_on:
            raise NcError(N_("Choose a calibration of this standard made on or before the date found."))
    if check_id is not None:
        check = session.get(IntermediateCheck, check_id)
        if check is None or check.standard_id != standard_id or check.checked_on > found_on:
            raise NcError(N_("Choose a check of this standard made on or before the date found."))
    if trigger is not nc.Trigger.CALIBRATION_OUT_OF_TOLERANCE or calibration_id is not None:
        return calibration_id
    failed = [
        c.id
        for c in session.scalars(
            select(StandardCalibration)
            .where(
                StandardCalibration.standard_id == standard_id,
                StandardCalibration.calibrated_on <= found_on,
                StandardCalibration.withdrawn_reason.is_(None),
            )
            .order_by(StandardCalibration.calibrated_on.desc(), StandardCalibration.id.desc())
        )
        if c.as_found_in_tolerance is False
    ]
    return failed[0] if failed else None


def awaiting_finding(
    session: Session, standard_id: int, trigger: nc.Trigger, on: date
) -> NonconformingWork | None:
    """The open record of ``trigger`` for this standard that does not yet name the calibration or check that
    found the problem, and was found on or after ``on``: a calibration (check) recorded afterwards with that
    date is the one the record was opened for (so the order of entry does not matter)."""
    named = (
        NonconformingWork.calibration_id
        if trigger is nc.Trigger.CALIBRATION_OUT_OF_TOLERANCE
        else NonconformingWork.check_id
    )
    return session.scalar(
        select(NonconformingWork)
        .where(
            NonconformingWork.standard_id == standard_id,
            NonconformingWork.trigger == trigger.value,
            NonconformingWork.state != nc.NcState.CLOSED.value,
            named.is_(None),
            NonconformingWork.found_on >= on,
        )
        .order_by(NonconformingWork.found_on, NonconformingWork.id)
        .limit(1)
    )


def history(
    session: Session,
    standard_id: int,
    *,
    failed_calibration: int | None = None,
    failed_check: int | None = None,
) -> list[nc.Verification]:
    """The standard's calibrations (not withdrawn) and checks with their as-found state.

    The calibration or check a record names as the one that found the standard out of tolerance counts as
    out of tolerance even when its as-found error was not entered (a record declared by hand for it)."""
    found: list[nc.Verification] = [
        nc.Verification(
            c.calibrated_on,
            nc.CheckKind.CALIBRATION,
            False if c.id == failed_calibration else c.as_found_in_tolerance,
        )
        for c in session.scalars(
            select(StandardCalibration).where(
                StandardCalibration.standard_id == standard_id, StandardCalibration.withdrawn_reason.is_(None)
            )
        )
    ]
    for check in session.scalars(
        select(IntermediateCheck).where(IntermediateCheck.standard_id == standard_id)
    ):
        inside: bool | None = None
        if check.lower_limit is not None and check.upper_limit is not None:
            inside = check.lower_limit <= check.value <= check.upper_limit
        if check.id == failed_check:
            inside = False
        found.append(nc.Verification(check.checked_on, nc.CheckKind.CHECK, inside))
    return found


def window_of(session: Session, record: NonconformingWork) -> nc.SuspectWindow | None:
    """The record's suspect window, recomputed from the history each time (so the order of entry is moot)."""
    if record.standard_id is None:
        return None
    return compute_window(
        session,
        record.standard_id,
        record.found_on,
        record.suspect_from,
        record.suspect_until,
        failed_calibration=record.calibration_id,
        failed_check=record.check_id,
    )


def compute_window(
    session: Session,
    standard_id: int,
    found_on: date,
    start: date | None,
    end: date | None,
    *,
    failed_calibration: int | None = None,
    failed_check: int | None = None,
) -> nc.SuspectWindow:
    found = history(session, standard_id, failed_calibration=failed_calibration, failed_check=failed_check)
    try:
        return nc.suspect_window(found_on, found, start=start, end=end)
    except InvalidRecord as exc:
        raise NcError(N_("The suspect period is not possible: %(problem)s."), problem=str(exc)) from exc


def record_naming(
    session: Session, calibration_id: int | None, check_id: int | None
) -> NonconformingWork | None:
    """The record not closed that already names this calibration or check as the one that found the problem
    (a second record for the same finding is refused)."""
    if calibration_id is None and check_id is None:
        return None
    named = (
        NonconformingWork.calibration_id == calibration_id
        if calibration_id is not None
        else NonconformingWork.check_id == check_id
    )
    return session.scalar(
        select(NonconformingWork)
        .where(named, NonconformingWork.state != nc.NcState.CLOSED.value)
        .order_by(NonconformingWork.id)
        .limit(1)
    )

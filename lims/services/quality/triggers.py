"""Records that act: a calibration or intermediate check that finds a standard out of tolerance opens a
nonconforming-work record (ISO/IEC 17025:2017 6.4.10, 7.10), quarantines the standard and tells the lab.

The standards pages record calibrations and checks through these functions, so no out-of-tolerance result
can be entered without its record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from certificates.metrology import format_compact
from lims.domain.nonconformity import Trigger
from lims.errors import N_
from lims.localtime import format_lab_date
from lims.models import (
    LAB_AUDIENCE,
    IntermediateCheck,
    MeasurementStandard,
    NonconformingWork,
    Role,
    StandardCalibration,
    User,
)
from lims.services.common.notifications import notify
from lims.services.quality import nonconformity as records
from lims.services.quality import windows
from lims.services.standards import calibrations, checks, standards


@dataclass(frozen=True, slots=True)
class Recorded:
    """What was recorded, and the record it opened (``None`` when the standard was in tolerance), or the open
    record it completed (``completed``: the record was declared before this calibration or check was entered)."""

    saved: StandardCalibration | IntermediateCheck
    record: NonconformingWork | None
    completed: bool = False


def _day_vi(day: date) -> str:
    """A calendar day in the record's Vietnamese description (the lab writes its records in Vietnamese)."""
    return format_lab_date(day, locale="vi", zone=UTC)  # a calendar day: the zone does not matter


def _plain(value: Decimal) -> str:
    """Every recorded digit in the Vietnamese number format of the record's text, no exponent, no padding
    zeros: Decimal("1000.012000000000") → "1000,012"."""
    return format_compact(value, decimal_separator=",")


def check_outside_limits(check: IntermediateCheck) -> bool:
    if check.lower_limit is None or check.upper_limit is None:
        return False
    return not check.lower_limit <= check.value <= check.upper_limit


def tell_lab(session: Session, standard: MeasurementStandard, record: NonconformingWork) -> None:
    """Tell the lab's handlers, and the custodian in person when the register names a user as custodian
    (the register's custodian is free text: a person or a department)."""
    params = {"asset": standard.asset_number, "number": record.number, "custodian": standard.custodian or "—"}
    msgid = N_("Standard %(asset)s is quarantined: %(number)s opened (custodian: %(custodian)s).")
    link = ("nc.show", {"nc_id": record.id})
    notify(session, kind="nc_opened", msgid=msgid, params=params, link=link, audience=LAB_AUDIENCE)
    custodian = (
        session.scalar(
            select(User).where(
                User.full_name == standard.custodian.strip(),
                User.is_active.is_(True),
                User.role != Role.CUSTOMER,
            )
        )
        if standard.custodian
        else None
    )
    if custodian is not None:
        notify(session, kind="nc_opened", msgid=msgid, params=params, link=link, user_id=custodian.id)


def record_check(session: Session, data: checks.CheckInput, *, today: date) -> Recorded:
    """Record an intermediate check; outside its limits it opens a record (trigger "check out of limits")."""
    check = checks.add_check(session, data)
    waiting = windows.awaiting_finding(
        session, check.standard_id, Trigger.CHECK_OUT_OF_LIMITS, check.checked_on
    )
    if waiting is not None and (check_outside_limits(check) or check.lower_limit is None):
        waiting.check_id = check.id  # the check the record was declared for, entered afterwards
        session.flush()
        return Recorded(check, waiting, completed=True)
    if not check_outside_limits(check):
        return Recorded(check, None)
    standard = standards.get_standard(session, check.standard_id)
    record = records.open_record(
        session,
        records.NcInput(
            trigger="check_out_of_limits",
            description=(
                f"Kiểm tra giữa kỳ ngày {_day_vi(check.checked_on)}: {_plain(check.value)} {check.unit}, "
                f"ngoài giới hạn {_plain(check.lower_limit)} … {_plain(check.upper_limit)} {check.unit}"  # type: ignore[arg-type]
            ),
            found_on=check.checked_on,
            standard_id=standard.id,
            check_id=check.id,
            opened_by_id=data.performed_by_id,
        ),
        today=max(today, check.checked_on),
    )
    tell_lab(session, standard, record)
    return Recorded(check, record)


def record_calibration(
    session: Session, data: calibrations.CalibrationInput, *, today: date, opened_by_id: int | None
) -> Recorded:
    """Record a calibration; an as-found error beyond the limit opens a record (calibration out of tolerance)."""
    calibration = calibrations.add_calibration(session, data)
    waiting = windows.awaiting_finding(
        session, calibration.standard_id, Trigger.CALIBRATION_OUT_OF_TOLERANCE, calibration.calibrated_on
    )
    if waiting is not None and calibration.as_found_in_tolerance is not True:
        # the calibration the record was declared for, entered afterwards (with or without its as-found
        # error): the record names it, so it never starts the suspect window
        waiting.calibration_id = calibration.id
        session.flush()
        return Recorded(calibration, waiting, completed=True)
    if calibration.as_found_in_tolerance is not False:
        return Recorded(calibration, None)
    standard = standards.get_standard(session, calibration.standard_id)
    found = calibration.as_found
    assert found is not None
    record = records.open_record(
        session,
        records.NcInput(
            trigger="calibration_out_of_tolerance",
            description=(
                f"Hiệu chuẩn ngày {_day_vi(calibration.calibrated_on)} (giấy chứng nhận "
                f"{calibration.certificate_number}): sai số khi nhận {_plain(found.error)} {found.unit}, "
                f"giới hạn ±{_plain(found.limit)} {found.unit}"
            ),
            found_on=max(calibration.issued_on, calibration.calibrated_on),
            standard_id=standard.id,
            calibration_id=calibration.id,
            opened_by_id=opened_by_id,
        ),
        today=max(today, calibration.issued_on),
    )
    tell_lab(session, standard, record)
    return Recorded(calibration, record)

"""Nonconforming work from the database (ISO/IEC 17025:2017 7.10, 6.4.10): windows, decisions, closure.

Runs on SQLite and PostgreSQL (the ``session`` fixture).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from lims.domain.traceability import IssuerKind
from lims.errors import LimsError
from lims.models import (
    Certificate,
    CertificateStatus,
    JobKind,
    JobStandard,
    Quantity,
    StandardLevel,
    StandardStatus,
)
from lims.services.quality import nonconformity as ncs
from tests.factories import make_calibration, make_enterprise, make_job, make_standard, make_user

TODAY = date(2026, 11, 20)


def job_on(session: Session, standard: Any, on: date, customer: Any, certificate: str | None = None) -> Any:
    job = make_job(session, enterprise=customer, measured_on=on, requested_on=on)
    session.add(JobStandard(job_id=job.id, standard_id=standard.id))
    if certificate:
        session.add(
            Certificate(
                number=certificate,
                job_id=job.id,
                kind=job.kind,
                issued_at=datetime(on.year, on.month, on.day, 9, tzinfo=UTC),
                issued_by_id=make_user(session).id,
            )
        )
    session.flush()
    return job


def in_house(session: Session, standard: Any, on: date, source: Any) -> Any:
    return make_calibration(
        session,
        standard,
        calibrated_on=on,
        issued_on=on,
        issuer_kind=IssuerKind.THIS_LAB,
        issuer_name="Trung tâm Đo lường",
        sources=[source],
    )


FAILED_ON = date(2026, 10, 15)  # the calibration that found CDL-AS-001 out of tolerance (then adjusted)
FOUND_ON = date(2026, 10, 20)  # the day the lab learnt it (certificate received)


def failed_calibration(session: Session, reference: Any, *, as_found: bool = True) -> Any:
    """CDL-AS-001's calibration of 2026-10-15 through the standard's calibration form's service (the trigger
    that opens or completes a record): as found +0.9 kPa against ±0.6 kPa, then adjusted; or, as an older
    record would be, without the as-found error (the record declared by hand names it)."""
    from lims.services.quality import triggers
    from lims.services.standards.calibrations import CalibrationInput

    recorded = triggers.record_calibration(
        session,
        CalibrationInput(
            standard_id=reference.id,
            calibrated_on=FAILED_ON,
            certificate_number="V05.2026.0815",
            issuer_kind=IssuerKind.NATIONAL_METROLOGY_INSTITUTE,
            issuer_name="Viện Đo lường Việt Nam",
            issued_on=FOUND_ON,
            valid_until=date(2027, 10, 15),
            points_text="60 MPa 0.0012 2",
            as_found_error=Decimal("0.0009") if as_found else None,
            as_found_limit=Decimal("0.0006") if as_found else None,
            as_found_unit="MPa" if as_found else None,
        ),
        today=TODAY,
        opened_by_id=None,
    )
    return recorded


@dataclass
class Scenario:
    reference: Any
    inside: set[str]
    outside: set[str]
    in_house: set[str]
    amended: Any
    after_only: Any  # a customer whose only job with the reference came after its recalibration


def build(session: Session) -> Scenario:
    """The reference piston gauge CDL-AS-001, three working gauges calibrated in house with it (CDL-AS-002,
    -003, -004) and jobs around them.

    Counting rule (written out; ``_independent_count`` applies it straight to the tables):
    * start (inclusive): CDL-AS-001's last calibration that found it in tolerance, 2025-10-10;
    * end (exclusive): its calibration of 2026-10-15, which found it out of tolerance and adjusted it;
    * a job is affected when it used CDL-AS-001 in [start, end), or used a gauge calibrated in house with
      CDL-AS-001 in [start, end) on or after that calibration and before that gauge's own next calibration;
    * an in-house calibration is affected when it was made with CDL-AS-001 in [start, end).
    J1..J5 (5 direct) + K1 (via CDL-AS-002 until its recalibration of 2026-05-20) + K3, K4 (via CDL-AS-003,
    never recalibrated) = 8 jobs; CDL-AS-002's and CDL-AS-003's calibrations = 2 in-house calibrations.
    """
    customer = make_enterprise(session, name="Công ty Cổ phần Cơ khí Đông Anh")
    other = make_enterprise(session, name="Công ty TNHH Dược phẩm Hòa Bình")
    after_only = make_enterprise(session, name="Công ty TNHH Thủy lực Sông Đà")
    gauge = {"quantity": Quantity.PRESSURE, "unit": "MPa"}
    reference = make_standard(
        session, asset_number="CDL-AS-001", level=StandardLevel.REFERENCE, name="Áp kế piston chuẩn", **gauge
    )
    make_calibration(
        session,
        reference,
        calibrated_on=date(2025, 10, 10),
        as_found_error=Decimal("0.0002"),
        as_found_limit=Decimal("0.0006"),
        as_found_unit="MPa",
    )
    w1 = make_standard(session, asset_number="CDL-AS-002", **gauge)
    w2 = make_standard(session, asset_number="CDL-AS-003", **gauge)
    w3 = make_standard(session, asset_number="CDL-AS-004", **gauge)
    cal_w1 = in_house(session, w1, date(2025, 11, 5), reference)  # inside → in-house 1
    cal_w2 = in_house(session, w2, date(2026, 3, 10), reference)  # inside → in-house 2
    make_calibration(session, w1, calibrated_on=date(2026, 5, 20))  # CDL-AS-002's next calibration (external)
    in_house(session, w3, date(2026, 10, 16), reference)  # after the recalibration → outside
    jobs = {
        "J0": job_on(session, reference, date(2025, 9, 20), customer),  # before the start → out
        "J1": job_on(session, reference, date(2025, 10, 10), customer, "HC-2025-00101"),  # start day → in
        "J2": job_on(session, reference, date(2025, 12, 1), customer, "HC-2025-00102"),  # in
        "J3": job_on(session, reference, date(2026, 2, 15), other),  # in (no certificate yet)
        "J4": job_on(session, reference, date(2026, 6, 30), other, "HC-2026-00103"),  # in
        "J5": job_on(session, reference, date(2026, 10, 14), customer, "HC-2026-00104"),  # in
        "J6": job_on(session, reference, date(2026, 10, 15), after_only, "HC-2026-00106"),  # recal. day → out
        "J7": job_on(session, reference, date(2026, 10, 18), after_only),  # after → out
        "K1": job_on(session, w1, date(2025, 12, 10), other, "HC-2025-00105"),  # via CDL-AS-002 → in
        "K2": job_on(session, w1, date(2026, 6, 1), after_only),  # CDL-AS-002 recalibrated 05-20 → out
        "K3": job_on(session, w2, date(2026, 4, 1), customer),  # via CDL-AS-003 → in
        "K4": job_on(session, w2, date(2026, 11, 2), customer),  # CDL-AS-003 never recalibrated → in
        "K5": job_on(
            session, w3, date(2026, 10, 30), after_only
        ),  # CDL-AS-004 calibrated after the end → out
    }
    # J2's certificate was amended: the record must cite the amendment, never the superseded one
    first = session.query(Certificate).filter_by(number="HC-2025-00102").one()
    first.status = CertificateStatus.SUPERSEDED
    amended = Certificate(
        number="HC-2026-00110",
        job_id=jobs["J2"].id,
        kind=JobKind.CALIBRATION,
        revision=1,
        replaces_id=first.id,
        issued_at=datetime(2026, 1, 5, 9, tzinfo=UTC),
        issued_by_id=first.issued_by_id,
    )
    session.add(amended)
    session.flush()
    inside = {jobs[k].number for k in ("J1", "J2", "J3", "J4", "J5", "K1", "K3", "K4")}
    outside = {jobs[k].number for k in ("J0", "J6", "J7", "K2", "K5")}
    return Scenario(reference, inside, outside, {f"cal:{cal_w1.id}", f"cal:{cal_w2.id}"}, amended, after_only)


def open_ot(session: Session, reference: Any, **over: Any) -> Any:
    """The quality manager declares CDL-AS-001 out of tolerance, found on 2026-10-20 (the standard's form)."""
    return ncs.open_record(
        session,
        ncs.NcInput(
            trigger="calibration_out_of_tolerance",
            description="Áp kế piston chuẩn lệch +0,9 kPa tại 60 MPa khi hiệu chuẩn (giới hạn ±0,6 kPa)",
            found_on=FOUND_ON,
            standard_id=reference.id,
            **over,
        ),
        today=TODAY,
    )


def check_counts(session: Session, scenario: Scenario, nc_id: int) -> ncs.NcView:
    view = ncs.assess(session, nc_id)
    assert view.window is not None
    assert (view.window.start, view.window.end) == (date(2025, 10, 10), FAILED_ON)
    jobs = {a.ref for a in view.jobs}
    calibrations = {a.ref for a in view.calibrations}
    # 5 direct (J1..J5) + 1 through CDL-AS-002 (K1) + 2 through CDL-AS-003 (K3, K4) = 8 jobs; 2 in-house
    assert (len(jobs), len(calibrations)) == (8, 2)
    assert jobs == scenario.inside and not jobs & scenario.outside
    assert calibrations == scenario.in_house
    counted_jobs, counted_calibrations = _independent_count(
        session, scenario.reference.id, date(2025, 10, 10), FAILED_ON
    )
    assert (jobs, {int(c[4:]) for c in calibrations}) == (counted_jobs, counted_calibrations)
    assert "HC-2025-00102" not in view.report.certificates  # type: ignore[union-attr]
    assert "HC-2026-00110" in view.report.certificates  # type: ignore[union-attr]
    return view


# How the quality manager may enter the issue's case: the failed calibration with its as-found error (it
# opens the record itself) or without (the record is declared by hand, naming it or before it is entered),
# the calibration first or the record first.
ENTRY_ORDERS = [
    "as_found_calibration_first",
    "as_found_record_first",
    "plain_calibration_first",
    "plain_record_first",
]


def enter_the_case(session: Session, scenario: Scenario, order: str) -> Any:
    """Enter the failed calibration and the record in ``order``; the one record, whatever the order."""
    from sqlalchemy import select

    from lims.models import NonconformingWork

    as_found = order.startswith("as_found")
    if order.endswith("calibration_first"):
        recorded = failed_calibration(session, scenario.reference, as_found=as_found)
        if as_found:
            record = recorded.record  # opened by the calibration itself, found when its certificate came
            assert record is not None and record.found_on == FOUND_ON
        else:
            assert recorded.record is None
            record = open_ot(session, scenario.reference, calibration_id=recorded.saved.id)
    else:
        record = open_ot(session, scenario.reference)
        interim = ncs.assess(session, record.id)
        assert interim.window is not None and interim.window.end is None  # not recalibrated yet: still open
        recorded = failed_calibration(session, scenario.reference, as_found=as_found)
        assert recorded.record is record  # the calibration completes the record: no second one
    assert record.calibration_id == recorded.saved.id
    assert session.scalars(select(NonconformingWork)).all() == [record]
    return record


@pytest.mark.parametrize("order", ENTRY_ORDERS)
def test_the_issues_window_cases_in_any_order_of_entry(session: Session, order: str) -> None:
    """Issue 22, first case: CDL-AS-001's calibration of 2026-10-15 found it out of tolerance, learnt
    2026-10-20: 8 jobs and 2 in-house calibrations (counted by hand in ``build`` and from the tables by
    ``_independent_count``), never starting at the failed calibration, whatever was entered first.
    Second case: the recalibration ends the window — the jobs after it are not listed and their customer
    gets no notice even when every affected job is notified."""
    from sqlalchemy import select

    from lims.models import NcNotice
    from lims.services.quality import actions

    scenario = build(session)
    record = enter_the_case(session, scenario, order)
    assert record.number == "NC-2026-001"
    view = check_counts(session, scenario, record.id)
    assert scenario.reference.status == StandardStatus.QUARANTINED
    for a in view.affected:
        actions.decide(
            session,
            record.id,
            usage_ref=a.ref,
            decision="notify" if a.job is not None else "recall",
            reason="Sai số chuẩn 0,9 kPa vượt giới hạn",
            decided_by_id=None,
        )
    told = {n.enterprise_id for n in session.scalars(select(NcNotice).where(NcNotice.nc_id == record.id))}
    assert scenario.after_only.id not in told and len(told) == 2
    for notice in session.scalars(select(NcNotice)):
        assert "HC-2025-00102" not in notice.body  # the superseded certificate is never cited
        assert "HC-2026-00106" not in notice.body  # J6, on the recalibration day: not affected


def test_decisions_move_the_state_and_closure_waits_for_them(session: Session) -> None:
    scenario = build(session)
    record = failed_calibration(session, scenario.reference).record
    view = ncs.assess(session, record.id)
    with pytest.raises(ncs.NcError):
        ncs.close(session, record.id, note="xong", closed_by_id=make_user(session).id)
    first = view.jobs[0]
    ncs.record_decision(
        session,
        record.id,
        usage_ref=first.ref,
        decision="no_effect",
        reason="Sai số 14 mg nhỏ hơn 1/10 MPE của cân khách hàng",
        decided_by_id=None,
    )
    assert record.state == "evaluating"
    for a in view.affected[1:]:
        ncs.record_decision(
            session,
            record.id,
            usage_ref=a.ref,
            decision="no_effect",
            reason="Không ảnh hưởng",
            decided_by_id=None,
        )
    assert record.state == "acting"
    with pytest.raises(ncs.NcError):  # the standard is still quarantined
        ncs.close(session, record.id, note="xong", closed_by_id=make_user(session).id)
    ncs.return_to_service(
        session, record.id, reason="Đã hiệu chỉnh và hiệu chuẩn lại", effective_on=TODAY, changed_by_id=None
    )
    ncs.close(session, record.id, note="Đã đánh giá toàn bộ", closed_by_id=make_user(session).id)
    assert record.state == "closed" and scenario.reference.status == StandardStatus.IN_SERVICE


def test_bad_input_is_refused(session: Session) -> None:
    scenario = build(session)
    with pytest.raises(ncs.NcError):
        open_ot(session, scenario.reference, suspect_from=date(2026, 11, 1))  # start after found
    with pytest.raises(ncs.NcError):
        ncs.open_record(
            session,
            ncs.NcInput(trigger="meteor", description="x", found_on=TODAY, standard_id=scenario.reference.id),
            today=TODAY,
        )
    with pytest.raises(ncs.NcError):
        ncs.open_record(
            session, ncs.NcInput(trigger="job_found_wrong", description="x", found_on=TODAY), today=TODAY
        )
    record = open_ot(session, scenario.reference)
    recorded = failed_calibration(session, scenario.reference)  # completes the record
    with pytest.raises(ncs.NcError, match=record.number):  # a second record for the same finding
        open_ot(session, scenario.reference)
    with pytest.raises(ncs.NcError, match=record.number):
        open_ot(session, scenario.reference, calibration_id=recorded.saved.id)
    with pytest.raises(ncs.NcError):  # J0 is outside the window
        ncs.record_decision(
            session, record.id, usage_ref="nope", decision="notify", reason="x", decided_by_id=None
        )
    job3 = next(a for a in ncs.assess(session, record.id).jobs if a.job and a.job.certificate is None)
    with pytest.raises(ncs.NcError):  # nothing to amend without a certificate
        ncs.record_decision(
            session, record.id, usage_ref=job3.ref, decision="amend", reason="x", decided_by_id=None
        )


def test_staircase_from_as_found_errors_and_accepting_moves_the_due_date(session: Session) -> None:
    """ILAC-G24 Method 1: 12 months → 365 days; 2025-01-10 |3 mg| / 10 mg = 0.3 ≤ 0.8 → ×1.25 = 456.25 → 456;
    2026-01-12 |14 mg| / 10 mg = 1.4 > 1 → ×0.5 = 228 days. Accepted: due 2026-01-12 + 228 d = 2026-08-28,
    interval 228 / 30.4375 = 7.49 → 7 months."""
    from lims.services.standards import intervals

    standard = make_standard(session, calibration_interval_months=12)
    assert intervals.staircase_recommendation(session, standard.id) is None
    for on, error in ((date(2025, 1, 10), "0.003"), (date(2026, 1, 12), "-0.014")):
        make_calibration(
            session,
            standard,
            calibrated_on=on,
            as_found_error=Decimal(error),
            as_found_limit=Decimal("0.010"),
            as_found_unit="g",
        )
    result = intervals.staircase_recommendation(session, standard.id)
    assert result is not None
    assert [(s.interval_before_days, s.interval_after_days) for s in result.steps] == [(365, 456), (456, 228)]
    accepted = intervals.accept_recommendation(session, standard.id, method="method1", today=TODAY)
    assert (accepted.interval_days, accepted.due_on) == (228, date(2026, 8, 28))
    assert standard.due_on == date(2026, 8, 28) and standard.calibration_interval_months == 7
    with pytest.raises(LimsError):
        intervals.accept_recommendation(session, standard.id, method="method2", today=TODAY)  # no checks


def _independent_count(
    session: Session, reference_id: int, start: date, end: date
) -> tuple[set[str], set[int]]:
    """The affected jobs and in-house calibrations counted straight from the tables, without the search:
    jobs that used the reference in [start, end); calibrations made with it in [start, end); jobs that used a
    standard so calibrated on or after that calibration and before that standard's next calibration."""
    from sqlalchemy import text

    performed = "COALESCE(j.measured_on, j.received_on, j.requested_on)"
    direct = set(
        session.execute(
            text(
                f"SELECT j.number FROM job j JOIN job_standard js ON js.job_id = j.id"
                f" WHERE js.standard_id = :ref AND {performed} >= :start AND {performed} < :end"
            ),
            {"ref": reference_id, "start": start, "end": end},
        ).scalars()
    )
    in_house = session.execute(
        text(
            "SELECT c.id, c.standard_id, c.calibrated_on FROM standard_calibration c"
            " JOIN standard_calibration_source s ON s.calibration_id = c.id"
            " WHERE s.standard_id = :ref AND c.calibrated_on >= :start AND c.calibrated_on < :end"
        ),
        {"ref": reference_id, "start": start, "end": end},
    ).all()
    indirect: set[str] = set()
    for _, standard_id, calibrated_on in in_house:
        following = session.execute(
            text(
                "SELECT min(calibrated_on) FROM standard_calibration WHERE standard_id = :s AND calibrated_on > :d"
            ),
            {"s": standard_id, "d": calibrated_on},
        ).scalar()
        until = f" AND {performed} < :until" if following is not None else ""
        indirect |= set(
            session.execute(
                text(
                    f"SELECT j.number FROM job j JOIN job_standard js ON js.job_id = j.id WHERE js.standard_id = :s"
                    f" AND {performed} >= :d{until}"
                ),
                {"s": standard_id, "d": calibrated_on, **({"until": following} if following else {})},
            ).scalars()
        )
    return direct | indirect, {row[0] for row in in_house}


@pytest.mark.demo
@pytest.mark.parametrize("calibration_first", [True, False])
def test_demo_pressure_reference_fails_its_calibration(session: Session, calibration_first: bool) -> None:
    """The issue's case on the demo data (loaded as of 2026-03-02): CDL-AS-001, last calibrated in tolerance,
    fails its calibration of 2026-02-20 (learnt 2026-02-25); counts checked against the tables directly."""
    from sqlalchemy import select

    from lims.models import MeasurementStandard, StandardCalibration

    reference = session.scalar(
        select(MeasurementStandard).where(MeasurementStandard.asset_number == "CDL-AS-001")
    )
    assert reference is not None
    last_good = session.scalar(
        select(StandardCalibration.calibrated_on)
        .where(StandardCalibration.standard_id == reference.id)
        .order_by(StandardCalibration.calibrated_on.desc())
        .limit(1)
    )
    failed_on = date(2026, 2, 20)

    def fail() -> None:
        make_calibration(
            session,
            reference,
            calibrated_on=failed_on,
            as_found_error=Decimal("0.0009"),
            as_found_limit=Decimal("0.0006"),
            as_found_unit="MPa",
        )

    if calibration_first:
        fail()
    record = ncs.open_record(
        session,
        ncs.NcInput(
            trigger="calibration_out_of_tolerance",
            description="Áp kế chuẩn lệch 0,9 kPa tại 60 MPa",
            found_on=date(2026, 2, 25),
            standard_id=reference.id,
        ),
        today=date(2026, 3, 2),
    )
    if not calibration_first:
        fail()
    view = ncs.assess(session, record.id)
    assert view.window is not None and (view.window.start, view.window.end) == (last_good, failed_on)
    jobs, calibrations = _independent_count(session, reference.id, last_good, failed_on)
    # the demo's jobs and in-house calibrations of CDL-AS-002 in the window (5 and 1 since the register
    # numbers in-house calibrations in order), whichever record is entered first; the view must equal them
    assert len(jobs) == 5 and len(calibrations) >= 1
    assert {a.ref for a in view.jobs} == jobs
    assert {int(a.ref[4:]) for a in view.calibrations} == calibrations
    cited = {a.job.certificate.number for a in view.jobs if a.job and a.job.certificate}
    assert all(
        a.job.certificate.status != CertificateStatus.SUPERSEDED
        for a in view.jobs
        if a.job and a.job.certificate
    )
    assert len(cited) == len({a.job.job_id for a in view.jobs if a.job and a.job.certificate})


def test_a_check_outside_its_limits_acts(session: Session) -> None:
    """1000.012 g against 999.990 … 1000.010 g: a record opens, the standard is quarantined, the lab's
    handlers and the custodian (a user of that name) are notified; the description keeps every digit."""
    from sqlalchemy import select

    from lims.models import LAB_AUDIENCE, Notification, Role
    from lims.services.quality import triggers
    from lims.services.standards.checks import CheckInput

    custodian = make_user(session, Role.TECHNICIAN, full_name="Trần Thị Lan")
    standard = make_standard(session, custodian="Trần Thị Lan")
    make_calibration(session, standard, calibrated_on=date(2026, 1, 10))
    inside = triggers.record_check(
        session,
        CheckInput(
            standard.id, date(2026, 2, 1), Decimal("1000.004"), "g", Decimal("999.990"), Decimal("1000.010")
        ),
        today=TODAY,
    )
    assert inside.record is None and standard.status != StandardStatus.QUARANTINED
    outside = triggers.record_check(
        session,
        CheckInput(
            standard.id, date(2026, 3, 1), Decimal("1000.012"), "g", Decimal("999.990"), Decimal("1000.010")
        ),
        today=TODAY,
    )
    assert outside.record is not None and outside.record.check_id == outside.saved.id
    assert "1000,012 g" in outside.record.description and "999,99 … 1000,01 g" in outside.record.description
    assert standard.status == StandardStatus.QUARANTINED
    window = ncs.window_of(session, outside.record)
    assert window is not None and (window.start, window.end) == (
        date(2026, 2, 1),
        None,
    )  # the last good check
    told = session.scalars(select(Notification).where(Notification.kind == "nc_opened")).all()
    assert {(n.audience, n.user_id) for n in told} == {(LAB_AUDIENCE, None), (None, custodian.id)}

"""Reverse traceability from the database (ISO/IEC 17025:2017 7.10, 6.4.10)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.domain.traceability import IssuerKind
from lims.models import Certificate, JobKind, JobStandard, OutboxMessage
from lims.services.standards import impact
from tests.factories import make_calibration, make_enterprise, make_job, make_standard, make_user


def _job(session: Session, standard, on: date, customer: str, number: str | None = None):  # type: ignore[no-untyped-def]
    enterprise = make_enterprise(session, name=customer)
    job = make_job(session, enterprise=enterprise, measured_on=on)
    session.add(JobStandard(job_id=job.id, standard_id=standard.id))
    if number:
        session.add(
            Certificate(
                number=number,
                job_id=job.id,
                kind=JobKind.CALIBRATION,
                issued_at=datetime(on.year, on.month, on.day, tzinfo=UTC),
                issued_by_id=make_user(session).id,
            )
        )
    session.flush()
    return job


def test_direct_and_indirect_reliance_since_the_last_good_calibration(session: Session) -> None:
    reference = make_standard(session)
    make_calibration(session, reference, calibrated_on=date(2025, 1, 10))
    working = make_standard(session)
    # this lab calibrated the working standard with the reference after the suspect period began
    make_calibration(
        session,
        working,
        calibrated_on=date(2025, 3, 1),
        issued_on=date(2025, 3, 1),
        issuer_kind=IssuerKind.THIS_LAB,
        issuer_name="Lab",
        sources=[reference],
    )
    before = _job(session, reference, date(2024, 12, 1), "Công ty Trước")  # before the last good calibration
    direct = _job(session, reference, date(2025, 2, 1), "Công ty Trực Tiếp", "HC-2025-00001")
    indirect = _job(session, working, date(2025, 4, 1), "Công ty Gián Tiếp", "HC-2025-00002")

    event = impact.declare_event(
        session,
        reference.id,
        kind="out_of_tolerance",
        found_on=date(2025, 5, 1),
        details="Lệch 3 mg tại 1 kg",
        declared_by_id=None,
    )
    assert event.suspect_from == date(2025, 1, 10)
    view = impact.assess(session, event.id)
    affected = {a.usage.job_id for a in view.report.affected}
    assert direct.number in affected and indirect.number in affected and before.number not in affected
    assert set(view.report.customers) == {"Công ty Trực Tiếp", "Công ty Gián Tiếp"}
    assert {"HC-2025-00001", "HC-2025-00002"} <= set(view.report.certificates)
    assert len(view.notices) == 2 and all(" / " in n.subject for n in view.notices)

    assert impact.queue_notices(session, event.id) == 2
    assert impact.queue_notices(session, event.id) == 0  # once per event and customer
    drafts = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "impact_notice")).all()
    assert len(drafts) == 2 and {d.state for d in drafts} == {"draft"}

    record = impact.record_evaluation(
        session,
        event.id,
        job_ref=direct.number,
        decision="notify",
        evaluation="Sai số vượt 1/3 MPE của khách hàng",
        evaluated_by_id=None,
    )
    assert record.certificate_number == "HC-2025-00001"
    with pytest.raises(impact.ImpactError):
        impact.record_evaluation(
            session, event.id, job_ref=before.number, decision="notify", evaluation="x", evaluated_by_id=None
        )


def test_bad_declarations(session: Session) -> None:
    std = make_standard(session)
    with pytest.raises(impact.ImpactError):
        impact.declare_event(
            session, std.id, kind="meteor", found_on=date(2025, 5, 1), details="x", declared_by_id=None
        )
    with pytest.raises(impact.ImpactError):
        impact.declare_event(
            session, std.id, kind="failed_check", found_on=date(2025, 5, 1), details="  ", declared_by_id=None
        )
    with pytest.raises(impact.ImpactError):
        impact.declare_event(
            session,
            std.id,
            kind="failed_check",
            found_on=date(2025, 5, 1),
            details="x",
            declared_by_id=None,
            suspect_from=date(2025, 6, 1),
        )

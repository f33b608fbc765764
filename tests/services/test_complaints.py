"""Complaints (ISO/IEC 17025:2017 7.9) from the portal and from staff, through to a nonconforming-work record."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.errors import NotFound
from lims.models import Notification, Role
from lims.services.quality import complaints
from lims.services.quality import nonconformity as ncs
from tests.factories import make_enterprise, make_job, make_user

TODAY = date(2026, 11, 20)


def test_portal_complaint_acknowledged_investigated_answered_closed(session: Session) -> None:
    enterprise = make_enterprise(session)
    customer = make_user(session, Role.CUSTOMER, enterprise_id=enterprise.id)
    reviewer = make_user(session, Role.REVIEWER)
    job = make_job(session, enterprise=enterprise)
    made = complaints.submit(
        session,
        complaints.ComplaintInput(
            subject="Sai số sản xuất trên giấy chứng nhận",
            description="Số sản xuất in sai một chữ số",
            job_number=job.number,
        ),
        by=customer,
        today=TODAY,
    )
    assert (made.number, made.channel, made.enterprise_id, made.state) == (
        "KN-2026-001",
        "portal",
        enterprise.id,
        "received",
    )
    complaints.acknowledge(session, made.id, by=reviewer)
    record = complaints.investigate(
        session,
        made.id,
        findings="Lỗi chép số liệu khi nhận mẫu",
        nonconforming=True,
        by=reviewer,
        today=TODAY,
    )
    assert record is not None and record.trigger == "complaint" and record.job_id == job.id
    assert complaints.record_of(session, made.id) == record
    view = ncs.assess(session, record.id)
    assert [a.ref for a in view.affected] == [job.number]
    complaints.answer(session, made.id, text="Chúng tôi sẽ cấp bản sửa đổi", by=reviewer)
    complaints.close(session, made.id, by=reviewer)
    assert made.state == "closed"
    steps = session.scalars(
        select(Notification.params).where(
            Notification.enterprise_id == enterprise.id, Notification.kind == "complaint"
        )
    ).all()
    assert [p["status"] for p in steps] == [
        "acknowledged by the laboratory",
        "being investigated",
        "answered",
        "closed",
    ]
    with pytest.raises(ncs.NcError):  # steps in order only
        complaints.answer(session, made.id, text="x", by=reviewer)


def test_staff_record_and_tenant_isolation(session: Session) -> None:
    staff = make_user(session, Role.TECHNICIAN)
    mine = make_enterprise(session)
    other_job = make_job(session)
    with pytest.raises(ncs.NcError):
        complaints.submit(
            session, complaints.ComplaintInput("S", "D", channel="phone"), by=staff, today=TODAY
        )
    made = complaints.submit(
        session,
        complaints.ComplaintInput(
            "Chậm trả kết quả",
            "Quá hạn 10 ngày",
            complainant="Ông Trần Văn Bình",
            channel="phone",
            enterprise_id=mine.id,
        ),
        by=staff,
        today=TODAY,
    )
    assert made.channel == "phone"
    with pytest.raises(NotFound):
        complaints.get(session, made.id, enterprise_id=other_job.enterprise_id)
    customer = make_user(session, Role.CUSTOMER, enterprise_id=mine.id)
    with pytest.raises(ncs.NcError):  # another enterprise's job is not theirs
        complaints.submit(
            session,
            complaints.ComplaintInput("S", "D", job_number=other_job.number),
            by=customer,
            today=TODAY,
        )
    assert complaints.list_complaints(session, enterprise_id=other_job.enterprise_id) == []

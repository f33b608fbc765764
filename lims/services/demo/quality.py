"""Quality records of the demonstration: the failed intermediate check of CDL-KL-003 opens its
nonconforming-work record (the standard is quarantined pending review) and a customer's complaint waits
for its investigation."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.models import IntermediateCheck, MeasurementStandard, Role, User
from lims.services.quality import complaints, triggers
from lims.services.quality import nonconformity as records


def load_quality_demo(session: Session, today: date) -> None:
    standard = session.scalar(
        select(MeasurementStandard).where(MeasurementStandard.asset_number == "CDL-KL-003")
    )
    reviewer = session.scalar(select(User).where(User.role == Role.REVIEWER).order_by(User.id))
    customer = session.scalar(select(User).where(User.username == "kh.annam"))
    if standard is None or reviewer is None or customer is None:
        return
    failed = next(
        (
            c
            for c in session.scalars(
                select(IntermediateCheck)
                .where(IntermediateCheck.standard_id == standard.id)
                .order_by(IntermediateCheck.checked_on.desc())
            )
            if triggers.check_outside_limits(c)
        ),
        None,
    )
    if failed is not None:
        record = records.open_record(
            session,
            records.NcInput(
                trigger="check_out_of_limits",
                description=(
                    f"Kiểm tra giữa kỳ ngày {failed.checked_on:%d/%m/%Y}: quả cân 10 kg lệch +12 mg so với bộ "
                    "quả cân F1, ngoài giới hạn ±10 mg"
                ),
                found_on=failed.checked_on,
                standard_id=standard.id,
                check_id=failed.id,
                opened_by_id=reviewer.id,
            ),
            today=today,
        )
        triggers.tell_lab(session, standard, record)
    complaint = complaints.submit(
        session,
        complaints.ComplaintInput(
            subject="Giấy chứng nhận trả chậm",
            description="Đồng hồ áp suất gửi hiệu chuẩn đã quá hẹn trả kết quả 5 ngày làm việc.",
        ),
        by=customer,
        today=today,
    )
    complaints.acknowledge(session, complaint.id, by=reviewer)

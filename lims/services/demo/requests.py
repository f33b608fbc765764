"""Demonstration service requests in every state, and the notifications they give (after the demo jobs)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.models import CustomerInstrument, Enterprise, Job, JobKind, ServiceRequest, User
from lims.services.common import notifications
from lims.services.customers import service_requests as sr
from lims.services.customers.request_conversion import Conversion, convert_request
from lims.services.jobs.procedures import latest_procedure
from lims.services.jobs.workload import OPEN_STATES


def _instrument(session: Session, enterprise: Enterprise, instrument_type: str) -> CustomerInstrument:
    # One not already at the lab: an instrument with an open job cannot be requested again.
    busy = select(Job.id).where(Job.instrument_id == CustomerInstrument.id, Job.state.in_(OPEN_STATES))
    found = session.scalar(
        select(CustomerInstrument)
        .where(
            CustomerInstrument.enterprise_id == enterprise.id,
            CustomerInstrument.instrument_type == instrument_type,
            ~busy.exists(),
        )
        .order_by(CustomerInstrument.id)
        .limit(1)
    )
    assert found is not None, instrument_type
    return found


def load_demo_requests(session: Session, enterprises: list[Enterprise], today: date) -> None:
    users = {u.username: u for u in session.scalars(select(User))}
    annam, sonha, admin, reviewer = users["kh.annam"], users["kh.sonha"], users["admin"], users["kt.hung"]
    # What the demo jobs announced so far is old news: the requests below are what is new.
    for user in (annam, sonha, admin, reviewer, users["ktv.lan"], users["ktv.minh"]):
        notifications.mark_all_read(session, user)
    an_nam, song_han = enterprises[0], enterprises[1]

    def submit(
        user: User, enterprise: Enterprise, items: list[tuple[str, tuple[float, ...]]], **over: object
    ) -> ServiceRequest:
        data = sr.RequestInput(
            kind=over.pop("kind", JobKind.CALIBRATION),  # type: ignore[arg-type]
            items=[
                sr.RequestItemInput(_instrument(session, enterprise, t).id, points) for t, points in items
            ],
            preferred_on=today + timedelta(days=10),
            **over,  # type: ignore[arg-type]
        )
        return sr.submit_request(session, user, data, today=today)

    converted = submit(
        annam,
        an_nam,
        [("Áp kế điện tử", (5.0, 10.0, 20.0)), ("Nhiệt kế thủy tinh chất lỏng", (20.0, 50.0, 80.0))],
        decision_rule="simple",
        conformity_statement=True,
        conformity_specification="Đặc tính kỹ thuật của nhà sản xuất (Druck DPI 104: ±0,05 % FS)",
        notes="Xin gửi kèm bản DCC (XML) cho hệ thống quản lý thiết bị của công ty.",
    )
    sr.accept_request(session, converted.id, user=reviewer)
    pressure, thermometer = converted.items
    convert_request(
        session,
        converted.id,
        Conversion(
            {
                pressure.id: latest_procedure(session, "CAL-PG-DKD").id,
                thermometer.id: latest_procedure(session, "CAL-TH-BATH").id,
            },
            due_on=today + timedelta(days=12),
        ),
        user=admin,
        today=today,
    )
    rejected = submit(annam, an_nam, [("Áp kế kiểu lò xo", ())], on_site=True)
    sr.reject_request(
        session,
        rejected.id,
        "Hiệu chuẩn áp kế 1,6 MPa tại hiện trường chưa nằm trong phạm vi được công nhận; "
        "xin gửi thiết bị về phòng thí nghiệm.",
        user=reviewer,
    )
    scheduled = submit(annam, an_nam, [("Đồng hồ vạn năng hiện số", (1.0, 10.0, 100.0))])
    sr.schedule_request(session, scheduled.id, today + timedelta(days=5), user=reviewer, today=today)
    accepted = submit(annam, an_nam, [("Áp kế kiểu lò xo", (0.4, 0.8, 1.2, 1.6))])
    sr.accept_request(session, accepted.id, user=reviewer)
    withdrawn = submit(annam, an_nam, [("Cân kỹ thuật", ())], kind=JobKind.VERIFICATION)
    sr.accept_request(session, withdrawn.id, user=reviewer)
    sr.cancel_request(
        session, withdrawn.id, "Tạm hoãn: cân đang phục vụ lô sản xuất, sẽ gửi yêu cầu mới sau.", user=annam
    )
    for user in (admin, reviewer, users["ktv.lan"], users["ktv.minh"]):  # the lab has read what it handled
        notifications.mark_all_read(session, user)
    submit(
        annam,
        an_nam,
        [("Cân phân tích", (50.0, 100.0, 200.0)), ("Cân kỹ thuật", (500.0, 1000.0, 3000.0))],
        conformity_statement=True,
        notes="Cân dùng cho phòng kiểm nghiệm; cần trước đợt đánh giá GMP.",
    )
    submit(sonha, song_han, [("Nhiệt kế điện tử", (0.0, 100.0, 200.0))], on_site=True)
    session.flush()

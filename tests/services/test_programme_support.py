"""Support applications under Hà Nội Plan 16/KH-UBND III.2–III.3 and Đà Nẵng QĐ 202 (priority sectors)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.domain.programme import load_programme
from lims.domain.programme.support import (
    ApplicationRequest,
    ContentAlreadyReceived,
    ContentAlreadyRequested,
    MissingEvidence,
)
from lims.models import ApplicationStatus, MeasurementAssuranceSupport, Role, SupportApplication, SupportGrant
from lims.services.programme.support import (
    AlreadyDecided,
    Decision,
    ReasonRequired,
    application_queue,
    decide_application,
    submit_application,
)
from lims.services.records import audit
from tests.factories import make_enterprise, make_user

HANOI = load_programme("hanoi-kh16-2022")
DANANG = load_programme("danang-qd202-2019")


def _evidence(programme=HANOI) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {item.id: f"Tài liệu minh chứng {item.id}" for item in programme.eligibility}


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _approve(session: Session, application_id: int, day: date = date(2024, 5, 2), programme=HANOI) -> None:  # type: ignore[no-untyped-def]
    decide_application(session, programme, application_id, Decision(True, "Đủ điều kiện theo mục III.3", day))


def test_once_per_content_ever_and_several_contents_at_once(session: Session) -> None:
    """Plan 16 III.2: 'Mỗi tổ chức, doanh nghiệp chỉ được hỗ trợ 01 lần đối với mỗi nội dung và được hưởng
    nhiều nội dung hỗ trợ tại một thời điểm'."""
    ent = make_enterprise(session)
    first = submit_application(
        session,
        HANOI,
        ent.id,
        ApplicationRequest(("consulting", "qms_certification"), _evidence()),
        applied_on=date(2024, 4, 1),
    )
    _approve(session, first.id)
    assert sorted(g.content_id for g in first.grants) == ["consulting", "qms_certification"]
    applications, grants = _count(session, SupportApplication), _count(session, SupportGrant)
    with pytest.raises(ContentAlreadyReceived, match="Hỗ trợ chi phí chứng nhận hệ thống quản lý chất lượng"):
        submit_application(
            session,
            HANOI,
            ent.id,
            ApplicationRequest(("facility_equipment", "qms_certification"), _evidence()),
            applied_on=date(2025, 2, 1),
        )
    assert (_count(session, SupportApplication), _count(session, SupportGrant)) == (applications, grants)
    # a content never received is still open to the same organisation; another organisation is unaffected
    later = submit_application(
        session,
        HANOI,
        ent.id,
        ApplicationRequest(("facility_equipment",), _evidence()),
        applied_on=date(2025, 2, 1),
    )
    other = submit_application(
        session,
        HANOI,
        make_enterprise(session).id,
        ApplicationRequest(("qms_certification",), _evidence()),
        applied_on=date(2025, 2, 1),
    )
    assert later.status is other.status is ApplicationStatus.PENDING


def test_a_pending_content_cannot_be_asked_twice(session: Session) -> None:
    ent = make_enterprise(session)
    submit_application(
        session, HANOI, ent.id, ApplicationRequest(("consulting",), _evidence()), applied_on=date(2024, 4, 1)
    )
    with pytest.raises(ContentAlreadyRequested):
        submit_application(
            session,
            HANOI,
            ent.id,
            ApplicationRequest(("consulting",), _evidence()),
            applied_on=date(2024, 4, 2),
        )


def test_rejected_content_may_be_asked_again(session: Session) -> None:
    ent = make_enterprise(session)
    app = submit_application(
        session, HANOI, ent.id, ApplicationRequest(("consulting",), _evidence()), applied_on=date(2024, 4, 1)
    )
    decide_application(
        session, HANOI, app.id, Decision(False, "Hồ sơ thiếu hợp đồng tư vấn", date(2024, 4, 10))
    )
    again = submit_application(
        session, HANOI, ent.id, ApplicationRequest(("consulting",), _evidence()), applied_on=date(2024, 6, 1)
    )
    assert again.status is ApplicationStatus.PENDING


def test_highest_policy_level_is_granted(session: Session) -> None:
    """Plan 16 III.2: 'được hưởng mức hỗ trợ cao nhất theo các chính sách hiện hành'."""
    small, large = make_enterprise(session), make_enterprise(session)
    a = submit_application(
        session,
        HANOI,
        small.id,
        ApplicationRequest(("consulting",), _evidence(), costs_vnd={"consulting": 80_000_000}),
        applied_on=date(2024, 4, 1),
    )
    b = submit_application(
        session,
        HANOI,
        large.id,
        ApplicationRequest(("consulting",), _evidence(), costs_vnd={"consulting": 300_000_000}),
        applied_on=date(2024, 4, 1),
    )
    _approve(session, a.id)
    _approve(session, b.id)
    # 80 M: 50 % capped 50 M → 40 M beats 30 % capped 100 M → 24 M
    assert (a.grants[0].policy_id, a.grants[0].amount_vnd) == ("kh16-ngan-sach-thanh-pho", 40_000_000)
    # 300 M: 50 M (cap) loses to 90 M
    assert (b.grants[0].policy_id, b.grants[0].amount_vnd) == ("nd80-2021-dnnvv-tu-van", 90_000_000)


def test_ineligible_application_names_the_missing_item_and_saves_nothing(session: Session) -> None:
    ent = make_enterprise(session)
    evidence = _evidence()
    del evidence["compliance"]
    with pytest.raises(MissingEvidence, match="Tuân thủ đầy đủ các quy định hiện hành"):
        submit_application(
            session, HANOI, ent.id, ApplicationRequest(("consulting",), evidence), applied_on=date(2024, 4, 1)
        )
    assert _count(session, SupportApplication) == 0


def test_priority_sectors_come_first_in_the_queue(session: Session) -> None:
    """Đà Nẵng QĐ 202 I.1.b: the four priority sectors are supported first — by the VSIC code the lab
    confirmed, never by the sector words an enterprise typed (issue 20)."""
    from lims.services.programme.sectors import SectorInput, confirm_sector
    from lims.services.programme.support import SectorNotConfirmed

    pharma = make_enterprise(session, sector="Dịch vụ logistics")  # typed, but makes medicines (2100)
    logistics = make_enterprise(session, sector="Kho vận")  # 5210 warehousing: 'dịch vụ logistics'
    farm = make_enterprise(session)  # 0113 vegetables: 'nông nghiệp công nghệ cao'
    ev = _evidence(DANANG)
    for enterprise, code in ((pharma, "2100"), (logistics, "52 10"), (farm, "0113")):
        confirm_sector(
            session,
            DANANG,
            SectorInput(
                enterprise.tax_code,
                code,
                "Giấy chứng nhận đăng ký doanh nghiệp, ngành chính",
                date(2024, 1, 2),
            ),
            confirmed_by_id=None,
        )
    first = submit_application(
        session,
        DANANG,
        pharma.id,
        ApplicationRequest(("map_implementation",), ev),
        applied_on=date(2024, 1, 5),
    )
    second = submit_application(
        session,
        DANANG,
        logistics.id,
        ApplicationRequest(("map_implementation",), ev),
        applied_on=date(2024, 3, 1),
    )
    third = submit_application(
        session,
        DANANG,
        farm.id,
        ApplicationRequest(("map_implementation",), ev, priority_sector="nông nghiệp công nghệ cao"),
        applied_on=date(2024, 2, 1),
    )
    assert (first.priority, second.priority, third.priority) == (False, True, True)
    assert second.priority_sector == "dịch vụ logistics"
    assert [a.id for a in application_queue(session, DANANG)] == [third.id, second.id, first.id]
    # naming a priority sector the lab has not confirmed is refused
    unconfirmed = make_enterprise(session)
    with pytest.raises(SectorNotConfirmed):
        submit_application(
            session,
            DANANG,
            unconfirmed.id,
            ApplicationRequest(("map_implementation",), ev, priority_sector="dịch vụ logistics"),
            applied_on=date(2024, 3, 2),
        )
    # the lab corrects the pharmaceuticals company to 2630 (electronics): its pending application moves up
    confirm_sector(
        session, DANANG, SectorInput(pharma.tax_code, "2630", "Giấy phép đầu tư sửa đổi", date(2024, 3, 5)),
        confirmed_by_id=None,
    )  # fmt: skip
    assert first.priority and first.priority_sector == "công nghiệp công nghệ cao"


def test_decisions_are_audited_and_final(session: Session) -> None:
    admin = make_user(session, Role.ADMIN)
    audit.set_actor(session, audit.Actor(admin.id, admin.username))
    ent = make_enterprise(session)
    app = submit_application(
        session, HANOI, ent.id, ApplicationRequest(("consulting",), _evidence()), applied_on=date(2024, 4, 1)
    )
    with pytest.raises(ReasonRequired):
        decide_application(session, HANOI, app.id, Decision(True, "   ", date(2024, 4, 3)))
    assert app.status is ApplicationStatus.PENDING
    decide_application(session, HANOI, app.id, Decision(True, "Đủ điều kiện", date(2024, 4, 3), admin.id))
    entries = audit.history(session, "support_application", app.id)
    assert [e.action for e in entries] == ["insert", "update"]
    assert entries[-1].changes["status"] == ["pending", "approved"]
    assert entries[-1].changes["decision_reason"] == [None, "Đủ điều kiện"]
    assert entries[-1].actor_id == admin.id
    assert audit.verify_chain(session).ok
    with pytest.raises(AlreadyDecided):
        decide_application(session, HANOI, app.id, Decision(False, "Đổi ý", date(2024, 4, 4)))
    # the approval counts as a Measurement Assurance Programme support of that enterprise
    supports = session.scalars(
        select(MeasurementAssuranceSupport).where(MeasurementAssuranceSupport.application_id == app.id)
    ).all()
    assert [(s.enterprise_id, s.supported_on) for s in supports] == [(ent.id, date(2024, 4, 3))]


def test_support_summary_of_the_year(session: Session) -> None:
    from lims.services.programme.report import support_summary

    ev = _evidence()
    costs = {"consulting": 80_000_000, "qms_certification": 30_000_000}
    a = submit_application(
        session,
        HANOI,
        make_enterprise(session).id,
        ApplicationRequest(("consulting", "qms_certification"), ev, costs_vnd=costs),
        applied_on=date(2024, 2, 1),
    )
    b = submit_application(
        session,
        HANOI,
        make_enterprise(session).id,
        ApplicationRequest(("consulting",), ev, costs_vnd={"consulting": 300_000_000}),
        applied_on=date(2024, 3, 1),
    )
    c = submit_application(
        session,
        HANOI,
        make_enterprise(session).id,
        ApplicationRequest(("facility_equipment",), ev),
        applied_on=date(2024, 4, 1),
    )
    submit_application(
        session,
        HANOI,
        make_enterprise(session).id,
        ApplicationRequest(("facility_equipment",), ev),
        applied_on=date(2024, 5, 1),
    )
    _approve(session, a.id, date(2024, 6, 1))
    _approve(session, b.id, date(2025, 1, 10))  # granted next year
    decide_application(session, HANOI, c.id, Decision(False, "Thiếu hồ sơ", date(2024, 6, 2)))
    summary = support_summary(session, HANOI, 2024)
    assert (summary.received, summary.approved, summary.rejected, summary.pending) == (4, 2, 1, 1)
    lines = {line.content_id: (line.grants, line.amount_vnd) for line in summary.lines}
    # 80 M consulting: max(50 % → 40 M, 30 % → 24 M) = 40 M; 30 M QMS: 50 % = 15 M
    assert lines == {
        "consulting": (1, 40_000_000),
        "qms_certification": (1, 15_000_000),
        "testing_certification": (0, 0),
        "facility_equipment": (0, 0),
    }
    assert {line.content_id: line.grants for line in support_summary(session, HANOI, 2025).lines}[
        "consulting"
    ] == 1

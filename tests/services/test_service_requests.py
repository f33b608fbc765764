"""Service requests: submission by a customer, review by the lab (ISO/IEC 17025:2017 7.1.1), conversion to jobs."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.errors import LimsError, NotFound
from lims.models import (
    LAB_AUDIENCE,
    CustomerInstrument,
    Job,
    JobCounter,
    JobKind,
    JobState,
    Notification,
    RequestState,
    Role,
    ServiceRequest,
    ServiceRequestItem,
)
from lims.services.customers import service_requests as sr
from lims.services.customers.instrument_fields import InstrumentInvalid, check_instrument
from lims.services.customers.request_conversion import Conversion, convert_request
from lims.services.customers.request_errors import RequestError, RequestStateRefused
from lims.services.jobs.procedures import latest_procedure, sync_procedures
from tests.factories import authorise_all_procedures, make_enterprise, make_instrument, make_lab, make_user

TODAY = date(2026, 3, 2)


@pytest.fixture
def setup(session: Session) -> dict[str, object]:
    sync_procedures(session)
    make_lab(session)
    authorise_all_procedures(session)
    ent = make_enterprise(session)
    return {
        "ent": ent,
        "customer": make_user(session, Role.CUSTOMER, enterprise_id=ent.id),
        "admin": make_user(session, Role.ADMIN),
        "gauge": make_instrument(
            session, ent, unit="bar", range_max=Decimal(16), resolution=Decimal("0.1"), serial_number="AK-1"
        ),
        "dmm": make_instrument(
            session, ent, unit="V", range_max=Decimal(20), resolution=Decimal("0.001"), serial_number="DMM-1"
        ),
    }


def _submit(session: Session, s: dict[str, object], **over: object) -> ServiceRequest:
    data = sr.RequestInput(
        **{
            "kind": JobKind.CALIBRATION,
            "items": [
                sr.RequestItemInput(s["gauge"].id, (4.0, 8.0, 16.0)),  # type: ignore[attr-defined]
                sr.RequestItemInput(s["dmm"].id),  # type: ignore[attr-defined]
            ],
            "preferred_on": TODAY + timedelta(days=7),
            "decision_rule": "guarded",
            "conformity_statement": True,
            "conformity_specification": "EN 837-1 class 1.6",
            "notes": "Giấy chứng nhận tiếng Việt",
            **over,
        }
    )
    return sr.submit_request(session, s["customer"], data, today=TODAY)  # type: ignore[arg-type]


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_submit_stores_items_and_tells_the_lab(session: Session, setup: dict[str, object]) -> None:
    req = _submit(session, setup)
    assert req.state == RequestState.SUBMITTED
    assert [i.instrument.serial_number for i in req.items] == ["AK-1", "DMM-1"]
    assert req.items[0].points == [4.0, 8.0, 16.0]
    note = session.scalar(select(Notification).where(Notification.kind == "request_submitted"))
    assert note is not None and note.audience == LAB_AUDIENCE
    assert note.params["number"] == sr.request_number(req) and note.params["count"] == 2
    assert note.link_endpoint == "requests.show"
    # no "(2 instruments)" that reads "(1 instruments)" for one (issue 19)
    assert (note.msgid % note.params).endswith(f"{sr.request_number(req)} (instruments: 2).")


def test_submit_with_a_new_instrument_adds_it_to_the_enterprise(
    session: Session, setup: dict[str, object]
) -> None:
    new = check_instrument(
        {
            "instrument_type": "Áp kế",
            "serial_number": "AK-NEW",
            "unit": "bar",
            "range_min": "0",
            "range_max": "10",
        }
    )
    req = _submit(session, setup, items=[], new_instrument=new, new_instrument_points=(5.0,))
    (item,) = req.items
    assert item.instrument.serial_number == "AK-NEW" and item.instrument.enterprise_id == setup["ent"].id  # type: ignore[attr-defined]
    assert item.points == [5.0]


@pytest.mark.parametrize(
    ("over", "fragment"),
    [
        ({"items": []}, "at least one"),
        ({"decision_rule": "coin"}, "decision rule"),
        ({"preferred_on": TODAY - timedelta(days=1)}, "1 Mar 2026 is in the past"),  # never ISO
        ({"notes": "x" * 2001}, "limited"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    session: Session, setup: dict[str, object], over: dict[str, object], fragment: str
) -> None:
    before = (_count(session, ServiceRequest), _count(session, Notification))
    with pytest.raises(RequestError) as caught:
        _submit(session, setup, **over)
    assert fragment in str(caught.value)
    assert (_count(session, ServiceRequest), _count(session, Notification)) == before


def test_point_outside_the_instruments_range_is_refused_naming_it(
    session: Session, setup: dict[str, object]
) -> None:
    items = [sr.RequestItemInput(setup["gauge"].id, (4.0, 25.0))]  # type: ignore[attr-defined]
    with pytest.raises(RequestError, match="25 bar of AK-1 is outside its range 0 – 16"):
        _submit(session, setup, items=items)


def test_duplicate_new_serial_is_refused_before_anything_is_stored(
    session: Session, setup: dict[str, object]
) -> None:
    before = _count(session, CustomerInstrument), _count(session, ServiceRequest)
    new = check_instrument({"instrument_type": "Áp kế", "serial_number": "AK-1", "unit": "bar"})
    with pytest.raises(InstrumentInvalid):
        _submit(session, setup, new_instrument=new)
    assert (_count(session, CustomerInstrument), _count(session, ServiceRequest)) == before


def test_another_enterprises_instrument_is_not_found(session: Session, setup: dict[str, object]) -> None:
    theirs = make_instrument(session, make_enterprise(session), unit="bar")
    with pytest.raises(NotFound):
        _submit(session, setup, items=[sr.RequestItemInput(theirs.id)])
    assert _count(session, ServiceRequestItem) == 0


def test_parse_points_accepts_decimal_commas_and_refuses_words() -> None:
    assert sr.parse_points("1,5; 2.5 10") == (1.5, 2.5, 10.0)
    assert sr.parse_points("  ") == ()
    with pytest.raises(RequestError, match="abc"):
        sr.parse_points("1; abc")
    with pytest.raises(RequestError):
        sr.parse_points("nan")


def test_accept_schedule_and_reject_tell_the_customer(session: Session, setup: dict[str, object]) -> None:
    admin = setup["admin"]
    req = _submit(session, setup)
    sr.accept_request(session, req.id, user=admin)  # type: ignore[arg-type]
    assert req.state == RequestState.ACCEPTED and req.decided_by_id == admin.id  # type: ignore[attr-defined]
    with pytest.raises(RequestStateRefused):
        sr.accept_request(session, req.id, user=admin)  # type: ignore[arg-type]
    with pytest.raises(RequestError, match="past"):
        sr.schedule_request(session, req.id, TODAY - timedelta(days=1), user=admin, today=TODAY)  # type: ignore[arg-type]
    sr.schedule_request(session, req.id, TODAY + timedelta(days=3), user=admin, today=TODAY)  # type: ignore[arg-type]
    assert req.state == RequestState.SCHEDULED and req.scheduled_on == TODAY + timedelta(days=3)
    with pytest.raises(RequestError, match="reason"):
        sr.reject_request(session, req.id, "   ", user=admin)  # type: ignore[arg-type]
    assert req.state == RequestState.SCHEDULED
    sr.reject_request(session, req.id, "Ngoài phạm vi công nhận", user=admin)  # type: ignore[arg-type]
    assert req.state == RequestState.REJECTED and req.rejection_reason == "Ngoài phạm vi công nhận"
    kinds = list(
        session.scalars(
            select(Notification.kind)
            .where(Notification.enterprise_id == req.enterprise_id)
            .order_by(Notification.id)
        )
    )
    assert kinds == ["request_accepted", "request_scheduled", "request_rejected"]
    with pytest.raises(RequestStateRefused):
        sr.schedule_request(session, req.id, TODAY, user=admin, today=TODAY)  # type: ignore[arg-type]


def test_stale_version_is_refused(session: Session, setup: dict[str, object]) -> None:
    req = _submit(session, setup)
    seen = req.version
    sr.accept_request(session, req.id, user=setup["admin"], expected_version=seen)  # type: ignore[arg-type]
    with pytest.raises(RequestError, match="changed by someone else"):
        sr.reject_request(session, req.id, "x", user=setup["admin"], expected_version=seen)  # type: ignore[arg-type]


def test_convert_registers_one_job_per_item_with_the_requirements(
    session: Session, setup: dict[str, object]
) -> None:
    admin = setup["admin"]
    req = _submit(session, setup, on_site=True)
    with pytest.raises(RequestStateRefused):  # review first (ISO/IEC 17025:2017 7.1.1)
        convert_request(session, req.id, Conversion({}), user=admin, today=TODAY)  # type: ignore[arg-type]
    sr.schedule_request(session, req.id, TODAY + timedelta(days=2), user=admin, today=TODAY)  # type: ignore[arg-type]
    gauge_item, dmm_item = req.items
    procedures = {
        gauge_item.id: latest_procedure(session, "CAL-PG-DKD").id,
        dmm_item.id: latest_procedure(session, "CAL-DMM-DCV").id,
    }
    created = convert_request(session, req.id, Conversion(procedures), user=admin, today=TODAY)  # type: ignore[arg-type]
    assert [j.number for j in created] == ["JOB-2026-00001", "JOB-2026-00002"]
    gauge_job = created[0]
    assert gauge_job.state == JobState.REQUESTED and gauge_job.on_site
    assert gauge_job.due_on == TODAY + timedelta(days=12)  # scheduled date + 10 days
    assert gauge_job.requirements == {
        "conformity_statement": True,
        "specification": "EN 837-1 class 1.6",  # named in the request (issue 16)
        "decision_rule": "guarded",
        "notes": "Giấy chứng nhận tiếng Việt",
        "points": [4.0, 8.0, 16.0],
    }
    assert "points" not in created[1].requirements
    assert req.state == RequestState.CONVERTED and gauge_item.job_id == gauge_job.id
    note = session.scalar(select(Notification).where(Notification.kind == "request_converted"))
    assert note is not None and note.params["jobs"] == "JOB-2026-00001, JOB-2026-00002"
    with pytest.raises(RequestStateRefused):
        convert_request(session, req.id, Conversion(procedures), user=admin, today=TODAY)  # type: ignore[arg-type]


def test_convert_is_all_or_nothing(session: Session, setup: dict[str, object]) -> None:
    """A wrong procedure for the second item: no job, no number taken, the request stays open."""
    admin = setup["admin"]
    req = _submit(session, setup)
    sr.accept_request(session, req.id, user=admin)  # type: ignore[arg-type]
    gauge_item, dmm_item = req.items
    bad = {
        gauge_item.id: latest_procedure(session, "CAL-PG-DKD").id,
        dmm_item.id: latest_procedure(session, "CAL-TH-BATH").id,  # °C procedure for a voltmeter
    }
    jobs_before = _count(session, Job)
    savepoint = session.begin_nested()
    with pytest.raises(LimsError) as caught:  # the job service's own check of the units
        convert_request(session, req.id, Conversion(bad), user=admin, today=TODAY)  # type: ignore[arg-type]
    savepoint.rollback()
    assert "°C" in str(caught.value)
    assert _count(session, Job) == jobs_before
    assert session.scalar(select(JobCounter.last_number).where(JobCounter.year == 2026)) in (None, 0)
    session.refresh(req)
    assert req.state == RequestState.ACCEPTED and all(i.job_id is None for i in req.items)
    with pytest.raises(RequestError, match="Choose a procedure"):
        convert_request(
            session, req.id, Conversion({gauge_item.id: bad[gauge_item.id]}), user=admin, today=TODAY
        )  # type: ignore[arg-type]
    verification = latest_procedure(session, "VER-NAWI-R76").id
    with pytest.raises(RequestError, match="not a calibration procedure"):
        convert_request(
            session,
            req.id,
            Conversion({gauge_item.id: verification, dmm_item.id: verification}),
            user=admin,
            today=TODAY,
        )  # type: ignore[arg-type]


def test_customer_lists_only_own_requests(session: Session, setup: dict[str, object]) -> None:
    mine = _submit(session, setup)
    other_ent = make_enterprise(session)
    other = make_user(session, Role.CUSTOMER, enterprise_id=other_ent.id)
    assert [r.id for r in sr.list_requests(session, setup["customer"]).items] == [mine.id]  # type: ignore[arg-type]
    assert sr.list_requests(session, other).items == []
    with pytest.raises(NotFound):
        sr.get_request(session, other, mine.id)
    lab_view = sr.list_requests(session, setup["admin"], states=[RequestState.SUBMITTED])  # type: ignore[arg-type]
    assert mine.id in [r.id for r in lab_view.items]


def _lab_notes(session: Session, kind: str) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.kind == kind, Notification.audience == LAB_AUDIENCE)
            .order_by(Notification.id)
        )
    )


def test_customer_cancels_a_submitted_request_and_the_lab_is_told(
    session: Session, setup: dict[str, object]
) -> None:
    customer = setup["customer"]
    req = _submit(session, setup)
    sr.cancel_request(session, req.id, "  Thiết bị đã thanh lý  ", user=customer)  # type: ignore[arg-type]
    assert req.state == RequestState.CANCELLED
    assert req.cancellation_reason == "Thiết bị đã thanh lý"
    assert req.cancelled_by_id == customer.id and req.cancelled_at is not None  # type: ignore[attr-defined]
    assert req.decided_by_id is None  # the lab's decision fields are left alone
    (note,) = _lab_notes(session, "request_cancelled")
    assert note.params["number"] == sr.request_number(req) and note.params["reason"] == "Thiết bị đã thanh lý"
    assert note.link_endpoint == "requests.show" and note.link_args == {"request_id": req.id}
    # the audit trail records who cancelled and why; the history reads it back
    from lims.services.records import audit

    entries = audit.history(session, "service_request", req.id)
    assert entries[-1].changes["state"] == ["submitted", "cancelled"]
    assert entries[-1].changes["cancellation_reason"] == [None, "Thiết bị đã thanh lý"]
    assert [c.state for c in sr.history(session, customer, req.id)] == [  # type: ignore[arg-type]
        RequestState.SUBMITTED,
        RequestState.CANCELLED,
    ]


@pytest.mark.parametrize("decision", ["accept", "schedule"])
def test_an_accepted_or_scheduled_request_may_still_be_cancelled(
    session: Session, setup: dict[str, object], decision: str
) -> None:
    admin, customer = setup["admin"], setup["customer"]
    req = _submit(session, setup)
    if decision == "accept":
        sr.accept_request(session, req.id, user=admin)  # type: ignore[arg-type]
    else:
        sr.schedule_request(session, req.id, TODAY + timedelta(days=4), user=admin, today=TODAY)  # type: ignore[arg-type]
    sr.cancel_request(session, req.id, user=customer)  # type: ignore[arg-type]
    assert req.state == RequestState.CANCELLED and req.cancellation_reason is None
    assert req.decided_by_id == admin.id  # type: ignore[attr-defined]
    (note,) = _lab_notes(session, "request_cancelled")
    assert note.params["reason"] == "—"
    if decision == "schedule":
        assert (
            "scheduled for" in note.msgid and note.params["date"] == {"date": f"{TODAY + timedelta(days=4):%Y-%m-%d}"}
        )
    else:
        assert "already accepted" in note.msgid
    # cancelled is final: the lab can no longer decide on it nor convert it
    with pytest.raises(RequestStateRefused):
        sr.schedule_request(session, req.id, TODAY, user=admin, today=TODAY)  # type: ignore[arg-type]
    with pytest.raises(RequestStateRefused):
        sr.reject_request(session, req.id, "x", user=admin)  # type: ignore[arg-type]
    with pytest.raises(RequestStateRefused):
        convert_request(session, req.id, Conversion({}), user=admin, today=TODAY)  # type: ignore[arg-type]
    with pytest.raises(RequestStateRefused, match="can no longer be cancelled"):
        sr.cancel_request(session, req.id, user=customer)  # type: ignore[arg-type]


def test_rejected_or_converted_requests_cannot_be_cancelled(
    session: Session, setup: dict[str, object]
) -> None:
    admin, customer = setup["admin"], setup["customer"]
    rejected = _submit(session, setup)
    sr.reject_request(session, rejected.id, "Ngoài phạm vi", user=admin)  # type: ignore[arg-type]
    converted = _submit(session, setup)
    sr.accept_request(session, converted.id, user=admin)  # type: ignore[arg-type]
    gauge_item, dmm_item = converted.items
    procedures = {
        gauge_item.id: latest_procedure(session, "CAL-PG-DKD").id,
        dmm_item.id: latest_procedure(session, "CAL-DMM-DCV").id,
    }
    convert_request(session, converted.id, Conversion(procedures), user=admin, today=TODAY)  # type: ignore[arg-type]
    for req, state in ((rejected, RequestState.REJECTED), (converted, RequestState.CONVERTED)):
        assert not sr.can_cancel(req)
        with pytest.raises(RequestStateRefused):
            sr.cancel_request(session, req.id, "muộn", user=customer)  # type: ignore[arg-type]
        assert req.state == state and req.cancelled_at is None
    assert _lab_notes(session, "request_cancelled") == []


def test_only_the_requests_own_enterprise_can_cancel_it(session: Session, setup: dict[str, object]) -> None:
    req = _submit(session, setup)
    other = make_user(session, Role.CUSTOMER, enterprise_id=make_enterprise(session).id)
    with pytest.raises(NotFound):
        sr.cancel_request(session, req.id, user=other)
    colleague = make_user(session, Role.CUSTOMER, enterprise_id=setup["ent"].id)  # type: ignore[attr-defined]
    with pytest.raises(RequestError, match="Only the customer"):  # the lab rejects, it does not cancel
        sr.cancel_request(session, req.id, user=setup["admin"])  # type: ignore[arg-type]
    assert req.state == RequestState.SUBMITTED and _lab_notes(session, "request_cancelled") == []
    sr.cancel_request(session, req.id, user=colleague)  # any user of the enterprise may
    assert req.state == RequestState.CANCELLED


def test_cancellation_checks_its_reason_and_the_version(session: Session, setup: dict[str, object]) -> None:
    customer = setup["customer"]
    req = _submit(session, setup)
    seen = req.version
    with pytest.raises(RequestError, match="limited"):
        sr.cancel_request(session, req.id, "x" * 2001, user=customer)  # type: ignore[arg-type]
    sr.accept_request(session, req.id, user=setup["admin"])  # type: ignore[arg-type]
    with pytest.raises(RequestError, match="changed by someone else"):
        sr.cancel_request(session, req.id, user=customer, expected_version=seen)  # type: ignore[arg-type]
    assert req.state == RequestState.ACCEPTED and _lab_notes(session, "request_cancelled") == []

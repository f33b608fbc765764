"""Service requests, the enterprise's jobs and certificates, and notifications through the web."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.models import (
    CertificateStatus,
    CustomerInstrument,
    Enterprise,
    Job,
    JobState,
    Notification,
    RequestState,
    Role,
    ServiceRequest,
    User,
)
from lims.services.jobs import jobs
from lims.services.jobs.procedures import latest_procedure, sync_procedures
from tests.factories import (
    authorise_all_procedures,
    make_enterprise,
    make_instrument,
    make_job,
    make_lab,
    make_user,
)
from tests.web.portalutil import make_certificate
from tests.webutil import csrf_token, login, post_form


def _customer(client: FlaskClient, session: Session, enterprise: Enterprise) -> User:
    user = make_user(session, Role.CUSTOMER, enterprise_id=enterprise.id)
    login(client, user.username)
    return user


def _requests(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(ServiceRequest)) or 0)


def test_customer_submits_a_request_with_points_and_a_new_instrument(
    client: FlaskClient, session: Session
) -> None:
    ent = make_enterprise(session)
    gauge = make_instrument(session, ent, unit="bar", range_max=Decimal(16), serial_number="AK-77")
    other = make_instrument(session, ent, serial_number="CAN-1")
    _customer(client, session, ent)
    form = client.get(f"/portal/requests/new?instrument_id={gauge.id}").get_data(as_text=True)
    assert f'value="{gauge.id}" id="instrument-{gauge.id}" checked' in form and "CAN-1" in form
    response = post_form(
        client,
        "/portal/requests/new",
        {
            "kind": "calibration",
            "place": "site",
            "preferred_on": (date.today() + timedelta(days=5)).isoformat(),
            "decision_rule": "simple",
            "conformity_statement": "y",
            "notes": "Cần giấy chứng nhận song ngữ",
            "instrument_ids": [str(gauge.id)],
            f"points-{gauge.id}": "4; 8; 12,5",
            "new_instrument_type": "Áp kế",
            "new_serial_number": "AK-NEW",
            "new_unit": "bar",
            "new_range_min": "0",
            "new_range_max": "10",
            "new_points": "5",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    req = session.scalar(select(ServiceRequest).where(ServiceRequest.enterprise_id == ent.id))
    assert req is not None and req.on_site and req.decision_rule == "simple" and req.conformity_statement
    assert [(i.instrument.serial_number, i.points) for i in req.items] == [
        ("AK-77", [4.0, 8.0, 12.5]),
        ("AK-NEW", [5.0]),
    ]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "AK-77" in page and "AK-NEW" in page and "đã gửi" in page  # state in Vietnamese
    assert "CAN-1" not in page and other.id
    assert "YC-" in client.get("/portal/requests/").get_data(as_text=True)


def test_bad_request_form_shows_vietnamese_errors_and_saves_nothing(
    client: FlaskClient, session: Session
) -> None:
    ent = make_enterprise(session)
    gauge = make_instrument(session, ent, unit="bar", range_max=Decimal(16), serial_number="AK-1")
    _customer(client, session, ent)
    base = {"kind": "calibration", "place": "lab", "decision_rule": "procedure"}
    instruments_before = session.scalar(select(func.count()).select_from(CustomerInstrument))
    cases = [
        ({}, "Chọn ít nhất một thiết bị."),
        ({"instrument_ids": [str(gauge.id)], f"points-{gauge.id}": "4; 99"}, "nằm ngoài phạm vi"),
        ({"instrument_ids": [str(gauge.id)], f"points-{gauge.id}": "bốn"}, "không phải là số"),
        (  # the new instrument's own fields are checked (unit unknown): nothing stored, not even the instrument
            {
                "instrument_ids": [str(gauge.id)],
                "new_instrument_type": "Áp kế",
                "new_serial_number": "X-1",
                "new_unit": "quả",
            },
            "quả",
        ),
    ]
    for extra, message in cases:
        response = post_form(client, "/portal/requests/new", {**base, **extra})
        body = response.get_data(as_text=True)
        assert response.status_code == 422, extra
        assert message in body, (extra, re.findall(r'class="(?:error|flash flash-error)"[^>]*>([^<]*)', body))
    assert _requests(session) == 0
    assert session.scalar(select(func.count()).select_from(CustomerInstrument)) == instruments_before


def test_lab_reviews_and_converts_and_the_customer_follows(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    sync_procedures(session)
    make_lab(session)
    authorise_all_procedures(session)
    ent = make_enterprise(session)
    gauge = make_instrument(session, ent, unit="bar", range_max=Decimal(16), serial_number="AK-5")
    customer = _customer(client, session, ent)
    post_form(
        client,
        "/portal/requests/new",
        {
            "kind": "calibration",
            "place": "lab",
            "decision_rule": "guarded",
            "conformity_statement": "y",
            "instrument_ids": [str(gauge.id)],
            f"points-{gauge.id}": "4; 8",
        },
    )
    req = session.scalar(select(ServiceRequest).where(ServiceRequest.enterprise_id == ent.id))
    assert req is not None
    # the lab: an administrator sees the new request (and a notification), accepts, schedules, converts
    lab = app.test_client()
    admin = make_user(session, Role.ADMIN)
    login(lab, admin.username)
    assert "1</span>" in lab.get("/").get_data(as_text=True)  # the bell counts the new request
    listing = lab.get("/requests/").get_data(as_text=True)
    assert f"/requests/{req.id}" in listing and ent.name in listing
    url = f"/requests/{req.id}"
    assert post_form(lab, f"{url}/reject", {"reason": "  "}, token_from=url).status_code == 302
    session.refresh(req)
    assert req.state == RequestState.SUBMITTED  # a reason is required
    assert post_form(lab, f"{url}/accept", {}, token_from=url).status_code == 302
    day = date.today() + timedelta(days=3)
    post_form(lab, f"{url}/schedule", {"scheduled_on": day.isoformat()}, token_from=url)
    session.refresh(req)
    assert req.state == RequestState.SCHEDULED and req.scheduled_on == day
    procedure = latest_procedure(session, "CAL-PG-DKD")
    page = lab.get(url).get_data(as_text=True)
    assert f'<option value="{procedure.id}" selected>' in page  # the only procedure in bar is offered
    response = post_form(
        lab, f"{url}/convert", {f"procedure-{req.items[0].id}": str(procedure.id)}, token_from=url
    )
    assert response.status_code == 302
    session.refresh(req)
    job = session.get(Job, req.items[0].job_id)
    assert req.state == RequestState.CONVERTED and job is not None and job.procedure_id == procedure.id
    assert job.requirements["points"] == [4.0, 8.0] and job.requirements["decision_rule"] == "guarded"
    # a review comment on a later transition stays inside the lab
    technician = make_user(session, Role.TECHNICIAN)
    jobs.record_intake(session, job.id, jobs.Intake("nguyên vẹn", "không có"), expected_version=None)
    jobs.transition_job(
        session, job.id, "received", user=technician, comment="NỘI BỘ: vỏ trầy", expected_version=None
    )
    # the customer: notification (in Vietnamese), the job in plain words, the history without comments
    home = client.get("/portal/").get_data(as_text=True)
    assert re.search(r'class="bell has-unread".*?<span class="count">(\d+)</span>', home, re.S)
    notes = client.get("/notifications/").get_data(as_text=True)
    assert "Phòng thí nghiệm đã chấp nhận yêu cầu" in notes and job.number in notes
    assert "đã nhận tại phòng thí nghiệm" in notes
    jobs_page = client.get("/portal/jobs/").get_data(as_text=True)
    assert job.number in jobs_page and "AK-5" in jobs_page and f"{job.due_on:%d/%m/%Y}" in jobs_page
    detail = client.get(f"/portal/jobs/{job.id}").get_data(as_text=True)
    assert (
        "đã nhận tại phòng thí nghiệm" in detail
        and "NỘI BỘ" not in detail
        and technician.full_name not in detail
    )
    # mark as read: CSRF required, then the count drops to zero
    first = session.scalars(select(Notification).where(Notification.enterprise_id == ent.id)).first()
    assert first is not None
    assert client.post(f"/notifications/{first.id}/read").status_code == 400
    response = post_form(
        client, f"/notifications/{first.id}/read", {"open": "1"}, token_from="/notifications/"
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/portal/requests/{req.id}")
    post_form(client, "/notifications/read-all", {}, token_from="/notifications/")
    assert '<span class="count">0</span>' in client.get("/portal/").get_data(as_text=True)
    assert customer.id


def test_certificates_list_and_downloads_with_a_vietnamese_file_name(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    ent = make_enterprise(session)
    job = make_job(session, enterprise=ent, state=JobState.ISSUED)
    cert, files = make_certificate(app, session, job, "ĐL-2026-00011")
    old, _ = make_certificate(app, session, job, "ĐL-2026-00010", status=CertificateStatus.SUPERSEDED)
    _customer(client, session, ent)
    listing = client.get("/portal/certificates/").get_data(as_text=True)
    assert "ĐL-2026-00011" in listing and "còn hiệu lực" in listing and "đã được thay thế" in listing
    pdf = client.get(f"/portal/certificates/{cert.id}/pdf")
    assert pdf.status_code == 200 and pdf.data == files.pdf and pdf.mimetype == "application/pdf"
    disposition = pdf.headers["Content-Disposition"]
    assert 'filename="DL-2026-00011.pdf"' in disposition
    assert "filename*=UTF-8''" + quote("ĐL-2026-00011.pdf") in disposition
    dcc = client.get(f"/portal/certificates/{cert.id}/dcc")
    assert dcc.status_code == 200 and dcc.data == files.dcc and dcc.mimetype == "application/xml"
    assert client.get(f"/portal/certificates/{cert.id}/zip").status_code == 404
    assert "ĐL-2026-00011" in client.get(f"/portal/jobs/{job.id}").get_data(as_text=True)
    assert old.id


def test_jobs_pages_follow_keyset(client: FlaskClient, session: Session) -> None:
    ent = make_enterprise(session)
    lab = make_lab(session)
    made = [make_job(session, enterprise=ent, lab=lab, number=f"KP-{n:03d}") for n in range(52)]
    _customer(client, session, ent)
    first = client.get("/portal/jobs/").get_data(as_text=True)
    assert "KP-051" in first and "KP-001" not in first and 'rel="next"' in first
    second = client.get(f"/portal/jobs/?after={made[2].id}").get_data(as_text=True)
    assert "KP-001" in second and "KP-051" not in second


def test_lab_roles_outside_review_cannot_decide(app: Flask, client: FlaskClient, session: Session) -> None:
    ent = make_enterprise(session)
    gauge = make_instrument(session, ent, unit="bar", range_max=Decimal(16))
    customer_client = app.test_client()
    _customer(customer_client, session, ent)
    post_form(
        customer_client,
        "/portal/requests/new",
        {
            "kind": "calibration",
            "place": "lab",
            "decision_rule": "procedure",
            "instrument_ids": [str(gauge.id)],
        },
    )
    req = session.scalar(select(ServiceRequest).where(ServiceRequest.enterprise_id == ent.id))
    assert req is not None
    login(client, make_user(session, Role.TECHNICIAN).username)
    token = csrf_token(client, f"/requests/{req.id}")
    assert client.post(f"/requests/{req.id}/accept", data={"csrf_token": token}).status_code == 403
    auditor = app.test_client()
    login(auditor, make_user(session, Role.AUDITOR).username)
    assert auditor.get(f"/requests/{req.id}").status_code == 200
    assert auditor.get("/notifications/").status_code == 200


def _submitted(app: Flask, session: Session, ent: Enterprise) -> ServiceRequest:
    sync_procedures(session)
    authorise_all_procedures(session)  # the capability review finds someone to do the work
    gauge = make_instrument(session, ent, unit="bar", range_max=Decimal(16))
    sender = app.test_client()
    _customer(sender, session, ent)
    post_form(
        sender,
        "/portal/requests/new",
        {
            "kind": "calibration",
            "place": "lab",
            "decision_rule": "procedure",
            "instrument_ids": [str(gauge.id)],
        },
    )
    req = session.scalar(select(ServiceRequest).where(ServiceRequest.enterprise_id == ent.id))
    assert req is not None
    return req


def test_customer_cancels_a_request_after_confirming_and_the_lab_sees_it(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    ent = make_enterprise(session)
    req = _submitted(app, session, ent)
    admin = make_user(session, Role.ADMIN)
    lab = app.test_client()
    login(lab, admin.username)
    assert (
        post_form(lab, f"/requests/{req.id}/accept", {}, token_from=f"/requests/{req.id}").status_code == 302
    )
    _customer(client, session, ent)
    url = f"/portal/requests/{req.id}"
    page = client.get(url).get_data(as_text=True)
    assert f'action="/portal/requests/{req.id}/cancel"' in page and "Hủy yêu cầu này" in page
    assert "phòng thí nghiệm sẽ được thông báo" in page  # already accepted: the lab will be told
    # without CSRF: refused; without ticking the confirmation: nothing changes
    assert client.post(f"{url}/cancel", data={"confirm": "y"}).status_code == 400
    response = post_form(client, f"{url}/cancel", {"reason": "Đổi kế hoạch"}, token_from=url)
    assert response.status_code == 302
    session.refresh(req)
    assert req.state == RequestState.ACCEPTED
    assert "Hãy đánh dấu ô xác nhận" in client.get(url).get_data(as_text=True)
    response = post_form(
        client,
        f"{url}/cancel",
        {"reason": "Đổi kế hoạch", "confirm": "y", "version": str(req.version)},
        token_from=url,
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    session.refresh(req)
    assert req.state == RequestState.CANCELLED and req.cancellation_reason == "Đổi kế hoạch"
    page = client.get(url).get_data(as_text=True)
    assert "khách hàng đã hủy" in page and "Đổi kế hoạch" in page and "Hủy yêu cầu này" not in page
    assert "Đã hủy yêu cầu" in page  # the flash
    # a second cancellation is refused in Vietnamese
    post_form(client, f"{url}/cancel", {"confirm": "y"}, token_from=f"/portal/requests/{req.id}")
    assert "không thể hủy được nữa" in client.get(url).get_data(as_text=True)
    # the lab: the notification, the cancelled state with its reason and history, no more review forms
    notes = lab.get("/notifications/").get_data(as_text=True)
    assert f"{ent.name} đã hủy yêu cầu" in notes and "Đổi kế hoạch" in notes
    show = lab.get(f"/requests/{req.id}").get_data(as_text=True)
    assert "Khách hàng đã hủy" in show and "Đổi kế hoạch" in show and "state-cancelled" in show
    assert f"/requests/{req.id}/schedule" not in show and f"/requests/{req.id}/convert" not in show
    assert admin.username in show  # the history names who accepted
    assert f"/requests/{req.id}" in lab.get("/requests/?state=cancelled").get_data(as_text=True)


def test_another_enterprise_cannot_see_or_cancel_the_request(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    req = _submitted(app, session, make_enterprise(session))
    _customer(client, session, make_enterprise(session))
    assert client.get(f"/portal/requests/{req.id}").status_code == 404
    token = csrf_token(client, "/portal/requests/")
    for data in ({"confirm": "y"}, {}):
        response = client.post(f"/portal/requests/{req.id}/cancel", data={**data, "csrf_token": token})
        assert response.status_code == 404
    session.refresh(req)
    assert req.state == RequestState.SUBMITTED
    assert client.post("/portal/requests/999999/cancel", data={"csrf_token": token}).status_code == 404


def test_a_rejected_request_offers_no_cancel_button(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    ent = make_enterprise(session)
    req = _submitted(app, session, ent)
    req.state = RequestState.REJECTED
    req.rejection_reason = "Ngoài phạm vi"
    session.flush()
    _customer(client, session, ent)
    page = client.get(f"/portal/requests/{req.id}").get_data(as_text=True)
    assert "Ngoài phạm vi" in page and f"/portal/requests/{req.id}/cancel" not in page

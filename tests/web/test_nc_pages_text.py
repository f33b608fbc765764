"""Every page of nonconforming work passes the raw-value check in both languages, in every state it reaches.

The demo's one record (tests/web/test_page_text.py walks it) has no decision, notice or corrective action; here
the issue's CDL-AS-001 case (tests/services/test_nonconformity.py ``build``) is taken through its states —
decided, a notice sent and one drafted, a corrective action closed and one overdue, a complaint answered, the
standard returned to service, the record closed — and each page the quality manager, the technician and the
customer open is checked in Vietnamese and English with the crawl's own detectors (no ISO date, float noise,
enum or snake_case name, no English word on a Vietnamese page).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lims.models import Role
from tests.factories import make_user
from tests.web.test_page_text import _english_words, _page_texts, check_text
from tests.webutil import login


@pytest.fixture(scope="module")
def english_words() -> frozenset[str]:
    return _english_words()


def _findings(client: FlaskClient, urls: list[str], words: frozenset[str]) -> list[str]:
    found: list[str] = []
    for language in ("vi", "en"):
        with client.session_transaction() as web_session:
            web_session["language"] = language
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            outside, inside, _ = _page_texts(response.get_data(as_text=True), "nc")
            for page in (outside, inside):
                for check, text in check_text(page, vietnamese=language == "vi", words=words):
                    found.append(f"{language} {url}: {check}: {text!r}")
    return found


def test_nonconforming_work_pages_in_every_state(
    client: FlaskClient, session: Session, english_words: frozenset[str]
) -> None:
    from lims.models import NcNotice
    from lims.services.quality import actions, complaints, corrective, notices
    from lims.services.quality import nonconformity as ncs
    from tests.services.test_nonconformity import build, failed_calibration

    today = date.today()
    scenario = build(session)
    record = failed_calibration(session, scenario.reference).record
    assert record is not None
    reviewer = make_user(session, Role.REVIEWER, full_name="Lê Văn Hùng")
    technician = make_user(session, Role.TECHNICIAN, full_name="Trần Thị Lan")
    jobs = ncs.assess(session, record.id).jobs
    customer_job = jobs[0]
    assert customer_job.job is not None
    customer = make_user(session, Role.CUSTOMER, enterprise_id=customer_job.job.enterprise_id)
    choices = ["notify", "recall", "no_effect"]
    for i, a in enumerate(ncs.assess(session, record.id).affected):
        actions.decide(
            session,
            record.id,
            usage_ref=a.ref,
            decision=choices[i % 3] if a.job is not None else "recall",
            reason="Sai số chuẩn 0,9 kPa so với MPE 2,5 kPa của áp kế",
            decided_by_id=reviewer.id,
        )
    drafts = list(session.query(NcNotice).filter_by(nc_id=record.id, state="draft"))
    assert len(drafts) == 2
    sent = next(n for n in drafts if n.enterprise_id == customer.enterprise_id)
    notices.send_notice(session, sent.id, reviewer=reviewer)
    done = corrective.open_action(
        session,
        corrective.ActionInput(
            record.id, "Không kiểm tra giữa kỳ", "Kiểm tra hằng tháng", technician.id, today
        ),
        today=today,
    )
    corrective.actions_done(session, done.id, by=reviewer)
    corrective.review(session, done.id, effective=True, text="Ba lần đạt", by=reviewer, today=today)
    late = corrective.open_action(
        session,
        corrective.ActionInput(record.id, "Thiếu đào tạo", "Đào tạo lại", technician.id, today),
        today=today,
    )
    late.due_on = today - timedelta(days=3)  # overdue now
    complaint = complaints.submit(
        session,
        complaints.ComplaintInput(
            subject="Giấy chứng nhận sai đơn vị", description="kPa thay vì MPa", job_number=customer_job.ref
        ),
        by=customer,
        today=today,
    )
    complaints.acknowledge(session, complaint.id, by=reviewer)
    from_complaint = complaints.investigate(
        session,
        complaint.id,
        findings="Lỗi mẫu giấy chứng nhận",
        nonconforming=True,
        by=reviewer,
        today=today,
    )
    assert from_complaint is not None
    complaints.answer(session, complaint.id, text="Đã sửa mẫu và cấp lại", by=reviewer)
    session.commit()

    staff_pages = [
        "/nc/",
        "/nc/?open=1",
        "/nc/?notices=draft",
        "/nc/?corrective=overdue",
        f"/nc/{record.id}",
        f"/nc/{from_complaint.id}",
        "/nc/complaints",
        f"/nc/complaints/{complaint.id}",
        f"/standards/{scenario.reference.id}",
        "/standards/due",
        "/",
        "/notifications/",
    ]
    customer_pages = ["/portal/notices", "/portal/complaints", "/notifications/", "/"]
    found: list[str] = []
    login(client, reviewer.username)
    page = client.get(f"/nc/{record.id}").get_data(as_text=True)
    assert "Lê Văn Hùng" in page and "Trần Thị Lan" in page  # who decided, sent, owns
    assert record.number in client.get("/nc/?notices=draft").get_data(as_text=True)
    dashboard = client.get("/").get_data(as_text=True)  # the quarantined standard and the overdue action
    assert (
        'href="/standards/?status=quarantined"' in dashboard and 'href="/nc/?corrective=overdue"' in dashboard
    )
    # the quarantined tile's number is the length of the list it links to
    quarantined_list = client.get("/standards/?status=quarantined").get_data(as_text=True)
    listed = len(re.findall(r'<span class="badge status-quarantined">', quarantined_list))
    tile = re.search(r'href="/standards/\?status=quarantined"[^>]*>\s*<[^>]*>(\d+)<', dashboard)
    assert tile and listed == int(tile.group(1)) >= 1
    assert scenario.reference.asset_number in client.get("/standards/due").get_data(as_text=True)
    found += _findings(client, staff_pages, english_words)
    client.delete_cookie("session")
    login(client, technician.username)
    found += _findings(client, ["/", "/notifications/", f"/standards/{scenario.reference.id}"], english_words)
    client.delete_cookie("session")
    login(client, customer.username)
    portal = client.get("/portal/complaints").get_data(as_text=True)
    assert complaint.number in portal and "Đã sửa mẫu và cấp lại" in portal  # the progress and the answer
    assert record.number in client.get("/portal/notices").get_data(as_text=True)
    # the bell in English does not quote the Vietnamese letter's subject (it was "…: Thông báo về kết quả …")
    with client.session_transaction() as web_session:
        web_session["language"] = "en"
    bell = client.get("/notifications/").get_data(as_text=True)
    assert f"The laboratory sent notice {record.number} about your certificates." in bell
    assert sent.subject not in bell
    found += _findings(client, customer_pages, english_words)

    # then closed: the standard back in service, every action done, the record closed
    for draft in session.query(NcNotice).filter_by(nc_id=record.id, state="draft"):
        notices.send_notice(session, draft.id, reviewer=reviewer)
    corrective.actions_done(session, late.id, by=reviewer)
    corrective.review(session, late.id, effective=True, text="Đã đào tạo", by=reviewer, today=today)
    ncs.return_to_service(
        session, record.id, reason="Đã hiệu chuẩn lại", effective_on=today, changed_by_id=reviewer.id
    )
    ncs.close(session, record.id, note="Đã đánh giá và thông báo", closed_by_id=reviewer.id)
    session.commit()
    client.delete_cookie("session")
    login(client, reviewer.username)
    closed = client.get(f"/nc/{record.id}").get_data(as_text=True)
    assert 'id="nc-closed"' in closed and "Lê Văn Hùng" in closed.split('id="nc-closed"')[1][:300]
    found += _findings(client, [f"/nc/{record.id}", "/nc/?state=closed", "/"], english_words)
    assert found == [], "\n".join(found)

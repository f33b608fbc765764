"""Legal verification pages and outcomes through the web (issue 17), in the user's language."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, timedelta

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.localtime import format_lab_date
from lims.models import JobState, Role, StampBatch, VerificationDesignation, VerificationFailureNotice
from lims.services.access import legal
from lims.services.certificates import signatures
from tests.factories import PASSWORD, make_user
from tests.services import certsetup, jobsetup
from tests.services.test_legal_verification import _measured_and_reviewed
from tests.web.api.conftest import bearer, token_for
from tests.webutil import login, post_form


def test_catalogue_page_shows_cited_facts_and_marks_what_was_not_checked(client: FlaskClient, session: Session) -> None:
    setup = jobsetup.build(session)
    session.commit()
    login(client, setup.technician.username)
    html = client.get("/legal/").get_data(as_text=True)
    for expected in ("Cân bàn", "ĐLVN 14:2009", "12 tháng", "chưa đối chiếu với văn bản", "Thông tư 03/2024/TT-BKHCN",
                     "125/QĐ-TĐC", "Cân phân tích", "ĐLVN 30:2019",
                     "đã đối chiếu với: lời nói đầu và mục 1 của ĐLVN 30:2019"):
        assert expected in html, expected
    assert 'action="/legal/designations"' not in html  # read only for a technician
    assert post_form(client, "/legal/designations", {}, token_from="/legal/").status_code == 403


def test_admin_records_a_designation_and_bad_input_is_refused_in_vietnamese(
    client: FlaskClient, session: Session
) -> None:
    setup = jobsetup.build(session)
    admin = make_user(session, Role.ADMIN)
    session.commit()
    login(client, admin.username)
    form = {"decision_number": "88/QĐ-TĐC", "decided_on": "2026-01-10", "issued_by": "Tổng cục TĐC",
            "instrument_types": ["can-ban", "ap-ke-lo-xo"], "valid_until": "2025-01-10"}
    refused = post_form(client, "/legal/designations", form, token_from="/legal/")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    # In Vietnamese, dates as the pages print them: no field name, no ISO date, no English reason.
    assert ("Không lưu được hồ sơ: ngày hết hiệu lực 10/01/2025 của quyết định chỉ định trước ngày quyết định "
            "10/01/2026.") in page
    assert "valid_until:" not in page and "is before" not in page
    done = post_form(client, "/legal/designations", {**form, "valid_until": "2031-01-09"}, token_from="/legal/")
    assert done.status_code == 302
    rows = session.scalars(select(VerificationDesignation).where(VerificationDesignation.lab_id == setup.lab.id)).all()
    assert sorted(r.decision_number for r in rows) == ["125/QĐ-TĐC", "88/QĐ-TĐC"]


def test_an_expired_card_is_refused_at_the_transition_in_the_users_language(
    client: FlaskClient, session: Session
) -> None:
    setup = jobsetup.build(session)
    (card,) = legal.cards(session, setup.technician.id)
    card.valid_until = date.today() - timedelta(days=1)
    job = jobsetup.new_job(session, setup, "VER-NAWI-R76")
    from lims.services.jobs import jobs

    jobs.record_intake(session, job.id, jobs.Intake("ok", "—"), expected_version=job.version)
    jobs.transition_job(session, job.id, "received", user=setup.technician, comment=None,
                        expected_version=job.version)
    session.commit()
    login(client, setup.technician.username)
    url = f"/jobs/{job.id}"
    response = post_form(client, f"{url}/transition", {"to": "in_progress"}, token_from=url)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    expired, today = date.today() - timedelta(days=1), date.today()
    assert (f"Thẻ kiểm định viên của {setup.technician.full_name} đã hết hiệu lực ngày {expired:%d/%m/%Y}: "
            f"{setup.technician.full_name} không được thực hiện hoặc ký kết quả kiểm định Cân bàn vào ngày "
            f"{today:%d/%m/%Y}.") in html
    session.refresh(job)
    assert job.state == JobState.RECEIVED
    with client.session_transaction() as browser:
        browser["language"] = "en"
    response = post_form(client, f"{url}/transition", {"to": "in_progress"}, token_from=url)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    english = format_lab_date(expired, locale="en", zone=UTC)  # British English: "5 Dec 2026"
    assert f"The verification officer card of {setup.technician.full_name} expired on {english}" in html


def test_stamp_stock_page_batches_spoiled_stamps_and_register(client: FlaskClient, session: Session) -> None:
    setup = jobsetup.build(session)
    session.commit()
    login(client, setup.signatory.username)
    html = client.get("/legal/stamps?start=2025-05-01&end=2025-05-31").get_data(as_text=True)
    assert "HN-25-000100 – HN-25-000199" in html and "BB-17/TĐC" in html
    overlap = {"series": "HN-25", "first_number": "150", "last_number": "300", "digits": "6",
               "received_on": "2025-06-01", "delivery_reference": "BB-18"}
    refused = post_form(client, "/legal/stamps/batches", overlap, token_from="/legal/stamps")
    assert refused.status_code == 422 and "trùng với lô tem nhận ngày 01/05/2025" in refused.get_data(as_text=True)
    # A reversed range is refused in Vietnamese: no English field name on the page.
    reversed_range = post_form(client, "/legal/stamps/batches", {**overlap, "first_number": "900", "last_number": "800"},
                               token_from="/legal/stamps").get_data(as_text=True)
    assert "Không ghi nhận được lô tem: 900–800 không phải là một dải số tem." in reversed_range
    assert "range:" not in reversed_range and "is not a range" not in reversed_range
    assert post_form(client, "/legal/stamps/batches", {**overlap, "first_number": "200"},
                     token_from="/legal/stamps").status_code == 302
    assert len(session.scalars(select(StampBatch)).all()) == 2
    spoiled = {"stamp_number": "HN-25-000105", "outcome": "damaged", "used_on": "2025-06-05", "reason": "Rách"}
    assert post_form(client, "/legal/stamps/spoiled", spoiled, token_from="/legal/stamps").status_code == 302
    again = post_form(client, "/legal/stamps/spoiled", spoiled, token_from="/legal/stamps")
    assert again.status_code == 422 and "đã được ghi nhận là hư hỏng hoặc hủy ngày 05/06/2025" in again.get_data(as_text=True)
    sheet = client.get("/legal/stamps/register.xlsx?start=2025-06-01&end=2025-06-30")
    assert sheet.status_code == 200 and sheet.mimetype.endswith("spreadsheetml.sheet")
    from openpyxl import load_workbook

    cells = [c.value for row in load_workbook(io.BytesIO(sheet.data)).worksheets[0].iter_rows() for c in row]
    assert "HN-25-000105" in cells and "Rách" in cells
    assert client.get("/legal/stamps?start=2025-06-30&end=2025-06-01").status_code == 400


def test_failed_verification_through_the_web_marks_the_instrument_in_portal_and_api(
    client: FlaskClient, session: Session
) -> None:
    setup = certsetup.lab(session)
    job = _measured_and_reviewed(session, setup, offset_kg=0.5)
    signatures.sign_job(session, job.id, user=setup.signatory, password=PASSWORD, meaning="Phê duyệt",
                        expected_version=job.version, now=certsetup.MEASURED_AT)
    customer = make_user(session, Role.CUSTOMER, enterprise_id=job.enterprise_id)
    secret = token_for(session, customer)
    session.commit()
    login(client, setup.signatory.username)
    url = f"/jobs/{job.id}"
    assert "Ban hành thông báo kiểm định không đạt" in client.get(url).get_data(as_text=True)
    response = post_form(client, f"{url}/failure-notice", {"version": str(job.version)}, token_from=url)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    notice = session.scalars(select(VerificationFailureNotice)).one()
    assert f"Đã ban hành thông báo kết quả kiểm định không đạt {notice.number}" in html
    pdf = client.get(f"{url}/failure-notices/{notice.id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    # Issued, but no certificate: no page calls it "certificate issued" (the job, the list, the instrument).
    for page_url in (url, "/jobs/?state=issued", f"/instruments/{job.instrument_id}"):
        lab_page = client.get(page_url).get_data(as_text=True)
        # the job's own row (the list's state filter still names every issued job's state)
        row = lab_page if page_url == url else re.search(rf"<tr>(?:(?!</tr>).)*{job.number}.*?</tr>", lab_page, re.S)
        text = row if isinstance(row, str) else (row.group(0) if row else "")
        assert "đã ban hành thông báo kiểm định không đạt" in text, page_url
        assert "đã cấp giấy chứng nhận" not in text, page_url
    client.post("/logout", data={})
    client.delete_cookie("session")

    login(client, customer.username)
    page = client.get(f"/portal/instruments/{job.instrument_id}").get_data(as_text=True)
    assert "Không được phép sử dụng: kiểm định không đạt ngày" in page
    listed = client.get("/portal/").get_data(as_text=True)
    assert "Không được phép sử dụng" in listed
    for page_url in ("/portal/jobs/", f"/portal/jobs/{job.id}"):
        seen = client.get(page_url).get_data(as_text=True)
        assert "kiểm định không đạt: đã ban hành thông báo, không cấp giấy chứng nhận" in seen, page_url
        assert "đã cấp giấy chứng nhận" not in seen, page_url
    body = client.get(f"/api/v1/instruments/{job.instrument_id}", headers=bearer(secret)).get_json()
    assert body["permitted_for_use"] is False and body["not_permitted_since"] == "2025-06-02"


def test_admin_records_and_revokes_cards_and_the_history_stays(client: FlaskClient, session: Session) -> None:
    setup = jobsetup.build(session)
    admin = make_user(session, Role.ADMIN)
    session.commit()
    login(client, admin.username)
    page = client.get("/legal/cards").get_data(as_text=True)
    assert "KĐV-0001" in page and setup.technician.full_name in page
    form = {"user_id": str(setup.reviewer.id), "card_number": "KĐV-0001", "issued_by": "Tổng cục TĐC",
            "instrument_types": ["can-ban"], "valid_from": "2025-01-01", "valid_until": "2029-12-31"}
    refused = post_form(client, "/legal/cards/new", form, token_from="/legal/cards")
    assert refused.status_code == 422
    assert "Không lưu được hồ sơ: thẻ KĐV-0001 do Tổng cục TĐC cấp đã được ghi nhận." in refused.get_data(as_text=True)
    backwards = post_form(client, "/legal/cards/new", {**form, "card_number": "KĐV-0778", "valid_until": "2024-12-31"},
                          token_from="/legal/cards").get_data(as_text=True)
    assert ("Không lưu được hồ sơ: ngày hết hiệu lực 31/12/2024 của thẻ trước ngày bắt đầu hiệu lực 01/01/2025."
            in backwards)
    assert "valid_until:" not in backwards and "is before" not in backwards
    assert post_form(client, "/legal/cards/new", {**form, "card_number": "KĐV-0777"},
                     token_from="/legal/cards").status_code == 302
    (card,) = legal.cards(session, setup.reviewer.id)
    no_reason = {"card_id": str(card.id), "revoked_on": "2026-01-01", "reason": ""}
    assert post_form(client, "/legal/cards/revoke", no_reason, token_from="/legal/cards").status_code == 422
    too_early = post_form(client, "/legal/cards/revoke", {**no_reason, "revoked_on": "2024-06-01", "reason": "Nhầm"},
                          token_from="/legal/cards").get_data(as_text=True)
    assert "Không lưu được hồ sơ: ngày thu hồi 01/06/2024 trước ngày bắt đầu hiệu lực của thẻ 01/01/2025." in too_early
    done = post_form(client, "/legal/cards/revoke", {**no_reason, "reason": "Nghỉ hưu"}, token_from="/legal/cards")
    assert done.status_code == 302
    session.refresh(card)
    assert (card.revoked_on, card.revocation_reason) == (date(2026, 1, 1), "Nghỉ hưu")
    assert "Nghỉ hưu" in client.get("/legal/cards").get_data(as_text=True)
    client.post("/logout", data={})
    client.delete_cookie("session")
    login(client, setup.technician.username)
    assert post_form(client, "/legal/cards/new", form, token_from="/legal/cards").status_code == 403


def test_a_failing_verification_approved_tells_the_customer_a_notice_not_a_certificate_is_prepared(
    client: FlaskClient, session: Session
) -> None:
    """Approval of results that fail: the customer's notification, job list and job page say a notice of
    failed verification is being prepared (not a certificate); the job page has no empty Certificates part."""
    setup = certsetup.lab(session)
    job = _measured_and_reviewed(session, setup, offset_kg=0.5)
    signatures.sign_job(session, job.id, user=setup.signatory, password=PASSWORD, meaning="Phê duyệt",
                        expected_version=job.version, now=certsetup.MEASURED_AT)
    customer = make_user(session, Role.CUSTOMER, enterprise_id=job.enterprise_id)
    session.commit()
    login(client, customer.username)
    preparing = "đã phê duyệt, đang lập thông báo kiểm định không đạt"
    for page_url in ("/notifications/", "/portal/jobs/", f"/portal/jobs/{job.id}"):
        seen = client.get(page_url).get_data(as_text=True)
        assert preparing in seen, page_url
        assert "đang lập giấy chứng nhận" not in seen, page_url
    page = client.get(f"/portal/jobs/{job.id}").get_data(as_text=True)
    assert "Không cấp giấy chứng nhận: phương tiện đo kiểm định không đạt." in page
    assert "Thông báo kết quả kiểm định không đạt đang được lập." in page
    assert "Chưa có giấy chứng nhận" not in page


def test_a_passing_verification_approved_still_reads_certificate_being_prepared(
    client: FlaskClient, session: Session
) -> None:
    setup = certsetup.lab(session)
    job = _measured_and_reviewed(session, setup)
    signatures.sign_job(session, job.id, user=setup.signatory, password=PASSWORD, meaning="Phê duyệt",
                        expected_version=job.version, now=certsetup.MEASURED_AT)
    customer = make_user(session, Role.CUSTOMER, enterprise_id=job.enterprise_id)
    session.commit()
    login(client, customer.username)
    for page_url in ("/notifications/", f"/portal/jobs/{job.id}"):
        seen = client.get(page_url).get_data(as_text=True)
        assert "đã phê duyệt, đang lập giấy chứng nhận" in seen, page_url
        assert "kiểm định không đạt" not in seen, page_url


def test_a_refusal_names_the_jobs_state_in_the_users_words(client: FlaskClient, session: Session) -> None:
    """A notice asked for before approval: the refusal read 'đang ở trạng thái reviewed' (the stored value)."""
    setup = certsetup.lab(session)
    job = _measured_and_reviewed(session, setup, offset_kg=0.5)
    session.commit()
    login(client, setup.signatory.username)
    url = f"/jobs/{job.id}"
    response = post_form(client, f"{url}/failure-notice", {"version": str(job.version)}, token_from=url)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Công việc {job.number} đang ở trạng thái đã xem xét: chỉ công việc đã được phê duyệt" in page
    assert "trạng thái reviewed" not in page

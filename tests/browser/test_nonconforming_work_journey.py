"""When something goes wrong (issue 22, done-when): a reference standard fails its calibration → the record is
opened → its impact is evaluated → one job is amended from the decision and its customer notified → the
customer sees the notice in the portal and receives the e-mail (aiosmtpd on 127.0.0.1) → the corrective
action is closed after its effectiveness review."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.browser.conftest import log_in
from tests.mailbox import local_smtp

pytestmark = pytest.mark.browser


def _log_out(page: Any, base: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/login")


def test_failed_calibration_to_closed_corrective_action(
    page: Any, live_server: str, live_database: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import select

    from lims.models import (
        Certificate,
        CertificateStatus,
        Job,
        JobStandard,
        MeasurementStandard,
        NcDecision,
        User,
    )

    with local_smtp("hieuchuan@example.vn") as mail:
        inbox = mail.inbox
        for name, value in mail.env.items():
            monkeypatch.setenv(name, value)
        with live_database.session() as session:
            customer = session.scalar(select(User).where(User.username == "kh.annam"))
            assert customer is not None
            row = session.execute(
                select(Job, Certificate, MeasurementStandard)
                .join(Certificate, Certificate.job_id == Job.id)
                .join(JobStandard, JobStandard.job_id == Job.id)
                .join(MeasurementStandard, MeasurementStandard.id == JobStandard.standard_id)
                .where(
                    Job.enterprise_id == customer.enterprise_id, Certificate.status == CertificateStatus.VALID
                )
                .order_by(Job.id)
                .limit(1)
            ).one()
            job, certificate, standard = row
            job_number, old_number, standard_id = job.number, certificate.number, standard.id
            measured = job.measured_on or job.received_on or job.requested_on
        today = date.today()
        assert measured < today, "the demo's issued job was measured before today"

        # 1. the calibration certificate of the reference standard comes back: out of tolerance as found
        log_in(page, live_server, "ktv.minh")
        page.goto(f"{live_server}/standards/{standard_id}/calibrations/new")
        page.fill("#calibrated_on", today.isoformat())
        page.fill("#certificate_number", f"V05.{today.year}.0999")
        page.select_option("#issuer_kind", "national_metrology_institute")
        page.fill("#issuer_name", "Viện Đo lường Việt Nam")
        page.fill("#issued_on", today.isoformat())
        page.fill("#valid_until", (today + timedelta(days=365)).isoformat())
        page.fill("#points", "10 V 0.00004 2")
        page.fill("#as_found_error", "0.000031")
        page.fill("#as_found_limit", "0.000012")
        page.fill("#as_found_unit", "V")
        page.locator("form button[type=submit]").last.click()
        page.wait_for_load_state()
        assert "NC-" in page.locator(".flash-error, [role=alert]").first.inner_text()
        _log_out(page, live_server)

        # 2. the quality manager (reviewer) evaluates: this job's certificate is to be amended
        log_in(page, live_server, "kt.hung")
        page.goto(live_server + "/nc/?open=1")
        page.locator("a:has-text('NC-')").first.click()
        record_url = page.url
        row = page.locator(f"#affected tr[data-ref='{job_number}']")
        assert old_number in row.inner_text()
        row.locator("select[name=decision]").select_option("amend")
        row.locator("input[name=reason]").fill("Sai số chuẩn 31 µV vượt 1/3 MPE của đồng hồ tại 10 V")
        row.locator("button[type=submit]").last.click()
        page.wait_for_load_state()
        _log_out(page, live_server)

        # 3. the signatory issues the amendment from the decision
        log_in(page, live_server, "ky.thu")
        page.goto(record_url)
        row = page.locator(f"#affected tr[data-ref='{job_number}']")
        row.locator("form[action$='/amend'] input[name=reason]").fill("Đánh giá lại kết quả tại 10 V")
        row.locator("form[action$='/amend'] button").click()
        page.wait_for_load_state()
        with live_database.session() as session:
            decision = session.scalar(select(NcDecision).where(NcDecision.usage_ref == job_number))
            assert decision is not None and decision.result_certificate_id is not None
            new_number = session.get(Certificate, decision.result_certificate_id).number
        assert new_number != old_number
        assert new_number in page.locator(f"#affected tr[data-ref='{job_number}']").inner_text()
        page.goto(f"{live_server}/certificates/{new_number}")  # the amendment links back to the record
        assert "NC-" in page.locator("main").inner_text()
        _log_out(page, live_server)

        # 4. the quality manager reviews the drafted notice and sends it
        log_in(page, live_server, "kt.hung")
        page.goto(record_url)
        notice = page.locator("section.notice").first
        assert new_number in notice.locator("textarea[name=body]").input_value()
        notice.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert (
            "Đã gửi và đã chuyển bằng thư điện tử"
            in page.locator("section.notice .delivery").first.inner_text()
        )
        assert inbox.messages, "the notice was e-mailed"
        recipients, message = inbox.messages[-1]
        assert new_number in message.get_content() and old_number in message.get_content()
        assert any(r.endswith("@example.vn") for r in recipients)
        # in the customer's language, with the word for a calibration certificate
        assert (
            "Giấy chứng nhận hiệu chuẩn" in message.get_content()
            and "kết quả hiệu chuẩn" in message["Subject"]
        )

        # 5. corrective action, done and reviewed effective
        page.fill("#root_cause", "Chuẩn DI dùng quá chu kỳ trôi do không kiểm tra giữa kỳ")
        page.fill("#ca-actions", "Kiểm tra giữa kỳ hằng tháng bằng chuẩn điện áp 10 V")
        page.fill("#due_on", (today + timedelta(days=30)).isoformat())
        page.locator("form[action$='/corrective-actions'] button").click()
        page.wait_for_load_state()
        page.locator("form[action$='/done'] button").click()
        page.wait_for_load_state()
        page.locator("textarea[name=effectiveness]").fill(
            "Ba lần kiểm tra giữa kỳ liên tiếp đều trong giới hạn"
        )
        page.select_option("select[name=effective]", "yes")
        page.locator("form[action$='/review'] button").click()
        page.wait_for_load_state()
        assert "Đã đóng" in page.locator("section.corrective .ca-state").first.inner_text()
        _log_out(page, live_server)

        # 6. the customer reads the notice in the portal
        log_in(page, live_server, "kh.annam")
        page.goto(live_server + "/portal/notices")
        text = page.locator("main").inner_text()
        assert new_number in text and "NC-" in text
        record_number = text[text.index("NC-") :].split()[0].strip(" :,.()")
        page.goto(live_server + "/notifications/")  # and in the bell
        assert record_number in page.locator("main").inner_text()

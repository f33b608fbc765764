"""The enterprise's journey: kh.annam asks for a calibration, the lab accepts the request and converts it into
a job, the customer sees the job and is notified (ISO/IEC 17025:2017 7.1.1 review of requests); the journey
ends with the customer downloading an issued certificate from the portal, byte for byte what was stored at
issue (7.8.8: an issued report never changes), and seeing no other enterprise's certificates.

The demo issues a certificate for An Nam's jobs and for three other enterprises' jobs."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lims.models import Certificate, Job, User
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_customer_request_becomes_a_job_the_customer_can_follow(
    page: Any, browser: Any, live_server: str, live_database: Any
) -> None:
    log_in(page, live_server, "kh.annam")
    page.goto(live_server + "/portal/requests/new")
    # the spring gauge (0 to 1.6 MPa): the demo's electronic gauge already has an open job, so the form
    # no longer offers it (issue 19)
    row = page.locator("tr", has=page.locator("label:has-text('232.50')")).first
    row.locator("input[type=checkbox]").check()
    row.locator("input[name^='points-']").fill("0,4; 0,8; 1,2")
    page.select_option("#decision_rule", "guarded")
    page.check("#conformity_statement")
    page.click("button:has-text('Gửi yêu cầu')")
    page.wait_for_url(re.compile(r".*/portal/requests/\d+$"))
    heading = page.locator("h1").inner_text()
    number = re.search(r"YC-\d+", heading)
    assert number is not None and "đã gửi" in page.locator(".heading").inner_text()

    lab = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 900})
    staff = lab.new_page()
    staff.set_default_timeout(15000)
    log_in(staff, live_server, "admin")
    assert int(staff.locator(".bell .count").inner_text()) >= 1  # the new request is announced
    staff.goto(live_server + "/requests/")
    staff.click(f"a:has-text('{number.group(0)}')")
    staff.click("button:has-text('Chấp nhận')")
    staff.locator(".flash-success").wait_for()
    # the only pressure procedure (it works in bar: the gauge's MPa convert)
    assert staff.locator("#convert-form select").first.input_value() != ""
    staff.click("button:has-text('Chuyển thành công việc')")
    flash = staff.locator(".flash-success").inner_text()
    job_number = re.search(r"JOB-\d{4}-\d{5}", flash)
    assert job_number is not None, flash
    lab.close()

    page.goto(live_server + "/portal/jobs/")
    assert job_number.group(0) in page.locator("table").inner_text()
    assert int(page.locator(".bell .count").inner_text()) >= 2  # accepted, then converted
    page.click(".bell")
    notes = page.locator("table").inner_text()
    assert f"đã được đăng ký thành các công việc {job_number.group(0)}" in notes
    page.locator("tr", has_text=job_number.group(0)).first.locator("button:has-text('Mở')").click()
    page.wait_for_url(re.compile(r".*/portal/requests/\d+$"))
    assert job_number.group(0) in page.locator("table").inner_text()
    page.click(f"a:has-text('{job_number.group(0)}')")
    assert "đã đăng ký, chờ nhận thiết bị" in page.locator(".heading").inner_text()

    _customer_downloads_a_certificate(page, live_server, live_database)


def _customer_downloads_a_certificate(page: Any, base: str, database: Any) -> None:
    """kh.annam (logged in on ``page``) downloads a certificate's PDF from the portal."""
    with database.session() as session:
        enterprise_id = session.scalars(select(User.enterprise_id).where(User.username == "kh.annam")).one()
        rows = session.execute(
            select(Certificate.id, Certificate.number, Certificate.pdf_sha256, Job.enterprise_id)
            .join(Job, Job.id == Certificate.job_id)
            .order_by(Certificate.id)
        ).all()
    ours = {r.number: r for r in rows if r.enterprise_id == enterprise_id}
    theirs = {r.number: r for r in rows if r.enterprise_id != enterprise_id}
    assert ours and theirs, rows  # the demo issues for An Nam and for other enterprises

    page.goto(base + "/portal/certificates/")
    listing = page.locator("table tbody").inner_text()
    shown = {
        page.locator("table tbody tr").nth(i).locator("td").first.inner_text()
        for i in range(page.locator("table tbody tr").count())
    }
    assert shown == set(ours), listing  # every certificate of the enterprise, and only those
    for number in theirs:
        assert number not in listing

    number, mine = next(iter(ours.items()))
    row = page.locator("table tbody tr", has_text=number).first
    with page.expect_download() as download_info:
        row.locator("a:has-text('PDF')").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF")
    assert hashlib.sha256(data).hexdigest() == mine.pdf_sha256  # the stored bytes, unchanged

    # Another enterprise's certificate file is not found, not forbidden (its existence is not disclosed).
    other = next(iter(theirs.values()))
    response = page.request.get(f"{base}/portal/certificates/{other.id}/pdf")
    assert response.status == 404
    assert not response.body().startswith(b"%PDF")

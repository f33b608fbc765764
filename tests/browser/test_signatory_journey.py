"""The signatory approves a reviewed job with an electronic signature (password re-entered, printed name,
time and meaning recorded — the manifestation ISO/IEC 17025 7.5 and 21 CFR Part 11 auditors expect)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_signatory_signs_a_reviewed_job(page: Any, live_server: str) -> None:
    from lims.services.demo.seed import DEMO_PASSWORD

    log_in(page, live_server, "ky.thu")
    page.goto(live_server + "/jobs/?state=reviewed")
    page.locator("a:has-text('JOB-')").first.click()
    job_url = page.url
    page.fill("#password", "not my password")
    page.press("#password", "Enter")
    assert page.locator(".flash-error, .error").count() >= 1  # refused, nothing signed
    page.goto(job_url)
    page.fill("#password", DEMO_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_load_state()
    page.goto(job_url)
    body = page.locator("main").inner_text()
    assert "Đỗ Thị Thu" in body  # the printed name with the signature
    assert page.locator("form[action$='/approve']").count() == 0  # a signed job cannot be signed again


def test_signatory_issues_a_certificate_and_downloads_the_pdf(
    page: Any, live_server: str, live_database: Any
) -> None:
    """Issue an approved calibration job: the job becomes issued, the certificate gets the next number of its
    kind and year, and the PDF downloaded from the register is, byte for byte, the file frozen at issue
    (ISO/IEC 17025:2017 7.8.1.2, 7.8.8: an issued report is never changed, only amended)."""
    import hashlib
    from pathlib import Path

    from sqlalchemy import select

    from lims.models import Certificate, Job, JobKind, JobState

    with live_database.session() as session:
        job = session.scalar(
            select(Job)
            .where(Job.state == JobState.APPROVED, Job.kind == JobKind.CALIBRATION)
            .order_by(Job.id)
            .limit(1)
        )
        assert job is not None, "the demo holds an approved calibration job"
        job_id, job_number = job.id, job.number

    log_in(page, live_server, "ky.thu")
    page.goto(f"{live_server}/jobs/{job_id}")
    page.locator("form[action$='/issue'] button[type=submit]").click()
    page.wait_for_load_state()
    row = page.locator("tr[id^='certificate-'] a").first
    number = row.inner_text().strip()
    assert number.startswith("HC-"), number
    with live_database.session() as session:
        certificate = session.scalar(select(Certificate).where(Certificate.number == number))
        assert certificate is not None and certificate.job_id == job_id
        assert session.get(Job, job_id).state == JobState.ISSUED, job_number
        stored_sha256 = certificate.pdf_sha256

    row.click()
    page.wait_for_load_state()
    assert number in page.locator("main").inner_text()
    with page.expect_download() as download_info:
        page.locator("a[href$='/pdf']").first.click()
    data = Path(download_info.value.path()).read_bytes()
    assert data.startswith(b"%PDF")
    assert hashlib.sha256(data).hexdigest() == stored_sha256

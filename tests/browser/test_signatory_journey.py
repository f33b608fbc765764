"""The signatory approves a reviewed job with an electronic signature (password re-entered, printed name,
time and meaning recorded — the manifestation ISO/IEC 17025 7.5 and 21 CFR Part 11 auditors expect)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_signatory_signs_a_reviewed_job(page: Any, live_server: str) -> None:
    from lims.services.demo import DEMO_PASSWORD

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

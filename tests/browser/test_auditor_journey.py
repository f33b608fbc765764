"""The auditor's journey: find a standard, walk its chain to the national standard, see a broken chain."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_auditor_walks_a_chain_to_the_national_standard(page: Any, live_server: str) -> None:
    log_in(page, live_server, "dg.mai")
    page.click("text=Chuẩn đo lường")
    page.fill("#q", "CDL-KL-002")
    page.press("#q", "Enter")
    page.click("a:has-text('CDL-KL-002')")
    assert page.locator("h1").inner_text().startswith("CDL-KL-002")
    assert page.locator("text=Chuỗi liên kết chuẩn đầy đủ").count() == 1
    assert page.locator("figure.chain svg").count() == 1
    # follow the link one level up, to the E2 set the F1 set was calibrated against (VMI's certificate)
    page.click("a:has-text('CDL-KL-001')")
    assert page.locator("h1").inner_text().startswith("CDL-KL-001")
    # the auditor reads but cannot record
    assert page.locator("text=Ghi nhận hiệu chuẩn").count() == 0


def test_auditor_sees_the_deliberately_broken_chain(page: Any, live_server: str) -> None:
    log_in(page, live_server, "dg.mai")
    page.goto(live_server + "/traceability/")
    page.fill("#id", "CDL-KL-003")
    page.press("#id", "Enter")
    assert page.locator("text=Chuỗi liên kết chuẩn chưa đầy đủ").count() == 1
    assert page.locator(".finding.blocking").count() >= 1
    with page.expect_download() as download:
        page.click("text=JSON")
    assert download.value.suggested_filename == "traceability-CDL-KL-003.json"


def test_keyboard_only_login(page: Any, live_server: str) -> None:
    from lims.services.demo.seed import DEMO_PASSWORD

    page.goto(live_server + "/login")
    # the user name field has the focus on arrival; wait for it rather than type into a page still loading
    page.wait_for_function("document.activeElement && document.activeElement.name === 'username'")
    page.keyboard.type("ktv.lan")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server + "/")
    assert page.locator("text=Trần Thị Lan").count() == 1

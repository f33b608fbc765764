"""The technician at the bench: open a job in progress, enter readings from the keyboard, see the result
(mean, error, U, k, conformity) appear without reloading the page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_technician_enters_readings_and_sees_the_result(page: Any, live_server: str) -> None:
    log_in(page, live_server, "ktv.lan")
    page.goto(live_server + "/jobs/?state=in_progress")
    page.locator("a:has-text('JOB-')").first.click()
    page.click("text=Bàn đo")
    page.wait_for_url("**/bench")
    # the first point without a result yet
    point = page.locator("section.point:not(:has(dl.live))").first
    assert point.count() == 1
    nominal_text = point.locator("h3, h2, legend, strong").first.inner_text()
    first = point.locator("input[data-first]")
    first.click()
    readings = point.locator("input[name^='reading_']")
    count = readings.count()
    nominal = nominal_text.split(":")[-1].strip().split()[0]
    for i in range(count):
        readings.nth(i).fill(nominal)
    point.locator("input[name='reference_value']").fill(nominal)
    for env in point.locator("input[name^='env_']").all():
        env.fill("23.0")
    # a weighing job: the no-load indication before each reading (cg-18) or the change-point weights (R 76)
    for entry in point.locator("input[name^='weighing_']").all():
        entry.fill("0")
    url_before = page.url
    first.press("Enter")
    point_id = point.get_attribute("id")
    result = page.locator(f"#{point_id} dl.live")
    result.wait_for()
    text = result.inner_text()
    assert "Giá trị trung bình" in text and "U" in text and "k" in text
    assert page.url == url_before  # updated in place, no full reload

"""Issue 20's done-when journey: programme staff record a standard developed, a lab assessment and a task's
progress on the web, then generate the annual report and find the three in it."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from lims.models import MeasurementStandard, StandardDevelopment
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _free_standard(database: Any) -> tuple[str, str]:
    """A demo standard not yet recorded as developed under the programme."""
    developed = select(StandardDevelopment.standard_id).where(StandardDevelopment.standard_id.is_not(None))
    with database.session() as session:
        row = session.execute(
            select(MeasurementStandard.asset_number, MeasurementStandard.name)
            .where(MeasurementStandard.id.not_in(developed))
            .order_by(MeasurementStandard.id)
        ).first()
    assert row is not None
    return row[0], row[1]


def test_programme_staff_record_and_report(
    page: Any, live_server: str, live_database: Any, tmp_path: Path
) -> None:
    code, name = _free_standard(live_database)
    log_in(page, live_server, "admin")
    page.goto(live_server + "/programme/")
    page.click("nav a:has-text('Chuẩn đo lường được phát triển')")
    page.fill("#code", code)
    page.fill("#developed_on", "2026-10-15")
    page.fill("#funding", "Ngân sách Thành phố, Kế hoạch 16/KH-UBND")
    page.click("#new-record button[type=submit]")
    assert page.locator("text=Đã lưu bản ghi.").count() == 1
    assert page.locator(f"td:has-text('{code}')").count() == 1

    page.click("nav a:has-text('Đánh giá phòng thí nghiệm theo bộ tiêu chí quốc gia')")
    page.fill("#lab_name", "Phòng thí nghiệm Đo lường Long Biên")
    page.fill("#lab_code", "VILAS 1234")
    page.fill("#assessed_on", "2026-11-02")
    page.select_option("#result", "partially_met")
    page.click("#new-record button[type=submit]")
    assert page.locator("td:has-text('Đạt một phần')").count() == 1

    page.click("nav a:has-text('Tiến độ nhiệm vụ')")
    page.select_option("#task_id", "1.1")
    page.fill("#year", "2026")
    page.fill("#done", "Tổ chức hội nghị triển khai Kế hoạch tại 30 quận, huyện.")
    evidence = tmp_path / "bien-ban.pdf"
    evidence.write_bytes(b"%PDF-1.4 bien ban hoi nghi")
    page.set_input_files("#files", str(evidence))
    page.click("#new-record button[type=submit]")
    assert page.locator("a:has-text('bien-ban.pdf')").count() == 1

    page.goto(live_server + "/programme/")
    page.fill("#year", "2026")
    with page.expect_download() as download:
        page.click("form[action$='/programme/report'] button[type=submit]")
    pdf = Path(download.value.path()).read_bytes()
    text = unicodedata.normalize(
        "NFC", " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    )
    assert name in text and code in text  # IV: the standard developed in 2026
    assert "Phòng thí nghiệm Đo lường Long Biên" in text and "Đạt một phần" in text
    assert "Tổ chức hội nghị triển khai Kế hoạch tại 30 quận, huyện." in text  # II: task 1.1


def test_trend_labels_are_readable_on_screen_and_in_print(page: Any, live_server: str) -> None:
    """Issue 20 (6): the bar charts' labels were drawn at about 5 px once the 320-unit chart was squeezed
    into a table cell. Each chart is now drawn at its own size: its year and figure labels measure at least
    the 12 px they are drawn at (about 9 pt), on a 1024-pixel screen and when the page is printed."""
    log_in(page, live_server, "admin")
    page.set_viewport_size({"width": 1024, "height": 900})
    for media in ("screen", "print"):
        page.emulate_media(media=media)
        page.goto(live_server + "/programme/")
        sizes = page.evaluate(
            """() => [...document.querySelectorAll('svg.trend')].map(svg => [
                svg.getBoundingClientRect().width,
                Math.min(...[...svg.querySelectorAll('text')].map(t => t.getBoundingClientRect().height)),
            ])"""
        )
        assert sizes, media
        for width, label in sizes:
            assert width == 320 and label >= 12, (media, sizes)

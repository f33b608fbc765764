"""The annual report of both cities renders in Vietnamese: PDF text read back with pypdf, XLSX with openpyxl."""

from __future__ import annotations

import io
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy.orm import Session

from lims.domain.programme import Indicator, load_programme
from lims.errors import ConfigurationError
from lims.reports.fonts import font_path
from lims.reports.programme_report import render_pdf, render_xlsx
from lims.reports.programme_text import number_vi
from lims.services.programme.demo import load_programme_demo
from lims.services.programme.records import record_task_progress
from lims.services.programme.report import annual_report, indicator_value

TODAY = date(2024, 12, 20)


def _pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return unicodedata.normalize("NFC", " ".join(text.split()))


def test_hanoi_report_in_vietnamese(session: Session) -> None:
    hanoi = load_programme("hanoi-kh16-2022")
    summary = load_programme_demo(session, hanoi.id, 2024)
    record_task_progress(
        session, hanoi, task_id="1.3.a", year=2024, done="Tổ chức 06 lớp bồi dưỡng tại quận Cầu Giấy."
    )
    report = annual_report(session, hanoi, 2024, today=TODAY)
    text = _pdf_text(render_pdf(report, compress=False))
    for phrase in (
        "BÁO CÁO TÌNH HÌNH THỰC HIỆN KẾ HOẠCH NĂM 2024",
        "Kế hoạch 16/KH-UBND ngày 12/01/2022",
        "Thành phố: Hà Nội",
        "Hạn gửi báo cáo: 25/12/2024",
        "Nơi nhận: UBND Thành phố Hà Nội; Bộ Khoa học và Công nghệ",
        "I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU",
        "II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ (PHỤ LỤC)",
        "ít nhất 1.000",
        "trên 50%",
        "Tổ chức 06 lớp bồi dưỡng tại quận Cầu Giấy.",
        "“ít nhất 1500 doanh nghiệp”",
        "Sở Khoa học và Công nghệ",
    ):
        assert phrase in text, phrase
    # the participations of the year appear as counted from the records
    assert f"năm 2024 {number_vi(summary.participations)}" in text
    assert "III. HỖ TRỢ DOANH NGHIỆP THEO NỘI DUNG HỖ TRỢ" in text
    assert "Hồ sơ đề nghị hỗ trợ nhận trong năm 2024: 5 (chấp thuận 2, từ chối 1, đang xét 2)." in text
    training = indicator_value(
        session, Indicator.TRAINING_PARTICIPATIONS, date(2021, 1, 1), date(2024, 12, 31)
    )
    assert f"lũy kế giai đoạn {number_vi(training)}" in text


def test_danang_report_in_vietnamese(session: Session) -> None:
    danang = load_programme("danang-qd202-2019")
    load_programme_demo(session, danang.id, 2024)
    report = annual_report(session, danang, 2024, today=TODAY)
    text = _pdf_text(render_pdf(report, compress=False))
    for phrase in (
        "Quyết định 202/QĐ-UBND ngày 13/5/2019",
        "Thành phố: Đà Nẵng",
        "Giai đoạn: 2019-2025 (từ 01/01/2019 đến 31/12/2025)",
        "ít nhất 50",
        "Phòng thí nghiệm được công nhận áp dụng bộ tiêu chí quốc gia",
        "Tổ chức dịch vụ kiểm định, hiệu chuẩn, thử nghiệm được chứng nhận ISO/IEC 17025, ISO 9001",
        "Hợp tác quốc tế trong công tác nghiên cứu, đào tạo, chuyển giao công nghệ về đo lường",
    ):
        assert phrase in text, phrase
    assert "Hạn gửi báo cáo" not in text  # the Đà Nẵng plan sets no date


def test_pdf_is_reproducible(session: Session) -> None:
    hanoi = load_programme("hanoi-kh16-2022")
    load_programme_demo(session, hanoi.id, 2024)
    report = annual_report(session, hanoi, 2024, today=TODAY)
    assert render_pdf(report) == render_pdf(report)


def test_xlsx_holds_numbers_and_the_tasks(session: Session) -> None:
    danang = load_programme("danang-qd202-2019")
    summary = load_programme_demo(session, danang.id, 2024)
    report = annual_report(session, danang, 2024, today=TODAY)
    book = load_workbook(io.BytesIO(render_xlsx(report)))
    sheet = book["Chỉ tiêu"]
    assert sheet["A1"].value == "BÁO CÁO TÌNH HÌNH THỰC HIỆN KẾ HOẠCH NĂM 2024"
    rows = {row[0]: row for row in sheet.iter_rows(values_only=True) if row and row[0]}
    training = rows[Indicator.TRAINING_PARTICIPATIONS.label_vi]
    assert training[3] == 200 and training[4] == summary.participations  # target, year figure
    tasks = book["Nhiệm vụ"]
    ids = [row[0] for row in tasks.iter_rows(min_row=3, values_only=True)]
    assert ids == [t.id for t in danang.tasks]


def test_font_lookup_names_the_folders(tmp_path: Path) -> None:
    assert font_path("DejaVuSans.ttf").is_file()
    with pytest.raises(ConfigurationError, match=str(tmp_path)):
        font_path("DejaVuSans.ttf", search=(tmp_path,))

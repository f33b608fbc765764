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
from lims.localtime import lab_zone
from lims.reports.fonts import font_path
from lims.reports.programme_report import render_pdf, render_xlsx
from lims.reports.programme_text import number_vi
from lims.services.programme.demo import load_programme_demo
from lims.services.programme.records import record_task_progress
from lims.services.programme.report import annual_report, indicator_value

ZONE = lab_zone()  # the default LIMS_TIMEZONE (Asia/Ho_Chi_Minh), as the test app has it

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
    report = annual_report(session, hanoi, 2024, today=TODAY, zone=ZONE)
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
        session, Indicator.TRAINING_PARTICIPATIONS, date(2021, 1, 1), date(2024, 12, 31), zone=ZONE
    )
    assert f"lũy kế giai đoạn {number_vi(training)}" in text
    # IV: every record with its kind and its outcome in words (issue 20, gap 4), never a code
    assert "Loại hồ sơ" in text and "Đánh giá theo bộ tiêu chí quốc gia" in text
    assert any(words in text for words in ("Đạt bộ tiêu chí", "Đạt một phần", "Không đạt bộ tiêu chí"))
    for code in ("partially_met", "not_met", "reference_material", "by_other_body", "not_covered"):
        assert code not in text


def test_danang_report_in_vietnamese(session: Session) -> None:
    danang = load_programme("danang-qd202-2019")
    load_programme_demo(session, danang.id, 2024)
    report = annual_report(session, danang, 2024, today=TODAY, zone=ZONE)
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
    report = annual_report(session, hanoi, 2024, today=TODAY, zone=ZONE)
    assert render_pdf(report) == render_pdf(report)


def test_xlsx_holds_numbers_and_the_tasks(session: Session) -> None:
    danang = load_programme("danang-qd202-2019")
    summary = load_programme_demo(session, danang.id, 2024)
    report = annual_report(session, danang, 2024, today=TODAY, zone=ZONE)
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


# --- issue 20: honest targets and the plan's wording ------------------------------------------------

MET_WORDS = ("Đạt", "Đã đạt")


@pytest.mark.parametrize("programme_id", ["hanoi-kh16-2022", "danang-qd202-2019"])
def test_empty_deployment_reports_no_target_as_met(session: Session, programme_id: str) -> None:
    """Done-when of issue 20: on an empty database the 2026 report shows no target as met.

    Before, Hà Nội's 'tăng ít nhất 50%' targets required (1 + 0.5) × 0 = 0 and read 'Đã đạt'.
    """
    from lims.domain.programme import Verdict

    programme = load_programme(programme_id)
    report = annual_report(session, programme, 2026, today=date(2026, 12, 6), zone=ZONE)
    verdicts = {row.indicator: row.status.verdict for row in report.rows}
    assert not {Verdict.MET, Verdict.MET_SO_FAR} & set(verdicts.values()), verdicts
    pdf = _pdf_text(render_pdf(report, compress=False))
    book = load_workbook(io.BytesIO(render_xlsx(report)))
    assessments = [row[8] for row in book["Chỉ tiêu"].iter_rows(values_only=True) if row and len(row) > 8]
    for word in MET_WORDS:
        assert word not in assessments
        assert f" {word} " not in f" {pdf} ".replace(";", " ")  # no verdict cell reads 'Đạt'/'Đã đạt'
    growth = [i for i, v in verdicts.items() if v is Verdict.NO_BASELINE]
    if programme_id == "hanoi-kh16-2022":
        # 2026–2030: training and enterprises 'tăng ít nhất 50% so với giai đoạn 2021-2025'
        assert growth == [
            Indicator.TRAINING_PARTICIPATIONS,
            Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME,
        ]
        assert "Chưa có số liệu gốc: cần nhập số liệu của giai đoạn trước" in pdf
        assert "chưa có số liệu gốc của giai đoạn trước; chỉ tiêu tăng trưởng chưa đánh giá được" in pdf
    # the running phase's forecasts state their method
    assert "Phương pháp dự báo: ngoại suy xu thế tuyến tính (bình phương tối thiểu)" in pdf


def test_finished_phase_is_met_or_not_met_without_forecast(session: Session) -> None:
    """Issue 20: the finished 2021–2025 phase printed 'dự báo không đạt'; it is a fact now, no forecast."""
    hanoi = load_programme("hanoi-kh16-2022")
    load_programme_demo(session, hanoi.id, 2025)
    report = annual_report(session, hanoi, 2025, today=date(2026, 12, 6), zone=ZONE)
    text = _pdf_text(render_pdf(report, compress=False))
    assert "dự báo" not in text and "Phương pháp dự báo" not in text
    assert "Giai đoạn 2021-2025 đã kết thúc: các chỉ tiêu được đánh giá theo kết quả cả giai đoạn." in text
    assert "Dự báo cuối giai đoạn" not in text  # no forecast column either
    sheet = load_workbook(io.BytesIO(render_xlsx(report)))["Chỉ tiêu"]
    header = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "Chỉ tiêu")
    assert "Dự báo cuối giai đoạn" not in header and header[-2:] == ("Tỷ lệ so với mục tiêu (%)", "Đánh giá")
    assert all(row.status.forecast is None and row.status.finished for row in report.rows)
    assert "Không đạt" in text  # the demo's single year cannot reach 'ít nhất 1000 lượt'


def test_danang_counts_supports_as_luot_doanh_nghiep(session: Session) -> None:
    """QĐ 202 I.2.a 'ít nhất 50 lượt doanh nghiệp' is counted per support: the unit says 'lượt'."""
    danang = load_programme("danang-qd202-2019")
    report = annual_report(session, danang, 2024, today=TODAY, zone=ZONE)
    text = _pdf_text(render_pdf(report, compress=False))
    label = Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME.label_vi
    assert f"{label} (lượt doanh nghiệp)" in text
    book = load_workbook(io.BytesIO(render_xlsx(report)))
    units = {row[0]: row[1] for row in book["Chỉ tiêu"].iter_rows(values_only=True) if row and row[0]}
    assert units[label] == "lượt doanh nghiệp"
    hanoi = annual_report(session, load_programme("hanoi-kh16-2022"), 2024, today=TODAY, zone=ZONE)
    assert f"{label} (doanh nghiệp)" in _pdf_text(render_pdf(hanoi, compress=False))

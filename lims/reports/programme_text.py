"""The Vietnamese wording and number formats shared by the PDF and XLSX annual reports."""

from __future__ import annotations

from datetime import UTC, date

from lims.domain.programme import FORECAST_METHOD_VI, Measure, TargetKind, TargetStatus, Verdict
from lims.localtime import format_lab_date
from lims.services.programme.drilldown import LineKind, LineStatus, RecordLine
from lims.services.programme.report import AnnualReport, IndicatorRow, TaskRow

TITLE = "BÁO CÁO TÌNH HÌNH THỰC HIỆN KẾ HOẠCH NĂM {year}"
SECTION_INDICATORS = "I. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU"
SECTION_TASKS = "II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ (PHỤ LỤC)"
INDICATOR_HEADER = (
    "Chỉ tiêu",
    "Mục tiêu giai đoạn",
    "Năm {year}",
    "Lũy kế giai đoạn",
    "Tỷ lệ so với mục tiêu",
    "Dự báo cuối giai đoạn",
    "Đánh giá",
)
TASK_HEADER = ("TT", "Nội dung nhiệm vụ", "Thời gian", "Đơn vị chủ trì", "Kết quả thực hiện năm {year}")
SECTION_SUPPORT = "III. HỖ TRỢ DOANH NGHIỆP THEO NỘI DUNG HỖ TRỢ"
SUPPORT_HEADER = ("Nội dung hỗ trợ", "Số tổ chức được hỗ trợ trong năm", "Kinh phí hỗ trợ (đồng)")
NO_NOTE = "Chưa có báo cáo kết quả thực hiện."
SECTION_RECORDS = "IV. HỒ SƠ GHI NHẬN TRONG NĂM {year}"
RECORD_HEADER = ("Ngày", "Loại hồ sơ", "Hồ sơ", "Chi tiết", "Kết quả, tình trạng")
NO_RECORDS = "Không có hồ sơ trong năm."
# Every kind of record and every status a drill-down line can carry, in words (a test keeps both complete).
KIND_VI: dict[LineKind, str] = {
    LineKind.PARTICIPATION: "Lượt tham gia bồi dưỡng",
    LineKind.SUPPORT: "Hỗ trợ doanh nghiệp",
    LineKind.CERTIFICATE: "Giấy chứng nhận do phòng thí nghiệm cấp",
    LineKind.ASSESSMENT: "Đánh giá theo bộ tiêu chí quốc gia",
    LineKind.CERTIFICATION: "Chứng nhận của tổ chức dịch vụ",
    LineKind.DEMAND: "Loại phương tiện đo cần kiểm định, hiệu chuẩn",
    LineKind.STANDARD: "Chuẩn đo lường",
    LineKind.REFERENCE_MATERIAL: "Mẫu chuẩn",
}
STATUS_VI: dict[LineStatus, str] = {
    LineStatus.MET: "Đạt bộ tiêu chí",
    LineStatus.PARTIALLY_MET: "Đạt một phần",
    LineStatus.NOT_MET: "Không đạt bộ tiêu chí",
    LineStatus.CALIBRATION: "Hiệu chuẩn",
    LineStatus.VERIFICATION: "Kiểm định",
    LineStatus.COVERED: "Phòng thí nghiệm đã đáp ứng",
    LineStatus.NOT_COVERED: "Chưa đáp ứng",
    LineStatus.BY_LAB: "Do phòng thí nghiệm hoặc Sở thực hiện",
    LineStatus.BY_OTHER_BODY: "Do tổ chức khác thực hiện",
}


def record_rows(lines: tuple[RecordLine, ...]) -> list[list[str]]:
    """The appendix's rows: date, kind of record, record, details, its outcome or status in words."""
    return [
        [
            day_vi(line.day) if line.day else "—",
            KIND_VI[line.line_kind],
            line.what,
            line.detail or "—",
            STATUS_VI[line.status] if line.status else "—",
        ]
        for line in lines
    ]


def number_vi(value: float, decimals: int = 0) -> str:
    """Vietnamese number format: '.' between thousands, ',' before decimals.

    >>> number_vi(1500), number_vi(1234567.891, 1), number_vi(-3.5, 1)
    ('1.500', '1.234.567,9', '-3,5')
    """
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


def percent_vi(fraction: float, decimals: int = 1) -> str:
    """A fraction as a Vietnamese percentage: 0.767 → '76,7%'."""
    return number_vi(100 * fraction, decimals) + "%"


def day_vi(day: date) -> str:
    """A calendar day in Vietnamese (dd/mm/yyyy), by the application's one date formatter."""
    return format_lab_date(day, locale="vi", zone=UTC)  # a calendar day: the zone does not matter


def figure(status_or_row: TargetStatus | IndicatorRow, value: float) -> str:
    indicator = status_or_row.indicator
    return percent_vi(value) if indicator.measure is Measure.SHARE else number_vi(value)


def target_text(status: TargetStatus) -> str:
    """The phase target in words, with the growth target's base spelled out (or its absence)."""
    target = status.target
    if target is None:
        return "(không đặt chỉ tiêu trong giai đoạn)"
    if target.kind is TargetKind.GROWTH and status.required is None:
        return f"tăng {percent_vi(target.value, 0)} so với giai đoạn trước (chưa có số liệu gốc)"
    if status.required is None:
        return "(không đặt chỉ tiêu trong giai đoạn)"
    if target.kind is TargetKind.SHARE_MIN:
        return ("trên " if target.strict else "đạt ") + percent_vi(target.value, 0)
    if target.kind is TargetKind.GROWTH:
        return (
            f"ít nhất {number_vi(status.required)} (tăng {percent_vi(target.value, 0)} so với "
            f"{number_vi(status.previous_actual or 0)} của giai đoạn trước)"
        )
    return f"ít nhất {number_vi(target.value)}"


VERDICT_VI: dict[Verdict, str] = {
    Verdict.MET: "Đạt",
    Verdict.NOT_MET: "Không đạt",
    Verdict.MET_SO_FAR: "Đã đạt",
    Verdict.FORECAST_MET: "Chưa đạt; dự báo đạt cuối giai đoạn",
    Verdict.FORECAST_NOT_MET: "Chưa đạt; dự báo không đạt cuối giai đoạn",
    Verdict.NO_BASELINE: "Chưa có số liệu gốc: cần nhập số liệu của giai đoạn trước",
    Verdict.NO_TARGET: "—",
}


def verdict_text(status: TargetStatus) -> str:
    """The verdict in the report's words: met / not met for a finished phase, never a forecast."""
    return VERDICT_VI[status.verdict]


def forecast_text(row: IndicatorRow) -> str:
    """The running phase's forecast figure, or '—' when there is none (a finished phase has no column)."""
    status = row.status
    if status.forecast is None:
        return "—"
    return figure(row, status.forecast)


def forecast_method(report: AnnualReport) -> str | None:
    """How the running phase's forecasts were made; for a finished phase, that its targets are assessed
    on the whole phase's results (there is no forecast)."""
    if phase_finished(report):
        return (
            f"Giai đoạn {report.phase.id} đã kết thúc: các chỉ tiêu được đánh giá theo kết quả cả giai đoạn."
        )
    forecasts = [row.status for row in report.rows if row.status.forecast is not None]
    if not forecasts:
        return None
    years = max(s.forecast_years for s in forecasts)
    return "Phương pháp dự báo: " + FORECAST_METHOD_VI.format(years=years, end=report.phase.end.year) + "."


def baseline_lines(report: AnnualReport) -> list[str]:
    """Where each growth target's base comes from, or that it is missing."""
    lines = []
    for row in report.rows:
        target = row.status.target
        if target is None or target.kind is not TargetKind.GROWTH:
            continue
        if row.status.baseline_missing:
            lines.append(
                f"{row.indicator.label_vi}: chưa có số liệu gốc của giai đoạn trước; "
                "chỉ tiêu tăng trưởng chưa đánh giá được."
            )
        else:
            lines.append(
                f"{row.indicator.label_vi}: số liệu gốc {number_vi(row.status.previous_actual or 0)} "
                f"({row.baseline_source or 'không rõ nguồn'})."
            )
    return lines


FORECAST_COLUMN = INDICATOR_HEADER.index("Dự báo cuối giai đoạn")


def phase_finished(report: AnnualReport) -> bool:
    """The report's year is its phase's last: figures are facts, the table has no forecast column."""
    return bool(report.rows) and all(row.status.finished for row in report.rows)


def indicator_header(report: AnnualReport) -> list[str]:
    header = [h.format(year=report.year) for h in INDICATOR_HEADER]
    if phase_finished(report):
        del header[FORECAST_COLUMN]
    return header


def indicator_cells(row: IndicatorRow) -> tuple[str, ...]:
    """A row of section I; a finished phase's row has no forecast cell (issue 20: never a forecast)."""
    status = row.status
    label = f"{row.indicator.label_vi} ({row.unit_vi})"
    percent = "—" if status.percent is None else number_vi(status.percent, 1) + "%"
    year_figure = figure(row, row.year_actual)
    if row.indicator.measure is Measure.SHARE:
        year_figure += " (cuối năm)"
    return (
        label,
        target_text(status),
        year_figure,
        figure(row, status.actual),
        percent,
        *(() if status.finished else (forecast_text(row),)),
        verdict_text(status),
    )


def task_result(row: TaskRow, year: int) -> str:
    """Figures of the task's indicators for the year and the phase so far, then the recorded note."""
    parts = [
        f"{f.indicator.label_vi}: năm {year} {figure(f, f.year_actual)}; lũy kế giai đoạn {figure(f, f.status.actual)}."
        for f in row.figures
    ]
    parts.append(row.done or NO_NOTE)
    return " ".join(parts)


def heading_lines(report: AnnualReport) -> list[str]:
    programme = report.programme
    lines = [
        f"Thành phố: {programme.city}",
        f"Văn bản: {programme.document}",
        f"Giai đoạn: {report.phase.id} (từ {day_vi(report.phase.start)} đến {day_vi(report.phase.end)})",
        "Nơi nhận: " + "; ".join(programme.report_to),
    ]
    if report.due_on is not None:
        lines.append(f"Hạn gửi báo cáo: {day_vi(report.due_on)}")
    lines.append(f"Ngày lập: {day_vi(report.generated_on)}")
    return lines


def support_lines(report: AnnualReport) -> list[str]:
    """The year's applications in words (the table of grants follows them)."""
    if report.support is None:
        return []
    s = report.support
    return [
        f"Hồ sơ đề nghị hỗ trợ nhận trong năm {report.year}: {number_vi(s.received)} "
        f"(chấp thuận {number_vi(s.approved)}, từ chối {number_vi(s.rejected)}, đang xét {number_vi(s.pending)})."
    ]

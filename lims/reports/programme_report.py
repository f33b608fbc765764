"""The annual programme report in Vietnamese: a PDF (reportlab, DejaVu Sans) and an XLSX (openpyxl).

Both renderings take the :class:`~lims.services.programme.report.AnnualReport` the service computed and return
bytes; the same text comes from :mod:`lims.reports.programme_text`, so the two files say the same thing.
"""

from __future__ import annotations

import io
from datetime import datetime
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lims.domain.programme import Measure
from lims.reports.fonts import register_fonts
from lims.reports.programme_text import (
    FORECAST_COLUMN,
    NO_RECORDS,
    RECORD_HEADER,
    SECTION_INDICATORS,
    SECTION_RECORDS,
    SECTION_SUPPORT,
    SECTION_TASKS,
    SUPPORT_HEADER,
    TASK_HEADER,
    TITLE,
    baseline_lines,
    forecast_method,
    heading_lines,
    indicator_cells,
    indicator_header,
    number_vi,
    phase_finished,
    record_rows,
    support_lines,
    target_text,
    task_result,
    verdict_text,
)
from lims.services.programme.report import AnnualReport


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = register_fonts()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=14, leading=18, alignment=1, spaceAfter=4),
        "subtitle": ParagraphStyle(
            "subtitle", fontName=regular, fontSize=10, leading=13, alignment=1, spaceAfter=8
        ),
        "body": ParagraphStyle("body", fontName=regular, fontSize=9, leading=12),
        "section": ParagraphStyle(
            "section", fontName=bold, fontSize=11, leading=14, spaceBefore=10, spaceAfter=6
        ),
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=8, leading=10),
        "head": ParagraphStyle("head", fontName=bold, fontSize=8, leading=10, alignment=1),
    }


def _table(rows: list[list[str]], widths: list[float], styles: dict[str, ParagraphStyle]) -> Table:
    data = [[Paragraph(escape(text), styles["head"]) for text in rows[0]]]
    data += [[Paragraph(escape(text), styles["cell"]) for text in row] for row in rows[1:]]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def render_pdf(report: AnnualReport, *, compress: bool = True) -> bytes:
    """The report as PDF bytes; identical input gives identical bytes (reportlab ``invariant``)."""
    styles = _styles()
    buffer = io.BytesIO()
    title = TITLE.format(year=report.year)
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        author=f"Sở Khoa học và Công nghệ – {report.programme.city}",
        invariant=1,
        pageCompression=1 if compress else 0,
    )
    story: list[object] = [
        Paragraph(escape(title), styles["title"]),
        Paragraph(escape(report.programme.title_vi or report.programme.document), styles["subtitle"]),
    ]
    story += [Paragraph(escape(line), styles["body"]) for line in heading_lines(report)]
    story.append(Spacer(1, 4 * mm))
    story.append(Paragraph(escape(SECTION_INDICATORS), styles["section"]))
    rows = [indicator_header(report)] + [list(indicator_cells(row)) for row in report.rows]
    widths = [70 * mm, 45 * mm, 25 * mm, 25 * mm, 22 * mm, 25 * mm, 45 * mm]
    if phase_finished(report):  # no forecast column: its width goes to the indicator's name
        widths = [95 * mm, *widths[1:FORECAST_COLUMN], *widths[FORECAST_COLUMN + 1 :]]
    story.append(_table(rows, widths, styles))
    quotes = [
        f"{row.indicator.label_vi}: “{row.status.target.quote}”"
        for row in report.rows
        if row.status.target and row.status.target.quote
    ]
    notes = baseline_lines(report) + [line for line in [forecast_method(report)] if line]
    if notes:
        story.append(Spacer(1, 2 * mm))
        story += [Paragraph(escape(line), styles["body"]) for line in notes]
    if quotes:
        story.append(Spacer(1, 2 * mm))
        story.append(Paragraph(escape("Nguyên văn chỉ tiêu trong Kế hoạch:"), styles["body"]))
        story += [Paragraph(escape("– " + q), styles["body"]) for q in quotes]
    story.append(Paragraph(escape(SECTION_TASKS), styles["section"]))
    task_rows = [[h.format(year=report.year) for h in TASK_HEADER]]
    task_rows += [
        [row.task.id, row.task.title_vi, row.task.period, row.task.lead_agency, task_result(row, report.year)]
        for row in report.tasks
    ]
    story.append(_table(task_rows, [14 * mm, 100 * mm, 25 * mm, 35 * mm, 93 * mm], styles))
    if report.support is not None:
        story.append(Paragraph(escape(SECTION_SUPPORT), styles["section"]))
        story += [Paragraph(escape(line), styles["body"]) for line in support_lines(report)]
        story.append(Spacer(1, 2 * mm))
        support_rows = [list(SUPPORT_HEADER)] + [
            [line.title_vi, number_vi(line.grants), number_vi(line.amount_vnd)]
            for line in report.support.lines
        ]
        story.append(_table(support_rows, [150 * mm, 60 * mm, 57 * mm], styles))
    story.append(Paragraph(escape(SECTION_RECORDS.format(year=report.year)), styles["section"]))
    for section in report.records:
        story.append(Paragraph(escape(section.indicator.label_vi), styles["body"]))
        if section.lines:
            rows = [list(RECORD_HEADER), *record_rows(section.lines)]
            story.append(_table(rows, [24 * mm, 48 * mm, 75 * mm, 80 * mm, 40 * mm], styles))
        else:
            story.append(Paragraph(escape(NO_RECORDS), styles["body"]))
        story.append(Spacer(1, 2 * mm))
    regular = styles["body"].fontName

    def page_number(canvas: Canvas, document: SimpleDocTemplate) -> None:
        canvas.setFont(regular, 8)
        canvas.drawRightString(document.pagesize[0] - 15 * mm, 8 * mm, f"Trang {document.page}")

    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buffer.getvalue()


def render_xlsx(report: AnnualReport) -> bytes:
    """The report as an XLSX workbook: figures as numbers, one sheet for indicators and one for tasks."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Chỉ tiêu"
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    sheet.append([TITLE.format(year=report.year)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([report.programme.document])
    for line in heading_lines(report):
        sheet.append([line])
    sheet.append([])
    sheet.append([SECTION_INDICATORS])
    sheet.cell(sheet.max_row, 1).font = bold
    header = [
        "Chỉ tiêu",
        "Đơn vị",
        "Mục tiêu giai đoạn",
        "Giá trị mục tiêu",
        f"Năm {report.year}",
        "Lũy kế giai đoạn",
        "Tỷ lệ so với mục tiêu (%)",
        "Dự báo cuối giai đoạn",
        "Đánh giá",
    ]
    finished = phase_finished(report)  # facts only: no forecast column
    if finished:
        header.remove("Dự báo cuối giai đoạn")
    sheet.append(header)
    for cell in sheet[sheet.max_row]:
        cell.font, cell.alignment = bold, wrap
    for row in report.rows:
        status = row.status
        share = row.indicator.measure is Measure.SHARE
        sheet.append(
            [
                row.indicator.label_vi,
                row.unit_vi,
                target_text(status),
                status.required,
                row.year_actual,
                status.actual,
                None if status.percent is None else round(status.percent, 1),
                *(() if finished else (status.forecast,)),
                verdict_text(status),
            ]
        )
        line = sheet[sheet.max_row]
        for cell in (line[3], line[4], line[5], *(() if finished else (line[7],))):
            cell.number_format = "0.0%" if share else "#,##0"
        for cell in line:
            cell.alignment = wrap
    for note in baseline_lines(report) + [line for line in [forecast_method(report)] if line]:
        sheet.append([note])
    widths = (60, 16, 40, 14, 12, 14, 14, *(() if finished else (14,)), 30)
    for column, width in zip("ABCDEFGHI", widths, strict=False):
        sheet.column_dimensions[column].width = width

    tasks = book.create_sheet("Nhiệm vụ")
    tasks.append([SECTION_TASKS])
    tasks["A1"].font = bold
    tasks.append([h.format(year=report.year) for h in TASK_HEADER])
    for cell in tasks[2]:
        cell.font, cell.alignment = bold, wrap
    for task_row in report.tasks:
        tasks.append(
            [
                task_row.task.id,
                task_row.task.title_vi,
                task_row.task.period,
                task_row.task.lead_agency,
                task_result(task_row, report.year),
            ]
        )
        for cell in tasks[tasks.max_row]:
            cell.alignment = wrap
    for index, width in enumerate((8, 70, 14, 28, 70), start=1):
        tasks.column_dimensions[get_column_letter(index)].width = width

    if report.support is not None:
        support = book.create_sheet("Hỗ trợ")
        support.append([SECTION_SUPPORT])
        support["A1"].font = bold
        for line in support_lines(report):
            support.append([line])
        support.append(list(SUPPORT_HEADER))
        for cell in support[support.max_row]:
            cell.font, cell.alignment = bold, wrap
        for item in report.support.lines:
            support.append([item.title_vi, item.grants, item.amount_vnd])
            support.cell(support.max_row, 3).number_format = "#,##0"
        for column, width in zip("ABC", (80, 20, 22), strict=True):
            support.column_dimensions[column].width = width

    listed = book.create_sheet("Hồ sơ")
    listed.append([SECTION_RECORDS.format(year=report.year)])
    listed["A1"].font = bold
    for section in report.records:
        listed.append([section.indicator.label_vi])
        listed.cell(listed.max_row, 1).font = bold
        listed.append(list(RECORD_HEADER))
        for record in record_rows(section.lines) or [["", "", NO_RECORDS, "", ""]]:
            listed.append(record)
        listed.append([])
    for column, width in zip("ABCDE", (14, 36, 50, 60, 28), strict=True):
        listed.column_dimensions[column].width = width

    stamp = datetime(report.generated_on.year, report.generated_on.month, report.generated_on.day)
    book.properties.created = book.properties.modified = stamp
    book.properties.creator = "LIMS"
    book.properties.title = TITLE.format(year=report.year)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

"""The software validation report of ``lims validate`` as a PDF (Vietnamese and English, DejaVu Sans embedded)."""

from __future__ import annotations

import io
import unicodedata
from datetime import tzinfo
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from certificates.fonts import BOLD, REGULAR, register_fonts
from lims.localtime import format_lab_datetime, format_lab_time, lab_zone, to_lab_time
from lims.services.jobs.validation import ValidationReport

GROUP_TITLES = {
    "uncertainty": "Độ không đảm bảo đo / Measurement uncertainty (JCGM 100, JCGM 101, EA-4/02)",
    "certificate": "Giấy chứng nhận / Certificates (7.8.2.1, DCC)",
    "serial": "Thiết bị qua cổng nối tiếp / Serial instruments",
    "database": "Cơ sở dữ liệu / Database (audit trail, migrations)",
}


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(unicodedata.normalize("NFC", text)), style)


def render_validation_pdf(report: ValidationReport, *, zone: tzinfo | None = None) -> bytes:
    """Summary (software identification, verdict) then one table per group: every case with its clause,
    description, expected, obtained, tolerance and result."""
    register_fonts()
    lab = zone or lab_zone()  # the lab's clock (LIMS_TIMEZONE), its UTC offset stated
    offset = to_lab_time(report.started_at, lab).strftime("%z")  # +0700
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=8, leading=10)
    head = ParagraphStyle("head", parent=body, fontName=BOLD, fontSize=14, leading=18)
    sub = ParagraphStyle("sub", parent=body, fontName=BOLD, fontSize=10, leading=13)
    bold = ParagraphStyle("bold", parent=body, fontName=BOLD)
    failed = ParagraphStyle("failed", parent=bold, textColor=colors.HexColor("#a40000"))
    passed = ParagraphStyle("passed", parent=bold, textColor=colors.HexColor("#1b5e20"))
    buffer = io.BytesIO()
    title = "Báo cáo xác nhận giá trị sử dụng phần mềm / Software validation report"
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
        author="lims validate",
        subject="ISO/IEC 17025:2017 7.11.2, 7.11.6",
        lang="vi",
    )
    software = report.software
    libraries = ", ".join(f"{k} {v}" for k, v in software["libraries"].items() if v)
    verdict = (
        "ĐẠT — mọi trường hợp đều đạt / PASSED — every case passed"
        if report.passed
        else f"KHÔNG ĐẠT — {len(report.failures)} trường hợp không đạt / FAILED — "
        f"{len(report.failures)} case(s) failed: {', '.join(r.id for r in report.failures)}"
    )
    story = [
        _p(title, head),
        _p("ISO/IEC 17025:2017 7.11.2, 7.11.6", body),
        _p(
            f"Ngày / Date: {format_lab_datetime(report.started_at, locale='vi', zone=lab, seconds=True)} — "
            f"{format_lab_time(report.finished_at, locale='vi', zone=lab, seconds=True)} (UTC{offset[:3]}:{offset[3:]})",
            body,
        ),
        _p(
            f"Phần mềm / Software: lims {software['version']} · git {software['git_revision'] or '—'} · "
            f"Python {software['python']} · {software['platform']}",
            body,
        ),
        _p(f"Thư viện / Libraries: {libraries}", body),
        _p(f"Cơ sở dữ liệu / Database: {report.database.get('url', '—')}", body),
        _p(
            f"Số trường hợp / Cases: {len(report.results)} · đạt / passed "
            f"{len(report.results) - len(report.failures)} · không đạt / failed {len(report.failures)}",
            body,
        ),
        _p(f"Kết luận / Verdict: {verdict}", passed if report.passed else failed),
        Spacer(1, 4 * mm),
    ]
    headers = (
        "Mã / ID",
        "Điều khoản / Clause",
        "Mô tả / Description",
        "Mong đợi / Expected",
        "Thu được / Obtained",
        "Dung sai / Tolerance",
        "Kết quả / Result",
    )
    widths = [x * mm for x in (38, 30, 68, 40, 56, 20, 21)]
    groups: list[str] = []
    for result in report.results:
        if result.group not in groups:
            groups.append(result.group)
    for group in groups:
        story.append(_p(GROUP_TITLES.get(group, group), sub))
        rows = [[_p(h, bold) for h in headers]]
        for r in (x for x in report.results if x.group == group):
            rows.append(
                [
                    _p(r.id, body),
                    _p(r.clause, body),
                    _p(f"{r.description_vi} / {r.description_en}", body),
                    _p(r.expected, body),
                    _p(r.obtained, body),
                    _p(r.tolerance, body),
                    _p("Đạt / Pass" if r.passed else "KHÔNG ĐẠT / FAIL", passed if r.passed else failed),
                ]
            )
        table = Table(rows, colWidths=widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story += [table, Spacer(1, 4 * mm)]
    story.append(
        _p(
            "Người xem xét / Reviewed by: ____________________   Ngày / Date: ____________   "
            "Chữ ký / Signature: ____________________",
            body,
        )
    )
    doc.build(story)
    return buffer.getvalue()

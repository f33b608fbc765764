"""The auditor's export of a traceability chain as a PDF (bilingual headings, DejaVu Sans embedded)."""

from __future__ import annotations

import io
import unicodedata
from datetime import date, datetime, tzinfo
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from certificates.fonts import BOLD, REGULAR, register_fonts
from lims.domain.traceability import TraceabilityChain
from lims.localtime import format_lab_date, format_lab_datetime, lab_zone, to_lab_time


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(unicodedata.normalize("NFC", text)), style)


def render_chain_pdf(
    chain: TraceabilityChain, *, lab_name: str, generated_at: datetime, zone: tzinfo | None = None
) -> bytes:
    """One document: subject, date, verdict, every link with its certificate and issuer, every finding.

    Dates are written day first as Vietnamese documents write them; the time of generation is the lab's
    (``zone``, from ``LIMS_TIMEZONE``), its UTC offset stated.
    """
    lab = zone or lab_zone()

    def day(value: date) -> str:
        return format_lab_date(value, locale="vi", zone=lab)

    offset = to_lab_time(generated_at, lab).strftime("%z")  # +0700

    register_fonts()
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=9, leading=11.5)
    head = ParagraphStyle("head", parent=body, fontName=BOLD, fontSize=14, leading=18)
    bold = ParagraphStyle("bold", parent=body, fontName=BOLD)
    buffer = io.BytesIO()
    title = f"Chuỗi liên kết chuẩn / Traceability chain — {chain.subject}"
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        author=lab_name,
        subject="ISO/IEC 17025:2017 6.5",
        lang="vi",
    )
    verdict = (
        (
            "Đầy đủ — mọi nhánh kết thúc tại viện đo lường quốc gia hoặc phòng thí nghiệm được công nhận / "
            "Complete"
        )
        if chain.complete
        else "Chưa đầy đủ / Not complete"
    )
    story = [
        _p(title, head),
        _p(lab_name, body),
        _p(
            f"Tại ngày / As on: {day(chain.on)} · Lập lúc / Generated: "
            f"{format_lab_datetime(generated_at, locale='vi', zone=lab)} (UTC{offset[:3]}:{offset[3:]})",
            body,
        ),
        _p(f"Kết luận / Verdict: {verdict}", bold),
        Spacer(1, 4 * mm),
    ]
    rows = [
        [
            _p(h, bold)
            for h in (
                "#",
                "Từ / From",
                "Đến / To",
                "Giấy chứng nhận / Certificate",
                "Đơn vị cấp / Issuer",
                "Hiệu lực đến / Valid until",
                "U",
                "Cuối / Terminal",
            )
        ]
    ]
    for index, link in enumerate(chain.links):
        cal = link.calibration
        uncertainty = (
            f"{link.expanded_uncertainty:g} {link.unit}" if link.expanded_uncertainty is not None else ""
        )
        rows.append(
            [
                _p(str(index), body),
                _p(link.source or chain.subject, body),
                _p(link.target, body),
                _p(cal.certificate_number if cal else "—", body),
                _p(cal.issuer.name if cal else "", body),
                _p(day(cal.valid_until) if cal else "", body),
                _p(uncertainty, body),
                _p("✓" if link.terminal else "", body),
            ]
        )
    table = Table(
        rows, repeatRows=1, colWidths=[10 * mm, 35 * mm, 35 * mm, 45 * mm, 70 * mm, 27 * mm, 25 * mm, 18 * mm]
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    story.append(Spacer(1, 4 * mm))
    story.append(_p("Phát hiện / Findings", bold))
    if not chain.findings:
        story.append(_p("Không có / None", body))
    for finding in chain.findings:
        story.append(_p(f"[{finding.severity.value}] {finding.kind.value}: {finding.message}", body))
    doc.build(story)
    return buffer.getvalue()

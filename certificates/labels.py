"""Instrument labels: a printable sticker sheet (PDF) with one label per certificate.

A label carries the certificate number, the date, the status and the QR code of the verification URL; a
verification label adds the stamp (tem) number and the validity date. A calibration label shows a
recalibration date only when the customer asked for one (ISO/IEC 17025:2017 7.8.4.3 applies to labels too).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from certificates.data import CertificateData, CertificateKind
from certificates.errors import CertificateDataError
from certificates.fonts import BOLD, REGULAR, register_fonts
from certificates.formatting import format_date
from certificates.graphics import qr_flowable
from certificates.wording import Text, nfc

__all__ = ["LabelSheet", "label_lines", "render_labels"]


@dataclass(frozen=True, slots=True)
class LabelSheet:
    """Geometry of an A4 sticker sheet in millimetres; the default is the common 3 × 8 sheet of 70 × 37 mm."""

    columns: int = 3
    rows: int = 8
    label_width_mm: float = 70.0
    label_height_mm: float = 37.0
    left_margin_mm: float = 0.0
    top_margin_mm: float = 0.5
    padding_mm: float = 2.5

    def __post_init__(self) -> None:
        if self.columns < 1 or self.rows < 1:
            raise CertificateDataError("sheet.columns", "a sheet has at least one row and one column")
        if (
            self.left_margin_mm + self.columns * self.label_width_mm > A4[0] / mm + 1e-9
            or self.top_margin_mm + self.rows * self.label_height_mm > A4[1] / mm + 1e-9
        ):
            raise CertificateDataError("sheet", "the labels do not fit on an A4 page")
        if self.label_height_mm < 20 or self.label_width_mm < 45:
            raise CertificateDataError(
                "sheet.label_width_mm",
                "labels smaller than 45 × 20 mm cannot hold a readable QR code and the mandatory text",
            )

    @property
    def per_page(self) -> int:
        """Labels per sheet."""
        return self.columns * self.rows


STATUS = {
    "calibrated": Text("ĐÃ HIỆU CHUẨN", "CALIBRATED"),
    # Never the words of the official stamp (issue 17): the label names the certificate, and the stamp's
    # number only as a reference to the stamp the authority issued.
    "verification": Text("GIẤY CHỨNG NHẬN KIỂM ĐỊNH", "VERIFICATION CERTIFICATE"),
    "withdrawn": Text("ĐÃ THU HỒI", "WITHDRAWN"),
    "superseded": Text("ĐÃ ĐƯỢC THAY THẾ", "SUPERSEDED"),
}


def label_lines(data: CertificateData) -> list[tuple[str, bool]]:
    """The label's text lines as (text, bold), NFC-normalised.

    >>> from certificates.examples import example_verification
    >>> for text, bold in label_lines(example_verification())[2:]:
    ...     print(text)
    Số / No.: KĐ-2026-00007
    Ngày / Date: 2026-11-18
    Tham chiếu số tem / Stamp ref.: DN-26-001234
    GCN hiệu lực đến / Valid until: 2027-11-17
    """
    fmt = data.wording.date_format
    if data.withdrawal is not None:
        status = STATUS["withdrawn"]
    elif data.superseded_by:
        status = STATUS["superseded"]
    elif data.verification is not None:
        status = STATUS["verification"]
    else:
        status = STATUS["calibrated"]
    lines = [
        (data.lab.short_name or data.lab.name.vi, True),
        (f"{status.vi} / {status.en}", True),
        (f"Số / No.: {data.number}", True),
        (f"Ngày / Date: {format_date(data.performed_to, fmt)}", False),
    ]
    if data.kind is CertificateKind.VERIFICATION and data.verification is not None:
        lines += [
            (f"Tham chiếu số tem / Stamp ref.: {data.verification.stamp_number}", False),
            (f"GCN hiệu lực đến / Valid until: {format_date(data.verification.valid_until, fmt)}", False),
        ]
    elif data.recalibration_due is not None:
        lines.append((f"HC lại trước / Recalibrate by: {format_date(data.recalibration_due, fmt)}", False))
    return [(nfc(text), bold) for text, bold in lines]


def _fit(text: str, font: str, size: float, width: float) -> float:
    while size > 4.5 and stringWidth(text, font, size) > width:
        size -= 0.25
    return size


def render_labels(
    data: CertificateData | Sequence[CertificateData],
    *,
    copies: int = 1,
    sheet: LabelSheet = LabelSheet(),
    invariant: bool = False,
) -> bytes:
    """A PDF sheet with ``copies`` labels per certificate, in order, on as many pages as needed.

    >>> from certificates.examples import example_calibration
    >>> render_labels(example_calibration(3), copies=2, invariant=True)[:5]
    b'%PDF-'
    """
    items = [data] if isinstance(data, CertificateData) else list(data)
    if not items:
        raise CertificateDataError("data", "give at least one certificate")
    for index, item in enumerate(items):
        if not isinstance(item, CertificateData):
            raise CertificateDataError(
                f"data[{index}]", f"must be CertificateData, not {type(item).__name__}"
            )
    if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= 100:
        raise CertificateDataError("copies", f"must be a whole number from 1 to 100, not {copies!r}")
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=int(invariant), initialFontName=REGULAR, lang="vi")
    canvas.setTitle(nfc("Tem nhãn / Labels: " + ", ".join(i.number for i in items)))
    canvas.setAuthor(nfc(items[0].lab.name.vi))
    canvas.setSubject("Instrument labels")
    canvas.setCreator("lims certificates")
    w, h, pad = sheet.label_width_mm * mm, sheet.label_height_mm * mm, sheet.padding_mm * mm
    queue = [item for item in items for _ in range(copies)]
    for position, item in enumerate(queue):
        slot = position % sheet.per_page
        if position and slot == 0:
            canvas.showPage()
        column, row = slot % sheet.columns, slot // sheet.columns
        x = sheet.left_margin_mm * mm + column * w
        y = A4[1] - sheet.top_margin_mm * mm - (row + 1) * h
        qr_size = h - 2 * pad
        code = qr_flowable(item.verification_url, size_pt=qr_size)
        code.wrapOn(canvas, qr_size, qr_size)
        code.drawOn(canvas, x + w - pad - qr_size, y + pad)
        text_width = w - 3 * pad - qr_size
        lines = label_lines(item)
        step = (h - 2 * pad) / len(lines)
        for number, (text, bold) in enumerate(lines):
            font = BOLD if bold else REGULAR
            canvas.setFont(font, _fit(text, font, 6.5, text_width))
            canvas.drawString(x + pad, y + h - pad - step * (number + 0.75), text)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()

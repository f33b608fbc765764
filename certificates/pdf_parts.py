"""Building blocks of the PDF certificate: page geometry, styles, cached paragraphs, captions, tables."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape, unescape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    Flowable,
    Paragraph,
    Table,
    TableStyle,
)
from reportlab.platypus.paragraph import cleanBlockQuotedText
from reportlab.platypus.paraparser import ParaParser

from certificates.data import CertificateData
from certificates.errors import CertificateDataError
from certificates.fonts import BOLD, ITALIC, REGULAR
from certificates.formatting import (
    decimal_of,
    format_date,
    format_decimal,
)
from certificates.pdf_text import Label
from certificates.wording import Text, nfc

__all__: list[str] = []

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 14 * mm
HEADER_HEIGHT = 15 * mm  # the running header takes 12 mm (three lines and a rule)
FOOTER_HEIGHT = 10 * mm  # the reproduction statement under its rule takes 8 mm
BODY_WIDTH = PAGE_WIDTH - 2 * MARGIN
GREY = colors.HexColor("#555555")
LINE = colors.HexColor("#9a9a9a")
HEAD_FILL = colors.HexColor("#e8eef5")

_STYLES = {
    "body": ParagraphStyle("body", fontName=REGULAR, fontSize=8.5, leading=10.5),
    "small": ParagraphStyle("small", fontName=REGULAR, fontSize=7.5, leading=9.5),
    "cell": ParagraphStyle("cell", fontName=REGULAR, fontSize=7.5, leading=9.2, alignment=TA_CENTER),
    "label": ParagraphStyle("label", fontName=BOLD, fontSize=8.5, leading=11),
    "heading": ParagraphStyle(
        "heading", fontName=BOLD, fontSize=9.5, leading=12, spaceBefore=5, spaceAfter=1.5, keepWithNext=1
    ),
    "series": ParagraphStyle("series", fontName=BOLD, fontSize=9.5, leading=12, spaceBefore=2, spaceAfter=2),
    "title": ParagraphStyle("title", fontName=BOLD, fontSize=15, leading=18, alignment=TA_CENTER),
    "subtitle": ParagraphStyle(
        "subtitle", fontName=ITALIC, fontSize=11, leading=13, alignment=TA_CENTER, textColor=GREY
    ),
    "banner": ParagraphStyle(
        "banner", fontName=BOLD, fontSize=9, leading=12, textColor=colors.HexColor("#a00000")
    ),
    "end": ParagraphStyle("end", fontName=BOLD, fontSize=8.5, leading=11, alignment=TA_CENTER, spaceBefore=5),
}


def _x(text: str) -> str:
    """``text`` for paragraph markup; a no-break space before "%" so that "95 %" never ends a line without its
    percent sign (the English uncertainty paragraph broke there: "approximately 95" / "%")."""
    return escape(nfc(text)).replace(" %", "\u00a0%")


def _bi(text: Text, *, sep: str = "<br/>") -> str:
    """Vietnamese, then English in italics; markup-safe. A text written once (a name) is printed once."""
    if text.en == text.vi:
        return _x(text.vi)
    return f"{_x(text.vi)}{sep}<i>{_x(text.en)}</i>"


def _label(label: Label) -> Flowable:
    return _TwoLines(label)


@functools.lru_cache(maxsize=8192)
def _parsed(markup: str, style: str) -> tuple[Any, ...]:
    """Parsed paragraph fragments; most markup repeats between certificates, and parsing dominates."""
    parser = ParaParser()
    _style, frags, _bullet = parser.parse(cleanBlockQuotedText(markup), _STYLES[style])
    if frags is None:
        raise CertificateDataError("text", f"cannot be typeset ({parser.errors[0]}): {markup[:60]!r}")
    return tuple(frags)


class _Paragraph(Paragraph):  # type: ignore[misc]
    """A paragraph that remembers its line breaking for a given width.

    Tables and KeepTogether wrap the same paragraph several times at the same width; the line breaking does
    not depend on the available height, so the repeated calls can reuse the first result.
    """

    _wrapped: tuple[float, tuple[float, float]] | None = None

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        # split() drops the line breaking when the paragraph cannot be split; it must then be redone
        if self._wrapped is not None and self._wrapped[0] == avail_width and hasattr(self, "blPara"):
            return self._wrapped[1]
        size: tuple[float, float] = super().wrap(avail_width, avail_height)
        self._wrapped = (avail_width, size)
        return size


def _p(markup: str, style: str = "body") -> Paragraph:
    # fragments are cloned because reportlab may append a space to a fragment while splitting lines
    return _Paragraph(markup, _STYLES[style], frags=[f.clone() for f in _parsed(markup, style)])


class _TwoLines(Flowable):  # type: ignore[misc]
    """A caption "Vietnamese / English" (English in italics) on one line, or on two when it does not fit.

    Drawn straight onto the canvas: no paragraph parsing, which matters for the twenty captions per page.
    """

    def __init__(self, label: Label) -> None:
        super().__init__()
        self.vi, self.en = nfc(label.vi), nfc(label.en)
        self._one_line = False

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width = avail_width
        needed = stringWidth(self.vi + " / ", BOLD, 8.5) + stringWidth(self.en, ITALIC, 7.5)
        self._one_line = needed <= avail_width
        self.height = 10.5 if self._one_line else 19.5
        return avail_width, self.height

    def draw(self) -> None:
        canvas = self.canv
        if self._one_line:
            canvas.setFont(BOLD, 8.5)
            canvas.drawString(0, 2.5, self.vi + " / ")
            canvas.setFont(ITALIC, 7.5)
            canvas.drawString(stringWidth(self.vi + " / ", BOLD, 8.5), 2.5, self.en)
            return
        canvas.setFont(BOLD, _fit(self.vi, BOLD, 8.5, self.width))
        canvas.drawString(0, 10.5, self.vi)
        canvas.setFont(ITALIC, _fit(self.en, ITALIC, 7.5, self.width))
        canvas.drawString(0, 2.5, self.en)


def _fit(text: str, font: str, size: float, width: float) -> float:
    while size > 5 and stringWidth(text, font, size) > width:
        size -= 0.25
    return size


def _date(data: CertificateData, day: Any) -> str:
    return format_date(day, data.wording.date_format)


def _num(data: CertificateData, value: Any) -> str:
    return format_decimal(decimal_of(value), decimal_separator=data.wording.decimal_separator)


def _cell(markup: str, width: float) -> str | Paragraph:
    """Plain one-line text as a string cell (drawn directly); markup or wrapping needs a paragraph."""
    if "<" not in markup:
        text = unescape(markup)
        if stringWidth(text, REGULAR, 8.5) <= width - 12:
            return text
    return _p(markup)


LABEL_WIDTH = 70 * mm  # wide enough for most "Vietnamese / English" captions on one line


def _kv_table(rows: Sequence[tuple[Label, str]]) -> Table:
    value_width = BODY_WIDTH - LABEL_WIDTH
    table = Table([[_label(k), _cell(v, value_width)] for k, v in rows], colWidths=[LABEL_WIDTH, value_width])
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), REGULAR, 7.5),
                ("FONT", (1, 0), (1, -1), REGULAR, 8.5, 10.5),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#e0e0e0")),
            ]
        )
    )
    return table

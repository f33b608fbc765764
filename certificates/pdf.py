"""The bilingual PDF certificate: ``render_pdf(data) -> bytes``.

Layout and the ISO/IEC 17025:2017 item each part carries (the full map is in docs/certificates.md):

* every page: laboratory name and address (7.8.2.1 b), certificate number and "Trang x/y — Page x of y"
  (7.8.2.1 d), the reproduction statement, and a WITHDRAWN / SUPERSEDED mark when the certificate is no
  longer current (7.8.8);
* title (a), amendment note (7.8.8.2), item (g), customer (e), method and deviations (f, n), sampling (k),
  location (c), dates (h, i, j), verification result, stamp and validity for kiểm định;
* signatory, function and time of the electronic signature (o) and a QR code of the verification URL;
* one table per quantity (m; as-found and as-left values, 7.8.4.1 d) and a chart of errors with U bars
  against the MPE; customer-supplied (7.8.2.2) and external (p) results marked;
* expanded uncertainty statement (7.8.4.1 a, EA-4/02, ILAC-P14), traceability and standards (7.8.4.1 c),
  environment (7.8.4.1 b), decision rule and conformity (7.8.4.1 e, 7.8.6), opinions (7.8.4.1 f, 7.8.7),
  the statement that results relate only to the item (l), and a clear end of the certificate (d).

Every string goes through :func:`certificates.wording.nfc` and is XML-escaped before it is drawn.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFStream, PDFString
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    PageTemplate,
)

from certificates.data import CertificateData
from certificates.embed import DCC_DESCRIPTION, DCC_FILENAME
from certificates.errors import CertificateDataError
from certificates.fonts import BOLD, ITALIC, REGULAR, register_fonts
from certificates.labels import render_labels
from certificates.pdf_parts import (
    BODY_WIDTH,
    FOOTER_HEIGHT,
    GREY,
    HEADER_HEIGHT,
    LINE,
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
)
from certificates.pdf_sections import story
from certificates.wording import nfc

__all__ = ["render_labels", "render_pdf"]


def _page_decorations(data: CertificateData) -> Callable[[Canvas, Any], None]:
    lab, w = data.lab, data.wording
    reproduction = w.reproduction.format(lab=lab.name.vi)
    mark = (
        w.withdrawn
        if data.withdrawal is not None
        else (w.superseded.format(number=data.superseded_by) if data.superseded_by else None)
    )

    def draw(canvas: Canvas, _doc: Any) -> None:
        canvas.saveState()
        top = PAGE_HEIGHT - MARGIN
        canvas.setFont(BOLD, 8.5)
        canvas.drawString(MARGIN, top - 9, nfc(lab.name.vi))
        canvas.setFont(ITALIC, 7.5)
        canvas.drawString(MARGIN, top - 18, nfc(lab.name.en))
        canvas.setFont(REGULAR, 7)
        contact = " · ".join(v for v in (lab.address.one_line(), lab.phone, lab.email) if v)
        canvas.drawString(MARGIN, top - 27, nfc(contact))
        canvas.setFont(BOLD, 9)
        canvas.drawRightString(PAGE_WIDTH - MARGIN, top - 9, nfc(f"Số / No.: {data.number}"))
        canvas.setStrokeColor(LINE)
        canvas.line(MARGIN, top - 33, PAGE_WIDTH - MARGIN, top - 33)
        canvas.line(MARGIN, MARGIN + 22, PAGE_WIDTH - MARGIN, MARGIN + 22)
        canvas.setFont(REGULAR, 6.5)
        canvas.setFillColor(GREY)
        canvas.drawString(MARGIN, MARGIN + 13, nfc(reproduction.vi))
        canvas.drawString(MARGIN, MARGIN + 5, nfc(reproduction.en))
        if mark is not None:
            canvas.setFillColor(colors.Color(0.75, 0, 0, alpha=1))
            canvas.setFont(BOLD, 40)
            canvas.translate(PAGE_WIDTH / 2, PAGE_HEIGHT / 2)
            canvas.rotate(35)
            canvas.drawCentredString(0, 12, nfc(mark.vi))
            canvas.setFont(BOLD, 30)
            canvas.drawCentredString(0, -30, nfc(mark.en))
        canvas.restoreState()

    return draw


def attach_dcc(canvas: Canvas, xml: bytes, *, filename: str = DCC_FILENAME) -> None:
    """Attach ``xml`` to the document being written as its associated DCC (PDF/A-3 style).

    The same structure as :func:`certificates.embed.embed_dcc` (embedded file stream, file specification with
    ``/AFRelationship /Alternative``, ``/Names /EmbeddedFiles`` and the catalog's ``/AF`` array), written by
    reportlab itself, which spares re-reading and re-writing the whole PDF with pikepdf.
    """
    document = canvas._doc
    stream = PDFStream(
        PDFDictionary(
            {
                "Type": PDFName("EmbeddedFile"),
                "Subtype": "/application#2Fxml",  # written as is: PDFName() would escape the "#"
                "Params": PDFDictionary({"Size": len(xml)}),
            }
        ),
        content=bytes(xml),
    )
    stream_ref = document.Reference(stream)
    spec = PDFDictionary(
        {
            "Type": PDFName("Filespec"),
            "F": PDFString(filename),
            "UF": PDFString(filename),
            "Desc": PDFString(DCC_DESCRIPTION),
            "AFRelationship": PDFName("Alternative"),
            "EF": PDFDictionary({"F": stream_ref, "UF": stream_ref}),
        }
    )
    spec_ref = document.Reference(spec)
    catalog = document.Catalog
    catalog.__NoDefault__ = [*type(catalog).__NoDefault__, "AF"]  # reportlab writes only the keys it lists
    catalog.AF = PDFArray([spec_ref])
    catalog.Names = PDFDictionary(
        {"EmbeddedFiles": PDFDictionary({"Names": PDFArray([PDFString(filename), spec_ref])})}
    )


def _numbered_canvas(number: str, attachment: bytes | None = None) -> type[Canvas]:
    """A canvas that writes "Trang x/y — Page x of y" once the page count is known (7.8.2.1 d)."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(REGULAR, 8)
                self.drawRightString(
                    PAGE_WIDTH - MARGIN,
                    PAGE_HEIGHT - MARGIN - 20,
                    f"Trang {self._pageNumber}/{total} — Page {self._pageNumber} of {total}",
                )
                Canvas.showPage(self)
            if attachment is not None:
                attach_dcc(self, attachment)
            Canvas.save(self)

    NumberedCanvas.__name__ = f"NumberedCanvas[{number}]"
    return NumberedCanvas


def render_pdf(data: CertificateData, *, invariant: bool = False, dcc: bytes | None = None) -> bytes:
    """Render the certificate; ``invariant=True`` gives byte-identical output for identical data (tests).

    ``dcc``: the certificate's DCC XML, attached as ``dcc.xml`` while the PDF is written (validate it first,
    as :func:`certificates.bundle.issue_files` does); :func:`certificates.embed.extract_dcc` reads it back.

    >>> from certificates.examples import example_calibration
    >>> render_pdf(example_calibration(3), invariant=True)[:8]
    b'%PDF-1.4'
    """
    if not isinstance(data, CertificateData):
        raise TypeError(f"render_pdf needs CertificateData, not {type(data).__name__}")
    register_fonts()
    buffer = io.BytesIO()
    title = data.title
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + HEADER_HEIGHT,
        bottomMargin=MARGIN + FOOTER_HEIGHT,
        title=nfc(f"{title.vi} / {title.en} {data.number}"),
        author=nfc(data.lab.name.vi),
        subject=nfc(f"{data.item.name.vi} / {data.item.name.en} {data.item.serial_number}"),
        keywords=nfc(f"{data.number}, {data.kind.value}, {data.method.reference}"),
        creator="lims certificates",
        producer="lims certificates (ReportLab)",
        lang="vi",
        invariant=int(invariant),
        initialFontName=REGULAR,
        pageCompression=1,
    )
    frame = Frame(
        MARGIN,
        MARGIN + FOOTER_HEIGHT,
        BODY_WIDTH,
        PAGE_HEIGHT - 2 * MARGIN - HEADER_HEIGHT - FOOTER_HEIGHT,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates([PageTemplate(id="certificate", frames=[frame], onPage=_page_decorations(data))])
    if dcc is not None and (not isinstance(dcc, bytes | bytearray) or not dcc):
        raise CertificateDataError("dcc", "must be the non-empty XML bytes of the DCC")
    doc.build(story(data), canvasmaker=_numbered_canvas(data.number, dcc))
    return buffer.getvalue()

"""One file that carries both: the DCC XML embedded in the PDF as an associated file (PDF/A-3 style).

The XML is attached as an embedded file with ``/AFRelationship /Alternative`` (the XML is an alternative,
machine-readable representation of the same certificate, ISO 32000-2 14.13 / PDF/A-3 6.8) and listed in the
catalog's ``/AF`` array, so a customer's document system can take the DCC out of the PDF it archives.
The rendered PDF is not claimed to be PDF/A: that needs an output intent and a conformance check
(veraPDF) that are not available offline.
"""

from __future__ import annotations

import io

import pikepdf
from pikepdf import Array, Name

from certificates.dcc_schema import MAX_DCC_BYTES, validate_dcc
from certificates.errors import PdfAttachmentError

__all__ = ["DCC_DESCRIPTION", "DCC_FILENAME", "embed_dcc", "extract_dcc"]

DCC_FILENAME = "dcc.xml"
DCC_DESCRIPTION = "Digital Calibration Certificate (PTB DCC 3.1.2)"
_MIME = "application/xml"


def _open(pdf_bytes: bytes) -> pikepdf.Pdf:
    if not isinstance(pdf_bytes, bytes | bytearray) or not bytes(pdf_bytes[:5]) == b"%PDF-":
        raise PdfAttachmentError("not a PDF document (it does not start with %PDF-)")
    try:
        return pikepdf.open(io.BytesIO(bytes(pdf_bytes)))
    except pikepdf.PdfError as exc:
        raise PdfAttachmentError(f"the PDF cannot be read: {exc}") from None


def embed_dcc(
    pdf_bytes: bytes, xml_bytes: bytes, *, filename: str = DCC_FILENAME, validate: bool = True
) -> bytes:
    """Return ``pdf_bytes`` with ``xml_bytes`` attached as its associated DCC (deterministic output).

    ``validate`` checks the XML against the DCC 3.1.2 schema first, so an invalid DCC is never issued.
    An existing attachment of the same name is replaced.

    >>> from certificates.examples import example_calibration
    >>> from certificates.pdf import render_pdf
    >>> from certificates.dcc import render_dcc
    >>> data = example_calibration(3)
    >>> xml = render_dcc(data, software_release="test")
    >>> extract_dcc(embed_dcc(render_pdf(data, invariant=True), xml)) == xml
    True
    """
    if not isinstance(xml_bytes, bytes | bytearray) or not xml_bytes:
        raise PdfAttachmentError("the DCC must be non-empty bytes")
    if len(xml_bytes) > MAX_DCC_BYTES:
        raise PdfAttachmentError(f"the DCC of {len(xml_bytes)} bytes exceeds {MAX_DCC_BYTES} bytes")
    if not filename or "/" in filename or "\\" in filename:
        raise PdfAttachmentError(f"attachment file name {filename!r} is not a plain file name")
    if validate:
        validate_dcc(bytes(xml_bytes))
    with _open(pdf_bytes) as pdf:
        spec = pikepdf.AttachedFileSpec(
            pdf,
            bytes(xml_bytes),
            description=DCC_DESCRIPTION,
            filename=filename,
            mime_type=_MIME,
            relationship=Name.Alternative,
        )
        pdf.attachments[filename] = spec
        others = [f for f in pdf.Root.get("/AF", Array()) if str(f.get("/UF", f.get("/F", ""))) != filename]
        pdf.Root.AF = pdf.make_indirect(Array([*others, spec.obj]))
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
    return out.getvalue()


def extract_dcc(pdf_bytes: bytes, *, filename: str = DCC_FILENAME) -> bytes | None:
    """The DCC attached to a PDF, or ``None`` when it carries none.

    The associated files (``/AF``) are searched first for ``filename``, then for any XML attachment that is
    a DCC, then the plain attachment of that name.
    """
    with _open(pdf_bytes) as pdf:
        candidates = []
        for spec in pdf.Root.get("/AF", Array()):
            name = str(spec.get("/UF", spec.get("/F", "")))
            embedded = spec.get("/EF")
            stream = embedded.get("/F") if embedded is not None else None
            if stream is not None:
                candidates.append((name, bytes(stream.read_bytes())))
        for name, data in candidates:
            if name == filename:
                return data
        for _name, data in candidates:
            if b"digitalCalibrationCertificate" in data[:4096]:
                return data
        if filename in pdf.attachments:
            return bytes(pdf.attachments[filename].get_file().read_bytes())
    return None

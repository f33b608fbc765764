"""The files issued for one certificate, made in one call: PDF with its DCC embedded, the DCC, their hashes.

This is the unit of work of an issuing run (ISO/IEC 17025:2017 7.8.8: issued certificates are stored and
never regenerated). It is a plain function of :class:`~certificates.data.CertificateData`, so a batch can be
spread over worker processes (``concurrent.futures.ProcessPoolExecutor``), as ``bench/certificate_bench.py``
does; the caller stores the bytes and the digests.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from certificates.data import CertificateData
from certificates.dcc import render_dcc
from certificates.dcc_schema import validate_dcc
from certificates.pdf import render_pdf

__all__ = ["IssuedFiles", "issue_files"]


@dataclass(frozen=True, slots=True)
class IssuedFiles:
    """The bytes to store at issue and their SHA-256 digests (hex), for the public verification page."""

    number: str
    pdf: bytes  # the certificate with the DCC attached (associated file)
    dcc: bytes  # the DCC XML, validated against DCC 3.1.2
    pdf_sha256: str
    dcc_sha256: str


def issue_files(
    data: CertificateData, *, software_release: str | None = None, invariant: bool = False
) -> IssuedFiles:
    """Render the PDF and the DCC, validate the DCC, embed it in the PDF and hash both.

    >>> from certificates.examples import example_calibration
    >>> files = issue_files(example_calibration(3), software_release="test", invariant=True)
    >>> files.number, len(files.pdf_sha256), files.pdf.startswith(b"%PDF-")
    ('HC-2026-00042', 64, True)
    """
    dcc = render_dcc(data, software_release=software_release)
    validate_dcc(dcc)
    pdf = render_pdf(data, invariant=invariant, dcc=dcc)
    return IssuedFiles(
        data.number, pdf, dcc, hashlib.sha256(pdf).hexdigest(), hashlib.sha256(dcc).hexdigest()
    )

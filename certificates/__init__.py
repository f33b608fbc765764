"""Rendering of calibration and verification certificates (PDF, DCC XML, labels) from plain data.

The application builds a :class:`CertificateData` from its records; this package turns it into bytes and
never imports the application (tests/test_architecture.py).
"""

from certificates.bundle import IssuedFiles, issue_files
from certificates.data import CertificateData, CertificateKind
from certificates.dcc import render_dcc, validate_dcc
from certificates.dcc_read import ImportedCalibration, read_dcc
from certificates.embed import embed_dcc, extract_dcc
from certificates.errors import CertificateDataError, CertificateError, DccValidationError
from certificates.labels import render_labels
from certificates.pdf import render_pdf

__all__ = [
    "CertificateData",
    "CertificateDataError",
    "CertificateError",
    "CertificateKind",
    "DccValidationError",
    "ImportedCalibration",
    "IssuedFiles",
    "embed_dcc",
    "extract_dcc",
    "issue_files",
    "read_dcc",
    "render_dcc",
    "render_labels",
    "render_pdf",
    "validate_dcc",
]

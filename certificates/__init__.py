"""Rendering of calibration and verification certificates (PDF, DCC XML, labels) from plain data.

The application builds a :class:`CertificateData` from its records; this package turns it into bytes and
never imports the application (tests/test_architecture.py). The renderers are imported on first use, so
that ``lims.domain`` can import the pure vocabulary :mod:`certificates.metrology` without reportlab.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from certificates.bundle import IssuedFiles, issue_files  # noqa: F401
    from certificates.data import CertificateData, CertificateKind  # noqa: F401
    from certificates.dcc import render_dcc, validate_dcc  # noqa: F401
    from certificates.dcc_read import ImportedCalibration, read_dcc  # noqa: F401
    from certificates.embed import embed_dcc, extract_dcc  # noqa: F401
    from certificates.errors import CertificateDataError, CertificateError, DccValidationError  # noqa: F401
    from certificates.labels import render_labels  # noqa: F401
    from certificates.pdf import render_pdf  # noqa: F401

_WHERE = {
    "IssuedFiles": "bundle",
    "issue_files": "bundle",
    "CertificateData": "data",
    "CertificateKind": "data",
    "render_dcc": "dcc",
    "validate_dcc": "dcc",
    "ImportedCalibration": "dcc_read",
    "read_dcc": "dcc_read",
    "embed_dcc": "embed",
    "extract_dcc": "embed",
    "CertificateDataError": "errors",
    "CertificateError": "errors",
    "DccValidationError": "errors",
    "render_labels": "labels",
    "render_pdf": "pdf",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'certificates' has no attribute {name!r}")
    return getattr(importlib.import_module(f"certificates.{_WHERE[name]}"), name)

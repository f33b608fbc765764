"""Shared helpers for the certificate tests: example data, text extraction, rasterising, QR decoding."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from pypdf import PdfReader

from certificates.data import CertificateData
from certificates.examples import example_amended, example_calibration, example_verification


@pytest.fixture
def calibration() -> CertificateData:
    return example_calibration(10)


@pytest.fixture
def verification() -> CertificateData:
    return example_verification()


@pytest.fixture
def amended() -> CertificateData:
    return example_amended()


def page_texts(pdf: bytes) -> list[str]:
    """Text of every page, whitespace collapsed (line breaks inside a phrase become one space)."""
    reader = PdfReader(io.BytesIO(pdf))
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in reader.pages]


def all_text(pdf: bytes) -> str:
    return " ".join(page_texts(pdf))


def decode_qr(pdf: bytes, page: int = 0, *, scale: float = 3.0) -> list[str]:
    """Rasterise a page (pypdfium2, the PDFium engine) and decode every QR code on it (zxing-cpp)."""
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[page].render(scale=scale).to_pil()
    finally:
        document.close()
    return [r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode]


def is_nfc(text: str) -> bool:
    return unicodedata.normalize("NFC", text) == text

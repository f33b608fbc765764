"""Instrument labels: number, date, status, QR; stamp and validity for verification (7.8.4.3 for dates)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import pytest
from pypdf import PdfReader

from certificates.data import CertificateData, Text, Withdrawal
from certificates.errors import CertificateDataError
from certificates.labels import LabelSheet, render_labels
from tests.certificates.conftest import all_text, decode_qr


def test_verification_label_content_and_qr(verification: CertificateData) -> None:
    pdf = render_labels(verification, invariant=True)
    text = all_text(pdf)
    for expected in [
        "KĐ-2026-00007",
        "GIẤY CHỨNG NHẬN KIỂM ĐỊNH / VERIFICATION CERTIFICATE",
        "Tham chiếu số tem / Stamp ref.: DN-26-001234",
        "GCN hiệu lực đến / Valid until: 2027-11-17",
        "Ngày / Date: 2026-11-18",
        "TTĐL Đà Nẵng",
    ]:
        assert expected in text, expected
    assert decode_qr(pdf) == ["https://lims.example.vn/verify/KĐ-2026-00007"]


def test_verification_label_never_imitates_the_official_stamp(verification: CertificateData) -> None:
    """Issue 17: the official stamp is issued by the authority; the lab's label names the certificate and
    gives the stamp number as a reference only, never the stamp's own words."""
    text = all_text(render_labels(verification, invariant=True))
    for stamp_words in ("KIỂM ĐỊNH ĐẠT", "VERIFIED – PASSED", "Số tem / Stamp:", "DEMO-"):
        assert stamp_words not in text, stamp_words


def test_calibration_label_has_no_due_date_unless_asked(calibration: CertificateData) -> None:
    text = all_text(render_labels(calibration))
    assert "ĐÃ HIỆU CHUẨN / CALIBRATED" in text and "HC-2026-00042" in text
    assert "Recalibrate" not in text and "Valid until" not in text
    asked = replace(calibration, recalibration_due=date(2027, 11, 18), recalibration_requested=True)
    assert "HC lại trước / Recalibrate by: 2027-11-18" in all_text(render_labels(asked))


def test_sheet_fills_pages_in_order(calibration: CertificateData, verification: CertificateData) -> None:
    pdf = render_labels([calibration, verification], copies=13)  # 26 labels on 24-label sheets
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    second = reader.pages[1].extract_text()
    assert second.count("KĐ-2026-00007") == 2 and "HC-2026-00042" not in second


def test_status_of_withdrawn_certificate(calibration: CertificateData) -> None:
    withdrawn = replace(calibration, withdrawal=Withdrawal(date(2026, 12, 1), Text("Sai", "Wrong")))
    assert "ĐÃ THU HỒI / WITHDRAWN" in all_text(render_labels(withdrawn))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"copies": 0}, "copies"), ({"copies": True}, "copies"), ({"copies": 101}, "copies")],
)
def test_bad_arguments(calibration: CertificateData, kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(CertificateDataError) as caught:
        render_labels(calibration, **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_bad_input_and_sheet_geometry() -> None:
    with pytest.raises(CertificateDataError):
        render_labels([])
    with pytest.raises(CertificateDataError):
        render_labels(["HC-1"])  # type: ignore[list-item]
    with pytest.raises(CertificateDataError):
        LabelSheet(columns=4)  # 4 x 70 mm does not fit on A4
    with pytest.raises(CertificateDataError):
        LabelSheet(label_width_mm=30, columns=6)

"""Chart and QR code helpers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.graphics.barcode import qrencoder

from certificates.errors import CertificateDataError
from certificates.graphics import error_chart, mask_penalty, qr_flowable


@settings(max_examples=25, deadline=None)
@given(
    url=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-/.:?=ĐĂ", min_size=1, max_size=300),
    level=st.sampled_from(["L", "M", "Q", "H"]),
)
def test_fast_mask_penalty_equals_reportlab(url: str, level: str) -> None:
    code = qrencoder.QRCode(None, getattr(qrencoder.QRErrorCorrectLevel, level))
    code.addData(url)
    code.version = code.calculate_version()
    for mask in range(8):
        code.makeImpl(True, mask)
        assert mask_penalty(code.modules) == qrencoder.QRUtil.getLostPoint(code)


def test_qr_symbol_is_identical_to_reportlabs() -> None:
    url = "https://lims.example.vn/verify/HC-2026-00042"
    ours = qr_flowable(url, size_pt=80).qr
    ours.make()
    reference = qrencoder.QRCode(None, qrencoder.QRErrorCorrectLevel.M)
    reference.addData(url)
    reference.make()
    assert ours.modules == reference.modules


def test_qr_needs_a_url() -> None:
    with pytest.raises(CertificateDataError):
        qr_flowable("", size_pt=50)


def test_chart_needs_one_value_per_point() -> None:
    with pytest.raises(CertificateDataError):
        error_chart([1.0, 2.0], [0.1], [0.01], [None], x_label="x", y_label="y", legend=["a", "b", "c"])
    single = error_chart([5.0], [0.0], [0.01], [None], x_label="x", y_label="y", legend=["a", "b", "c"])
    assert single.width == 480.0

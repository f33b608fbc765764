"""Chart and QR code helpers."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from reportlab.graphics.barcode import qrencoder

from certificates.chart import ChartPoint, ErrorChart, nice_ticks
from certificates.errors import CertificateDataError
from certificates.graphics import FastMaskQRCode, mask_penalty, qr_flowable


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


def test_chart_refuses_empty_or_non_finite_points() -> None:
    with pytest.raises(CertificateDataError):
        ErrorChart([], x_label="x", y_label="y", legend=("a", "b"))
    with pytest.raises(CertificateDataError):
        ErrorChart([ChartPoint(1.0, float("nan"), 0.1, None)], x_label="x", y_label="y", legend=("a", "b"))


def test_mpe_lines_only_when_every_point_has_one() -> None:
    both = [ChartPoint(0, 0.0, 0.1, 1.0), ChartPoint(1, 0.0, 0.1, 1.0)]
    assert ErrorChart(both, x_label="x", y_label="y", legend=("a", "b")).with_mpe
    one = [ChartPoint(0, 0.0, 0.1, 1.0), ChartPoint(1, 0.0, 0.1, None)]
    assert not ErrorChart(one, x_label="x", y_label="y", legend=("a", "b")).with_mpe


@given(low=st.floats(-1e6, 1e6), span=st.floats(1e-6, 1e6))
def test_ticks_cover_the_range_with_round_steps(low: float, span: float) -> None:
    # Below a relative span of ~1e-9 the step is lost in the float rounding of ``low`` itself; a chart of
    # errors never has such a range.
    assume(span > 1e-9 * max(1.0, abs(low)))
    ticks = nice_ticks(low, low + span)
    assert 2 <= len(ticks) <= 12
    step = ticks[1] - ticks[0]
    assert ticks[0] >= low - step * 1e-2 and ticks[-1] <= low + span + step * 1e-2
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(abs(mantissa - m) < 1e-3 for m in (1, 2, 2.5, 5, 10))


@settings(max_examples=25, deadline=None)
@given(
    url=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-/.:?=ĐĂ", min_size=1, max_size=400),
    level=st.sampled_from(["L", "M", "Q", "H"]),
)
def test_fast_encoder_chooses_reportlabs_mask(url: str, level: str) -> None:
    ours = FastMaskQRCode(None, getattr(qrencoder.QRErrorCorrectLevel, level))
    theirs = qrencoder.QRCode(None, getattr(qrencoder.QRErrorCorrectLevel, level))
    for code in (ours, theirs):
        code.addData(url)
        code.make()
    assert ours.modules == theirs.modules

"""The coverage statement names the distribution k came from, in the PDF and the DCC (EA-4/02 M:2022 5)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from decimal import Decimal

from certificates.data import CertificateData
from certificates.dcc import DCC_NS, SI_NS, render_dcc, validate_dcc
from certificates.metrology.coverage import CoverageDistribution
from certificates.pdf import render_pdf
from tests.certificates.conftest import all_text

NS = {"dcc": DCC_NS, "si": SI_NS}


def _with_t(data: CertificateData) -> CertificateData:
    # ν_eff = 7.4 → truncated to 7, k = t_0.97725(7) = 2.43 (EA-4/02 M:2022 table, JCGM 100 G.4)
    series = data.results[0]
    points = tuple(
        replace(
            p,
            coverage_factor=Decimal("2.43"),
            coverage_probability=Decimal("0.9545"),
            effective_dof=Decimal("7.4"),
            distribution=CoverageDistribution.T,
        )
        for p in series.points
    )
    return replace(data, results=(replace(series, points=points), *data.results[1:]))


def test_normal_when_every_k_came_from_the_normal(calibration: CertificateData) -> None:
    text = all_text(render_pdf(calibration))
    assert "for a normal distribution" in text
    assert "t-distribution" not in text


def test_pdf_names_the_t_distribution_in_both_languages(calibration: CertificateData) -> None:
    text = all_text(render_pdf(_with_t(calibration)))
    assert "for a normal distribution" not in text and "đối với phân bố chuẩn" not in text
    assert "t-distribution with ν_eff = 7, k = 2.43, coverage probability approximately 95 %" in text
    assert "phân bố t với ν_eff = 7, k = 2,43, xác suất phủ xấp xỉ 95 %" in text


def test_dcc_distribution_says_the_same(calibration: CertificateData) -> None:
    xml = render_dcc(_with_t(calibration))
    validate_dcc(xml)
    root = ET.fromstring(xml)
    distributions = {e.text for e in root.iter(f"{{{SI_NS}}}distribution")}
    assert distributions == {"t-distribution with ν_eff = 7"}
    descriptions = " ".join(e.text or "" for e in root.iter(f"{{{DCC_NS}}}content"))
    assert "t-distribution with ν_eff = 7, k = 2.43, coverage probability approximately 95 %" in descriptions

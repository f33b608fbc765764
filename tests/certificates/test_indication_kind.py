"""A series names its indication column for what it holds (issue: R 76 P printed as "Indication").

OIML R 76-1:2006 A.4.4.3 with change-point weights gives P = I + ½e − ΔL − E₀, the indication free of
rounding and corrected for the zero (A.4.2.3.2): 0,10050 kg on a class III scale with e = 0,005 kg, a value the
instrument never displays. The PDF, the DCC and the failure notice call it that and say how it was obtained;
an ordinary calibration keeps "Số chỉ / Indication".
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from decimal import Decimal

import pytest

from certificates.data import CertificateData, IndicationKind, ResultSeries, Text
from certificates.dcc import DCC_NS, SI_NS, render_dcc, validate_dcc
from certificates.errors import CertificateDataError
from certificates.examples import (
    example_calibration,
    example_failure_notice,
    example_point,
    example_verification,
)
from certificates.notice import render_notice
from certificates.pdf import render_pdf
from certificates.results import INDICATION_LABEL, INDICATION_NOTE
from tests.certificates.conftest import all_text

NS = {"dcc": DCC_NS, "si": SI_NS}
HEADER = INDICATION_LABEL[IndicationKind.ROUNDING_FREE]
NOTE = INDICATION_NOTE[IndicationKind.ROUNDING_FREE]


def _r76_series() -> ResultSeries:
    """A class III scale, e = d = 0,005 kg: P at 0,1 kg is 0,1005 kg (½e above a displayable value)."""
    points = tuple(
        example_point("mass", "kg", Decimal(load), Decimal(error), Decimal("0.00067"), Decimal(mpe))
        for load, error, mpe in (
            ("0.1", "0.0005", "0.0025"),
            ("2.5", "0.001", "0.0025"),
            ("10", "0.0005", "0.005"),
        )
    )
    return ResultSeries(
        Text("Khối lượng", "Mass"), "\\kilo\\gram", points, indication_kind=IndicationKind.ROUNDING_FREE
    )


def _r76_verification() -> CertificateData:
    return replace(example_verification(), results=(_r76_series(),))


def test_the_wording_is_bilingual_and_names_the_clauses() -> None:
    assert Text("Số chỉ đã loại sai số làm tròn P", "Indication free of rounding error P") == HEADER
    for text in (NOTE.vi, NOTE.en):
        assert text.startswith("P = I + ½e − ΔL − E₀ (OIML R 76-1 A.4.4.3, A.4.2.3.2)")
    assert INDICATION_LABEL[IndicationKind.MEAN] == Text("Số chỉ", "Indication")
    assert IndicationKind.MEAN not in INDICATION_NOTE


def test_a_series_refuses_an_unknown_kind() -> None:
    with pytest.raises(CertificateDataError, match="indication_kind"):
        replace(_r76_series(), indication_kind="displayed")  # type: ignore[arg-type]


def test_the_pdf_names_p_and_states_the_formula_in_both_languages() -> None:
    text = all_text(render_pdf(_r76_verification()))
    assert HEADER.vi in text and HEADER.en in text
    assert NOTE.vi in text and NOTE.en in text
    assert "0,10050" in text  # the number itself is unchanged (P, to U's decimal place)


def test_an_ordinary_calibration_keeps_indication() -> None:
    text = all_text(render_pdf(example_calibration(3)))
    assert "Số chỉ Indication Sai số Error" in text  # the header cells, Vietnamese over English
    assert HEADER.vi not in text and HEADER.en not in text
    assert "½e" not in text


def _measured_value_names(xml: bytes) -> set[tuple[str, str]]:
    root = ET.fromstring(xml)
    return {
        (
            q.findtext("dcc:name/dcc:content[@lang='vi']", namespaces=NS) or "",
            q.findtext("dcc:name/dcc:content[@lang='en']", namespaces=NS) or "",
        )
        for q in root.iterfind(".//dcc:quantity[@refType='basic_measuredValue']", NS)
    }


def test_the_dcc_names_the_quantity_p_and_validates() -> None:
    xml = render_dcc(_r76_verification(), software_release="test")
    validate_dcc(xml)
    assert _measured_value_names(xml) == {(HEADER.vi, HEADER.en)}
    root = ET.fromstring(xml)
    described = root.findall(".//dcc:quantity[@refType='basic_measuredValue']/dcc:description", NS)
    assert len(described) == 3
    assert {d.findtext("dcc:content[@lang='en']", namespaces=NS) for d in described} == {NOTE.en}


def test_an_ordinary_dcc_keeps_indication() -> None:
    xml = render_dcc(example_calibration(3), software_release="test")
    assert _measured_value_names(xml) == {("Số chỉ", "Indication")}
    assert (
        ET.fromstring(xml).find(".//dcc:quantity[@refType='basic_measuredValue']/dcc:description", NS) is None
    )


def test_the_failure_notice_names_p_too() -> None:
    notice = example_failure_notice()
    r76 = replace(
        notice,
        results=tuple(replace(s, indication_kind=IndicationKind.ROUNDING_FREE) for s in notice.results),
    )
    text = all_text(render_notice(r76))
    assert HEADER.vi in text and HEADER.en in text and NOTE.en in text
    plain = all_text(render_notice(notice))
    assert HEADER.en not in plain and "Indication" in plain

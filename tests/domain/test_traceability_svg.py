"""Auditor's chain diagram (issue 4 item 7): well-formed, escaped, findings visible without colour."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from lims.domain.calibration_points import CalibrationPoint, InvalidRecord
from lims.domain.traceability import (
    CalibrationLink,
    CertificateSubject,
    Issuer,
    IssuerKind,
    StandardNode,
    resolve_chain,
)
from lims.domain.traceability_memory import InMemoryGraph
from lims.domain.traceability_svg import render_chain_svg

SVG = "{http://www.w3.org/2000/svg}"
VMI = Issuer(IssuerKind.NATIONAL_METROLOGY_INSTITUTE, "Viện Đo lường <VMI> & co")
LAB = Issuer(IssuerKind.THIS_LAB, "lab")


def cal(
    cid: str, sid: str, on: date, issuer: Issuer, days: int = 365, u_g: float | None = None
) -> CalibrationLink:
    points = (CalibrationPoint(1000.0, "g", u_g),) if u_g else ()
    return CalibrationLink(cid, sid, on, f"N-{cid}", issuer, on, on + timedelta(days=days), True, points)


@pytest.fixture
def chain() -> object:
    ref = StandardNode("ref", "M-E1", "1 kg E1", "mass")
    work = StandardNode("w", "M-E2", "1 kg E2", "mass")
    thermo = StandardNode("t", 'T-01 "PRT"', "PRT", "temperature")
    graph = InMemoryGraph(
        [ref, work, thermo],
        [
            cal("cr", "ref", date(2024, 1, 1), VMI, u_g=0.00016),
            cal("cw", "w", date(2025, 3, 1), LAB, u_g=0.0005),
            cal("ct", "t", date(2024, 6, 1), VMI, days=900),
        ],
        used={"cw": ["ref", "t"]},
    )
    subject = CertificateSubject("HC-2025 <1>", (work,), (CalibrationPoint(1000.0, "g", 0.004),))
    return resolve_chain(subject, date(2025, 6, 1), graph)


def test_links_know_their_parent(chain: object) -> None:
    assert [lk["parent"] for lk in chain.to_dict()["links"]] == [None, 0, 0]  # type: ignore[attr-defined]


def test_chain_svg_is_well_formed_and_shows_findings(chain: object) -> None:
    svg = render_chain_svg(chain, id_prefix="hc1")  # type: ignore[arg-type]
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "hc1-title hc1-desc"
    assert root.find(f"{SVG}title").text == "Traceability of HC-2025 <1>"  # type: ignore[union-attr]
    desc = root.find(f"{SVG}desc").text  # type: ignore[union-attr]
    assert "not complete" in desc and "[expired]" in desc and "[insufficient_uncertainty_ratio]" in desc
    nodes = [g for g in root.iter(f"{SVG}g") if (g.get("class") or "").startswith("node")]
    names = [g.find(f"{SVG}text").text for g in nodes]  # type: ignore[union-attr]
    assert names == ["HC-2025 <1>", "M-E2", "M-E1", 'T-01 "PRT"', "Viện Đo lường <VMI> & co"]
    assert [g.get("class") for g in nodes].count("node terminal") == 1
    lines = root.findall(f".//{SVG}line[@class='link']")
    assert len(lines) == 3 + 2  # three reliances, two arrows to the issuer
    # the expired reference link: red *and* dashed, so it does not rely on colour alone
    expired = [ln for ln in lines if ln.get("stroke") == "#b00020"]
    assert len(expired) == 1 and expired[0].get("stroke-dasharray")
    assert "<script" not in svg and "onload" not in svg


def test_bad_id_prefix() -> None:
    from lims.domain.traceability import TraceabilityChain

    with pytest.raises(InvalidRecord) as info:
        render_chain_svg(TraceabilityChain("x", "certificate", date(2025, 1, 1), ()), id_prefix="9")
    assert info.value.field == "id_prefix"

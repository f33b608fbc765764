"""Issue 16 item 4: traceability checks that catch the demo's real defects, worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from lims.domain.calibration_points import CalibrationPoint, calibrated_range, uncertainty_at
from lims.domain.capability import CmcEntry
from lims.domain.chain_walk import cmc_at
from lims.domain.oiml_r111 import TABLE_1_MG, check_weight_uncertainty, mpe_mg, weight_class
from lims.domain.traceability import (
    CalibrationLink,
    CertificateSubject,
    Issuer,
    IssuerKind,
    StandardNode,
    StandardSubject,
    resolve_chain,
)
from lims.domain.traceability_memory import InMemoryGraph

VMI = Issuer(IssuerKind.NATIONAL_METROLOGY_INSTITUTE, "VMI")
PTB = Issuer(IssuerKind.OTHER_NMI, "PTB", kcdb_cmc_reference="EURAMET-M-P-DE-00012")
LAB = Issuer(IssuerKind.THIS_LAB, "City Metrology Centre")


def cal(
    cid: str, sid: str, issuer: Issuer, *points: CalibrationPoint, on: date = date(2025, 1, 10)
) -> CalibrationLink:
    return CalibrationLink(cid, sid, on, f"N-{cid}", issuer, on, date(2026, 1, 9), True, points)


def kinds(chain) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(f.kind.value for f in chain.findings)


ON = date(2025, 6, 1)


def test_kpa_is_compared_with_mpa_the_controller_claims_less_than_its_piston_gauge() -> None:
    # piston gauge (PTB): U = 0.06 kPa at 1 MPa, 0.3 kPa at 7 MPa; controller (this lab): 0.16 kPa at 7000 kPa.
    # Same point, 7 MPa = 7000 kPa: R = 0.16 / 0.3 = 0.53 <= 1, the child claims less than its parent.
    piston = StandardNode("p", "CDL-AS-001", "piston gauge", "pressure")
    controller = StandardNode("c", "CDL-AS-002", "pressure controller", "pressure")
    graph = InMemoryGraph(
        [piston, controller],
        [
            cal("cp", "p", PTB, CalibrationPoint(1.0, "MPa", 0.00006), CalibrationPoint(7.0, "MPa", 0.0003)),
            cal(
                "cc",
                "c",
                LAB,
                CalibrationPoint(1000.0, "kPa", 0.16),
                CalibrationPoint(7000.0, "kPa", 0.16),
                on=date(2025, 2, 1),
            ),
        ],
        used={"cc": ["p"]},
    )
    chain = resolve_chain(StandardSubject(controller), ON, graph)
    assert kinds(chain) == ["uncertainty_not_smaller"]
    assert not chain.complete
    assert "at 7000 kPa" in chain.findings[0].message
    # the link shows the parent's U at the point of use, in the child's unit: 0.3 kPa
    assert chain.links[1].expanded_uncertainty == pytest.approx(0.3)
    assert chain.links[1].unit == "kPa"


def test_point_of_use_is_interpolated_across_units_and_never_extrapolated() -> None:
    points = (CalibrationPoint(1.0, "MPa", 0.00006), CalibrationPoint(7.0, "MPa", 0.0003))
    # 4 bar = 0.4 MPa is below the first point: nothing is stated there
    assert uncertainty_at(points, 4.0, "bar") is None
    # 40 bar = 4 MPa: 0.06 + (3/6)(0.3 - 0.06) = 0.18 kPa = 0.0018 bar
    assert uncertainty_at(points, 40.0, "bar") == pytest.approx(0.0018)
    assert calibrated_range(points, "bar") == (10.0, 70.0)


def test_f1_set_used_beyond_the_e2_set_is_out_of_range_unless_another_e2_standard_covers_it() -> None:
    e2 = StandardNode("e2", "CDL-KL-001", "E2 1 mg - 1 kg", "mass")
    e2_large = StandardNode("e2l", "CDL-KL-004", "E2 2 kg - 20 kg", "mass")
    f1 = StandardNode("f1", "CDL-KL-002", "F1 1 g - 20 kg", "mass", weight_class="F1")
    e2_cal = cal("ce2", "e2", VMI, CalibrationPoint(0.001, "g", 6e-6), CalibrationPoint(1000.0, "g", 0.00025))
    large_cal = cal("cl", "e2l", VMI, CalibrationPoint(2.0, "kg", 5e-7), CalibrationPoint(20.0, "kg", 5e-6))
    # F1 U at k = 2: 1.5 mg at 1 kg and 30 mg at 20 kg, both within MPE/3 (1.67 mg, 33.3 mg)
    f1_cal = cal(
        "cf",
        "f1",
        LAB,
        CalibrationPoint(1000.0, "g", 0.0015),
        CalibrationPoint(20000.0, "g", 0.03),
        on=date(2025, 2, 1),
    )
    only_1kg = InMemoryGraph([e2, e2_large, f1], [e2_cal, large_cal, f1_cal], used={"cf": ["e2"]})
    chain = resolve_chain(StandardSubject(f1), ON, only_1kg)
    assert kinds(chain) == ["out_of_calibrated_range"]
    assert "20000 g" in chain.findings[0].message and "0.001 … 1000 g" in chain.findings[0].message
    both = InMemoryGraph([e2, e2_large, f1], [e2_cal, large_cal, f1_cal], used={"cf": ["e2", "e2l"]})
    assert kinds(resolve_chain(StandardSubject(f1), ON, both)) == []


def test_a_certificate_used_outside_its_standards_range() -> None:
    bath = StandardNode("b", "CDL-NH-003", "oil bath", "temperature")
    graph = InMemoryGraph(
        [bath], [cal("cb", "b", VMI, CalibrationPoint(-40, "°C", 0.05), CalibrationPoint(250, "°C", 0.05))]
    )
    used = (CalibrationPoint(-50.0, "°C", 0.3), CalibrationPoint(20.0, "°C", 0.3))
    chain = resolve_chain(CertificateSubject("HC-2025-00007", (bath,), used), ON, graph)
    assert kinds(chain) == ["out_of_calibrated_range"]
    assert "-50 °C" in chain.findings[0].message


def test_weight_class_table_and_rule() -> None:
    # R 111-1 Table 1: F1 1 kg 5 mg; E2 1 g 0.03 mg; M3 has no 500 mg weight
    assert mpe_mg("F1", 1_000_000) == 5.0 and mpe_mg("E2", 1_000) == 0.03 and mpe_mg("M3", 500) is None
    # every row is ordered E1 < E2 < F1 < ... (a typo in the table would break the order)
    for row in TABLE_1_MG.values():
        present = [v for v in row if v is not None]
        assert present == sorted(present)
    # 20 kg F1: MPE 100 mg, limit 33.3 mg; U = 0.02 g at k = 2.5 is 16 mg at k = 2 -> conforms
    judged = check_weight_uncertainty("F1", 20000.0, "g", 0.02, 2.5)
    assert judged is not None and judged.expanded_uncertainty_mg == pytest.approx(16.0) and judged.conforms
    assert weight_class("Bộ quả cân F1 (OIML R 111)") == "F1"


def test_weight_class_finding_for_the_old_flat_certificate() -> None:
    # the demo's old F1 certificate: 0.1 g flat from 1 g to 20 kg; at 1 g the limit is 0.10/3 = 0.033 mg
    f1 = StandardNode("f1", "CDL-KL-002", "F1 set", "mass", weight_class="F1")
    flat = cal("cf", "f1", VMI, CalibrationPoint(1.0, "g", 0.1), CalibrationPoint(20000.0, "g", 0.1))
    chain = resolve_chain(StandardSubject(f1), ON, InMemoryGraph([f1], [flat]))
    assert kinds(chain) == ["weight_class_uncertainty", "weight_class_uncertainty"]
    assert "0.0333 mg" in chain.findings[0].message


def test_in_house_calibration_below_the_cmc_in_another_unit() -> None:
    # CMC in kg: U = 2e-8 kg + 1.3e-6 m; at 1 kg: 2e-8 + 1.3e-6 = 1.32e-6 kg = 1.32 mg
    scope = (CmcEntry("mass of weights", "kg", 0.001, 20.0, a=2e-8, b=1.3e-6),)
    assert cmc_at(scope, 1000.0, "g") == pytest.approx(0.00132)
    e2 = StandardNode("e2", "E2", "E2", "mass")
    f1 = StandardNode("f1", "F1", "F1", "mass")
    graph = InMemoryGraph(
        [e2, f1],
        [
            cal("ce", "e2", VMI, CalibrationPoint(1000.0, "g", 0.0002)),
            cal("cf", "f1", LAB, CalibrationPoint(1000.0, "g", 0.0012), on=date(2025, 2, 1)),
        ],
        used={"cf": ["e2"]},
    )
    chain = resolve_chain(StandardSubject(f1), ON, graph, scope=scope)
    assert kinds(chain) == ["below_cmc"]
    # without a CMC covering the value nothing is judged
    assert (
        kinds(resolve_chain(StandardSubject(f1), ON, graph, scope=(CmcEntry("V", "V", 0, 1, fixed=1e-6),)))
        == []
    )


def test_sprt_needs_its_readout_at_every_level() -> None:
    sprt = StandardNode("s", "CDL-NH-001", "SPRT", "temperature", requires_readout=True)
    readout = StandardNode("r", "CDL-NH-002", "readout", "temperature", readout=True)
    bath = StandardNode("b", "CDL-NH-003", "bath", "temperature")
    graph = InMemoryGraph(
        [sprt, readout, bath],
        [
            cal("cs", "s", VMI, CalibrationPoint(0.01, "°C", 0.002), CalibrationPoint(231.928, "°C", 0.008)),
            cal(
                "cr", "r", VMI, CalibrationPoint(25.0, "ohm", 0.00005), CalibrationPoint(100.0, "ohm", 0.0002)
            ),
            cal(
                "cb",
                "b",
                LAB,
                CalibrationPoint(20.0, "°C", 0.05),
                CalibrationPoint(200.0, "°C", 0.05),
                on=date(2025, 2, 1),
            ),
        ],
        used={"cb": ["s"]},
    )
    chain = resolve_chain(StandardSubject(bath), ON, graph)
    assert kinds(chain) == ["readout_missing"]
    fixed = InMemoryGraph(
        list(graph.standards.values()), list(graph.calibrations.values()), used={"cb": ["s", "r"]}
    )
    assert kinds(resolve_chain(StandardSubject(bath), ON, fixed)) == []
    job = CertificateSubject("HC-2025-00002", (sprt, bath), (CalibrationPoint(50.0, "°C", 0.4),))
    assert kinds(resolve_chain(job, ON, fixed)) == ["readout_missing"]

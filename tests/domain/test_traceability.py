"""Traceability chains (ISO/IEC 17025:2017 6.5.1: an unbroken chain of calibrations, each adding to U)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from lims.domain.calibration_points import (
    CalibrationPoint,
    InvalidRecord,
    uncertainty_at,
    uncertainty_at_points,
)
from lims.domain.capability import CmcEntry
from lims.domain.traceability import (
    CalibrationLink,
    CalibrationSubject,
    CertificateSubject,
    FindingKind,
    Issuer,
    IssuerKind,
    ReferenceMaterial,
    Severity,
    StandardNode,
    StandardStatus,
    StandardSubject,
    StatusChange,
    iter_terminal_issuers,
    resolve_chain,
)
from lims.domain.traceability_memory import InMemoryGraph

VMI = Issuer(IssuerKind.NATIONAL_METROLOGY_INSTITUTE, "Vietnam Metrology Institute")
LAB = Issuer(IssuerKind.THIS_LAB, "City Metrology Centre")
IN_SERVICE = (StatusChange(date(2020, 1, 1), StandardStatus.IN_SERVICE, "commissioned"),)


def standard(sid: str, **over: object) -> StandardNode:
    values: dict[str, object] = {
        "asset_number": f"A-{sid}",
        "name": f"standard {sid}",
        "quantity": "mass",
        "status_history": IN_SERVICE,
    }
    values.update(over)
    return StandardNode(sid, **values)  # type: ignore[arg-type]


def calibration(
    cid: str,
    sid: str,
    on: date,
    *,
    issuer: Issuer = VMI,
    valid_days: int = 365,
    issued_on: date | None = None,
    has_file: bool = True,
    points: tuple[CalibrationPoint, ...] = (),
) -> CalibrationLink:
    return CalibrationLink(
        cid,
        sid,
        on,
        f"CERT-{cid}",
        issuer,
        issued_on or on,
        date.fromordinal(on.toordinal() + valid_days),
        has_file,
        points,
    )


def g(mg: float) -> CalibrationPoint:
    """A point at 1000 g with U in milligrams, k = 2."""
    return CalibrationPoint(1000.0, "g", mg / 1000.0, 2.0)


def mass_hierarchy() -> InMemoryGraph:
    """1 kg E1 reference (VMI) -> 1 kg E2 working standard (this lab) -> customer weight (certificate)."""
    ref, work = standard("ref"), standard("work")
    return InMemoryGraph(
        [ref, work],
        [
            calibration("c-ref", "ref", date(2025, 1, 10), points=(g(0.16),)),
            calibration("c-work", "work", date(2025, 3, 1), issuer=LAB, points=(g(0.8),)),
        ],
        used={"c-work": ["ref"]},
    )


def kinds(chain: object) -> list[str]:
    return [f["kind"] for f in chain.to_dict()["findings"]]  # type: ignore[attr-defined]


def test_complete_chain_through_internal_link_to_vmi() -> None:
    graph = mass_hierarchy()
    subject = CertificateSubject("HC-2025-0001", (graph.standards["work"],), points=(g(4.0),))
    chain = resolve_chain(subject, date(2025, 6, 1), graph)
    data = chain.to_dict()
    assert data["complete"] is True
    assert data["findings"] == []
    assert [(lk["from"], lk["to"], lk["certificate"], lk["terminal"]) for lk in data["links"]] == [
        ("HC-2025-0001", "A-work", "CERT-c-work", False),
        ("A-work", "A-ref", "CERT-c-ref", True),
    ]
    assert data["links"][0]["expanded_uncertainty"] == pytest.approx(0.0008)
    assert data["links"][1]["expanded_uncertainty"] == pytest.approx(0.00016)
    assert data["links"][1]["issuer"] == "Vietnam Metrology Institute"
    assert data["links"][1]["valid_until"] == "2026-01-10"
    assert set(data) >= {"subject", "on", "links", "findings", "complete"}
    assert list(iter_terminal_issuers(chain)) == ["Vietnam Metrology Institute"]
    assert json.loads(json.dumps(data)) == data


def test_upstream_standards_are_judged_on_the_internal_calibration_date() -> None:
    # the working standard was calibrated in 2025-03 against the reference; on 2026-02 the reference's
    # certificate has expired but that does not matter: it was valid when it was relied on.
    graph = mass_hierarchy()
    chain = resolve_chain(StandardSubject(graph.standards["work"]), date(2026, 2, 1), graph)
    assert [lk.used_on for lk in chain.links] == [date(2026, 2, 1), date(2025, 3, 1)]
    assert chain.complete


def test_expired_at_time_of_use_is_blocking() -> None:
    graph = mass_hierarchy()
    chain = resolve_chain(StandardSubject(graph.standards["work"]), date(2026, 3, 2), graph)
    assert kinds(chain) == ["expired"]
    finding = chain.findings[0]
    assert finding.severity is Severity.BLOCKING and finding.link == 0 and finding.standard == "A-work"
    assert "2026-03-01" in finding.message and "2026-03-02" in finding.message
    assert chain.complete is False


def test_valid_until_is_inclusive() -> None:
    graph = mass_hierarchy()
    assert resolve_chain(StandardSubject(graph.standards["work"]), date(2026, 3, 1), graph).complete


def test_not_yet_valid_when_used_before_the_certificate_was_issued() -> None:
    ref = standard("ref")
    graph = InMemoryGraph([ref], [calibration("c", "ref", date(2025, 1, 10), issued_on=date(2025, 2, 1))])
    chain = resolve_chain(StandardSubject(ref), date(2025, 1, 20), graph)
    assert kinds(chain) == ["not_yet_valid"]
    assert "2025-02-01" in chain.findings[0].message


def test_calibration_subject_used_before_its_calibration_date_is_not_yet_valid() -> None:
    ref = standard("ref")
    cal = calibration("c", "ref", date(2025, 1, 10))
    chain = resolve_chain(CalibrationSubject(ref, cal), date(2025, 1, 9), InMemoryGraph([ref], [cal]))
    assert kinds(chain) == ["not_yet_valid"]
    assert chain.to_dict()["subject"] == "CERT-c" and chain.subject_kind == "calibration"


def test_missing_certificate_file() -> None:
    ref = standard("ref")
    graph = InMemoryGraph([ref], [calibration("c", "ref", date(2025, 1, 10), has_file=False)])
    chain = resolve_chain(StandardSubject(ref), date(2025, 2, 1), graph)
    assert kinds(chain) == ["missing_file"]
    assert not chain.complete


def test_no_calibration_on_the_date_of_use() -> None:
    ref = standard("ref")
    graph = InMemoryGraph([ref], [calibration("c", "ref", date(2025, 1, 10))])
    chain = resolve_chain(StandardSubject(ref), date(2024, 12, 1), graph)
    assert kinds(chain) == ["no_calibration"]
    assert chain.to_dict()["links"][0]["certificate"] is None


def test_cycle_is_reported_and_the_walk_stops() -> None:
    # A was calibrated by this lab against B, and B against A: no path leaves the loop.
    a, b = standard("a"), standard("b")
    graph = InMemoryGraph(
        [a, b],
        [
            calibration("ca", "a", date(2025, 1, 1), issuer=LAB),
            calibration("cb", "b", date(2025, 1, 1), issuer=LAB),
        ],
        used={"ca": ["b"], "cb": ["a"]},
    )
    chain = resolve_chain(StandardSubject(a), date(2025, 6, 1), graph)
    assert kinds(chain) == ["cycle"]
    assert [(lk.source, lk.target) for lk in chain.links] == [(None, "A-a"), ("A-a", "A-b"), ("A-b", "A-a")]
    assert chain.findings[0].link == 2
    assert not chain.complete


def test_self_calibration_is_a_cycle() -> None:
    a = standard("a")
    graph = InMemoryGraph([a], [calibration("ca", "a", date(2025, 1, 1), issuer=LAB)], used={"ca": ["a"]})
    assert kinds(resolve_chain(StandardSubject(a), date(2025, 2, 1), graph)) == ["cycle"]


def test_diamond_is_not_a_cycle_and_is_expanded_once() -> None:
    # two working standards calibrated against the same reference: shared ancestry, no loop
    ref, w1, w2 = standard("ref"), standard("w1"), standard("w2")
    graph = InMemoryGraph(
        [ref, w1, w2],
        [
            calibration("cr", "ref", date(2025, 1, 1)),
            calibration("c1", "w1", date(2025, 2, 1), issuer=LAB),
            calibration("c2", "w2", date(2025, 2, 1), issuer=LAB),
        ],
        used={"c1": ["ref"], "c2": ["ref"]},
    )
    chain = resolve_chain(CertificateSubject("HC-1", (w1, w2)), date(2025, 3, 1), graph)
    assert chain.complete
    assert [(lk.source, lk.target) for lk in chain.links] == [
        ("HC-1", "A-w1"),
        ("A-w1", "A-ref"),
        ("HC-1", "A-w2"),
        ("A-w2", "A-ref"),
    ]


def test_chain_ending_without_terminal_link() -> None:
    orphan = standard("o")
    graph = InMemoryGraph([orphan], [calibration("co", "o", date(2025, 1, 1), issuer=LAB)])
    chain = resolve_chain(StandardSubject(orphan), date(2025, 2, 1), graph)
    assert kinds(chain) == ["no_terminal_link"]
    assert not chain.complete


def test_certificate_naming_no_standard_has_no_terminal_link() -> None:
    chain = resolve_chain(CertificateSubject("HC-9", ()), date(2025, 2, 1), InMemoryGraph([], []))
    assert kinds(chain) == ["no_terminal_link"]
    assert chain.findings[0].link is None and not chain.complete


def test_uncertainty_ratio_warning_under_four_to_one() -> None:
    # 0.5 mg on the E2 working standard against 0.16 mg on the reference: 3.125:1 < 4:1 -> warning only
    ref, work = standard("ref"), standard("work")
    graph = InMemoryGraph(
        [ref, work],
        [
            calibration("cr", "ref", date(2025, 1, 1), points=(g(0.16),)),
            calibration("cw", "work", date(2025, 2, 1), issuer=LAB, points=(g(0.5),)),
        ],
        used={"cw": ["ref"]},
    )
    chain = resolve_chain(StandardSubject(work), date(2025, 3, 1), graph)
    assert kinds(chain) == ["insufficient_uncertainty_ratio"]
    assert chain.findings[0].severity is Severity.WARNING
    assert "3.12:1" in chain.findings[0].message or "3.13:1" in chain.findings[0].message
    assert chain.complete  # a warning does not block


def test_uncertainty_not_smaller_than_the_level_below_blocks() -> None:
    ref, work = standard("ref"), standard("work")
    graph = InMemoryGraph(
        [ref, work],
        [
            calibration("cr", "ref", date(2025, 1, 1), points=(g(0.5),)),
            calibration("cw", "work", date(2025, 2, 1), issuer=LAB, points=(g(0.5),)),
        ],
        used={"cw": ["ref"]},
    )
    chain = resolve_chain(StandardSubject(work), date(2025, 3, 1), graph)
    assert kinds(chain) == ["uncertainty_not_smaller"]
    assert not chain.complete


def test_ratio_exactly_four_is_accepted_and_threshold_is_configurable() -> None:
    ref, work = standard("ref"), standard("work")
    graph = InMemoryGraph(
        [ref, work],
        [
            calibration("cr", "ref", date(2025, 1, 1), points=(g(0.25),)),
            calibration("cw", "work", date(2025, 2, 1), issuer=LAB, points=(g(1.0),)),
        ],
        used={"cw": ["ref"]},
    )
    assert kinds(resolve_chain(StandardSubject(work), date(2025, 3, 1), graph)) == []
    strict = resolve_chain(StandardSubject(work), date(2025, 3, 1), graph, minimum_ratio=10.0)
    assert kinds(strict) == ["insufficient_uncertainty_ratio"]


def test_points_of_another_dimension_are_not_compared_but_a_value_outside_the_range_is_a_finding() -> None:
    ref, thermo, work = standard("ref"), standard("t", quantity="temperature"), standard("work")
    graph = InMemoryGraph(
        [ref, thermo, work],
        [
            calibration("cr", "ref", date(2025, 1, 1), points=(CalibrationPoint(10.0, "g", 0.00002),)),
            calibration("ct", "t", date(2025, 1, 1), points=(CalibrationPoint(20.0, "°C", 0.05),)),
            calibration("cw", "work", date(2025, 2, 1), issuer=LAB, points=(g(0.5),)),
        ],
        used={"cw": ["ref", "t"]},
    )
    # the thermometer (°C) is not judged against the grams; the 1000 g point lies outside the reference's
    # single 10 g point, and nothing is extrapolated (issue 16 item 4)
    assert kinds(resolve_chain(StandardSubject(work), date(2025, 3, 1), graph)) == ["out_of_calibrated_range"]


def test_not_in_service_on_the_date_from_status_history() -> None:
    history = (
        *IN_SERVICE,
        StatusChange(date(2025, 5, 1), StandardStatus.QUARANTINED, "dropped on the floor"),
        StatusChange(date(2025, 6, 1), StandardStatus.IN_SERVICE, "verified after repair"),
    )
    ref = standard("ref", status_history=history)
    graph = InMemoryGraph([ref], [calibration("c", "ref", date(2025, 1, 1))])
    quarantined = resolve_chain(StandardSubject(ref), date(2025, 5, 15), graph)
    assert kinds(quarantined) == ["not_in_service"]
    assert "dropped on the floor" in quarantined.findings[0].message
    assert resolve_chain(StandardSubject(ref), date(2025, 6, 1), graph).complete


def test_not_in_service_before_first_status() -> None:
    ref = standard("ref", status_history=(StatusChange(date(2025, 3, 1), StandardStatus.IN_SERVICE),))
    graph = InMemoryGraph([ref], [calibration("c", "ref", date(2025, 1, 1))])
    assert kinds(resolve_chain(StandardSubject(ref), date(2025, 2, 1), graph)) == ["not_in_service"]


def test_reference_material_expiry_and_shelf_life_after_opening() -> None:
    rm = standard(
        "rm",
        quantity="pH",
        reference_material=ReferenceMaterial(
            expiry=date(2026, 1, 31), opened_on=date(2025, 9, 1), shelf_life_after_opening_days=90
        ),
    )
    producer = Issuer(IssuerKind.REFERENCE_MATERIAL_PRODUCER, "Producer (ISO 17034)")
    cal = calibration("crm", "rm", date(2025, 1, 1), issuer=producer, valid_days=3650)
    graph = InMemoryGraph([rm], [cal])
    assert resolve_chain(StandardSubject(rm), date(2025, 11, 30), graph).complete  # opened + 90 d, inclusive
    opened_too_long = resolve_chain(StandardSubject(rm), date(2025, 12, 1), graph)
    assert kinds(opened_too_long) == ["material_shelf_life_exceeded"]
    assert kinds(resolve_chain(StandardSubject(rm), date(2026, 2, 1), graph)) == [
        "material_expired",
        "material_shelf_life_exceeded",
    ]


def test_findings_deep_in_the_chain_point_at_their_link() -> None:
    ref, work = standard("ref"), standard("work")
    graph = InMemoryGraph(
        [ref, work],
        [
            calibration("cr", "ref", date(2024, 1, 1), valid_days=300),
            calibration("cw", "work", date(2025, 2, 1), issuer=LAB),
        ],
        used={"cw": ["ref"]},
    )
    chain = resolve_chain(CertificateSubject("HC-7", (work,)), date(2025, 3, 1), graph)
    assert kinds(chain) == ["expired"]
    assert chain.findings[0].link == 1 and chain.findings[0].standard == "A-ref"


def test_every_finding_kind_is_blocking_except_the_ratio_warning() -> None:
    warnings = {k for k in FindingKind if k.severity is Severity.WARNING}
    assert warnings == {FindingKind.INSUFFICIENT_UNCERTAINTY_RATIO}


def test_uncertainty_is_interpolated_between_points() -> None:
    # U(x) linear between neighbours: 0.02 at 0 °C, 0.04 at 100 °C -> 0.03 at 50 °C
    points = (CalibrationPoint(0.0, "°C", 0.02), CalibrationPoint(100.0, "°C", 0.04))
    assert uncertainty_at(points, 50.0, "°C") == pytest.approx(0.03)
    assert uncertainty_at(points, 100.0, "°C") == pytest.approx(0.04)
    assert uncertainty_at(points, -1.0, "°C") is None


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Issuer(IssuerKind.OTHER_NMI, "PTB"), "issuer.kcdb_cmc_reference"),
        (
            lambda: Issuer(IssuerKind.ACCREDITED_LAB, "X", accreditation_body="BoA"),
            "issuer.accreditation_number",
        ),
        (lambda: Issuer(IssuerKind.THIS_LAB, " "), "issuer.name"),
        (lambda: calibration("c", "s", date(2025, 1, 10), issued_on=date(2025, 1, 9)), "issued_on"),
        (lambda: calibration("c", "s", date(2025, 1, 10), valid_days=-1), "valid_until"),
        (lambda: CalibrationPoint(1.0, "", 0.1), "unit"),
        (lambda: CalibrationPoint(1.0, "g", 0.0), "expanded_uncertainty"),
        (lambda: CalibrationPoint(1.0, "g", 0.1, 0.5), "coverage_factor"),
        (lambda: ReferenceMaterial(date(2025, 1, 1), date(2024, 1, 1), 0), "shelf_life_after_opening_days"),
        (lambda: InMemoryGraph([], [calibration("c", "nope", date(2025, 1, 1))]), "calibrations"),
        (lambda: InMemoryGraph([standard("a"), standard("a")], []), "standards"),
        (lambda: InMemoryGraph([standard("a")], [], used={"x": ["a"]}), "used"),
        (lambda: standard("a", asset_number=" "), "asset_number"),
    ],
)
def test_bad_records_name_the_field(build: object, field: str) -> None:
    with pytest.raises(InvalidRecord) as info:
        build()  # type: ignore[operator]
    assert info.value.field == field
    assert isinstance(info.value, ValueError)


SCOPE = (CmcEntry("mass", "g", 1.0, 20000.0, a=0.0003, b=1e-6),)


def _scenario(kind: FindingKind) -> tuple[object, date, InMemoryGraph]:
    """The smallest graph that yields ``kind`` (one per finding kind; the tests above cover the details)."""
    s = standard("s")
    lab_cal = calibration("c", "s", date(2025, 1, 1), issuer=LAB, points=(g(0.5),))
    ref = standard("r")
    if kind is FindingKind.NO_CALIBRATION:
        return StandardSubject(s), date(2025, 1, 1), InMemoryGraph([s], [])
    if kind is FindingKind.EXPIRED:
        graph = InMemoryGraph([s], [calibration("c", "s", date(2025, 1, 1))])
        return StandardSubject(s), date(2026, 6, 1), graph
    if kind is FindingKind.NOT_YET_VALID:
        late = calibration("c", "s", date(2025, 1, 1), issued_on=date(2025, 2, 1))
        return StandardSubject(s), date(2025, 1, 15), InMemoryGraph([s], [late])
    if kind is FindingKind.MISSING_FILE:
        return (
            StandardSubject(s),
            date(2025, 2, 1),
            InMemoryGraph([s], [calibration("c", "s", date(2025, 1, 1), has_file=False)]),
        )
    if kind is FindingKind.CYCLE:
        # no points: a self-calibration would also compare U with itself (uncertainty_not_smaller)
        bare = calibration("c", "s", date(2025, 1, 1), issuer=LAB)
        return StandardSubject(s), date(2025, 2, 1), InMemoryGraph([s], [bare], used={"c": ["s"]})
    if kind is FindingKind.NO_TERMINAL_LINK:
        return StandardSubject(s), date(2025, 2, 1), InMemoryGraph([s], [lab_cal])
    if kind in (FindingKind.UNCERTAINTY_NOT_SMALLER, FindingKind.INSUFFICIENT_UNCERTAINTY_RATIO):
        u_ref = 0.5 if kind is FindingKind.UNCERTAINTY_NOT_SMALLER else 0.2
        ref_cal = calibration("cr", "r", date(2024, 12, 1), points=(g(u_ref),))
        graph = InMemoryGraph([s, ref], [lab_cal, ref_cal], used={"c": ["r"]})
        return StandardSubject(s), date(2025, 2, 1), graph
    if kind is FindingKind.OUT_OF_CALIBRATED_RANGE:
        # the reference covers 1 mg … 100 g only; the working standard is calibrated at 1000 g against it
        ref_cal = calibration(
            "cr",
            "r",
            date(2024, 12, 1),
            points=(CalibrationPoint(0.001, "g", 6e-6), CalibrationPoint(100, "g", 5e-5)),
        )
        graph = InMemoryGraph([s, ref], [lab_cal, ref_cal], used={"c": ["r"]})
        return StandardSubject(s), date(2025, 2, 1), graph
    if kind is FindingKind.WEIGHT_CLASS_UNCERTAINTY:
        # F1 1 kg: MPE 5 mg, so U <= 1.67 mg; the certificate states 2 mg
        weight = standard("s", weight_class="F1")
        graph = InMemoryGraph([weight], [calibration("c", "s", date(2025, 1, 1), points=(g(2.0),))])
        return StandardSubject(weight), date(2025, 2, 1), graph
    if kind is FindingKind.BELOW_CMC:
        # this lab claims 0.5 mg at 1 kg; its CMC there is 0.3 mg + 1e-6 × 1 000 000 mg = 1.3 mg
        ref_cal = calibration("cr", "r", date(2024, 12, 1), points=(g(0.1),))
        graph = InMemoryGraph([s, ref], [lab_cal, ref_cal], used={"c": ["r"]})
        return StandardSubject(s), date(2025, 2, 1), graph
    if kind is FindingKind.READOUT_MISSING:
        probe = standard("p", quantity="temperature", requires_readout=True)
        cal = calibration("cp", "p", date(2025, 1, 1), points=(CalibrationPoint(0.01, "°C", 0.002),))
        return CertificateSubject("HC-2025-00001", (probe,)), date(2025, 2, 1), InMemoryGraph([probe], [cal])
    if kind is FindingKind.NOT_IN_SERVICE:
        retired = standard("s", status_history=(StatusChange(date(2020, 1, 1), StandardStatus.RETIRED),))
        return (
            StandardSubject(retired),
            date(2025, 2, 1),
            InMemoryGraph([retired], [calibration("c", "s", date(2025, 1, 1))]),
        )
    material = ReferenceMaterial(date(2025, 1, 31), date(2024, 12, 1), 400)
    if kind is FindingKind.MATERIAL_SHELF_LIFE_EXCEEDED:
        material = ReferenceMaterial(date(2026, 1, 31), date(2025, 1, 1), 10)
    rm = standard("s", reference_material=material)
    producer = Issuer(IssuerKind.REFERENCE_MATERIAL_PRODUCER, "P")
    return (
        StandardSubject(rm),
        date(2025, 2, 15),
        InMemoryGraph([rm], [calibration("c", "s", date(2025, 1, 1), issuer=producer)]),
    )


@pytest.mark.parametrize("kind", list(FindingKind))
def test_every_finding_kind_has_a_scenario_and_is_reported_alone(kind: FindingKind) -> None:
    subject, on, graph = _scenario(kind)
    scope = SCOPE if kind is FindingKind.BELOW_CMC else ()
    chain = resolve_chain(subject, on, graph, scope=scope)  # type: ignore[arg-type]
    assert kinds(chain) == [kind.value]
    assert chain.complete is (kind.severity is Severity.WARNING)


def test_link_uncertainty_at_the_values_of_use_and_fallbacks() -> None:
    ref = (CalibrationPoint(0.0, "V", 1e-6), CalibrationPoint(10.0, "V", 5e-6))
    # used at 2 V and 5 V: interpolated 1.8e-6 and 3e-6, the larger is shown
    used = (CalibrationPoint(2.0, "V", 1e-5), CalibrationPoint(5.0, "V", 2e-5))
    assert uncertainty_at_points(ref, used) == (pytest.approx(3e-6), "V")
    # used outside the calibrated range only: the certificate's largest U is shown
    assert uncertainty_at_points(ref, (CalibrationPoint(20.0, "V", 1e-4),)) == (5e-6, "V")
    # a certificate in two units with no comparable value of use: nothing single can be shown
    mixed = (*ref, CalibrationPoint(1.0, "A", 1e-5))
    assert uncertainty_at_points(mixed, ()) is None
    two_units = (CalibrationPoint(1.0, "A", 1e-4), CalibrationPoint(5.0, "V", 1e-4))
    assert uncertainty_at_points(mixed, two_units) is None

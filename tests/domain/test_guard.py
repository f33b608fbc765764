"""Workflow guard (issue 4 item 10; ISO/IEC 17025:2017 6.4.4 status gate, 6.4.9 out of service, 6.5)."""

from __future__ import annotations

from datetime import date

import pytest

from lims.domain.calibration_points import CalibrationPoint
from lims.domain.errors import DomainError
from lims.domain.guard import (
    OpenJob,
    StandardInUse,
    StandardRefused,
    can_retire,
    check_measurement,
    ensure_can_retire,
    require_usable,
)
from lims.domain.traceability import (
    CalibrationLink,
    FindingKind,
    Issuer,
    IssuerKind,
    ReferenceMaterial,
    StandardNode,
    StandardStatus,
    StatusChange,
)
from lims.domain.traceability_memory import InMemoryGraph

VMI = Issuer(IssuerKind.NATIONAL_METROLOGY_INSTITUTE, "VMI")
LAB = Issuer(IssuerKind.THIS_LAB, "City Metrology Centre")
COMMISSIONED = StatusChange(date(2020, 1, 1), StandardStatus.IN_SERVICE, "commissioned")


def node(sid: str, *changes: StatusChange, rm: ReferenceMaterial | None = None) -> StandardNode:
    return StandardNode(sid, f"A-{sid}", f"standard {sid}", "temperature", (COMMISSIONED, *changes), rm)


def cal(
    cid: str, sid: str, on: date, until: date, issuer: Issuer = VMI, points: tuple[CalibrationPoint, ...] = ()
) -> CalibrationLink:
    return CalibrationLink(cid, sid, on, f"N-{cid}", issuer, on, until, True, points)


@pytest.fixture
def lab() -> InMemoryGraph:
    """PRT reference (VMI) -> working thermometer (this lab); a quarantined bath; an opened pH buffer."""
    prt, work = node("prt"), node("work")
    bath = node("bath", StatusChange(date(2025, 4, 1), StandardStatus.QUARANTINED, "stability check failed"))
    buffer = node("ph7", rm=ReferenceMaterial(date(2026, 6, 30), date(2025, 3, 1), 60))
    producer = Issuer(IssuerKind.REFERENCE_MATERIAL_PRODUCER, "CRM producer")
    return InMemoryGraph(
        [prt, work, bath, buffer],
        [
            cal("c-prt", "prt", date(2024, 6, 1), date(2025, 5, 31)),
            cal("c-work", "work", date(2025, 1, 15), date(2026, 1, 14), issuer=LAB),
            cal("c-bath", "bath", date(2025, 1, 1), date(2026, 1, 1)),
            cal("c-ph7", "ph7", date(2025, 1, 1), date(2026, 6, 30), issuer=producer),
        ],
        used={"c-work": ["prt"]},
    )


def test_usable_standards_pass(lab: InMemoryGraph) -> None:
    result = check_measurement(
        [lab.standards["work"], lab.standards["ph7"]], measured_on=date(2025, 3, 10), graph=lab
    )
    assert result.allowed and result.refusals == () and result.warnings == ()
    assert require_usable([lab.standards["work"]], measured_on=date(2025, 3, 10), graph=lab).allowed


def test_status_refusal_names_standard_and_reason(lab: InMemoryGraph) -> None:
    result = check_measurement([lab.standards["bath"]], measured_on=date(2025, 4, 2), graph=lab)
    assert [(r.standard, r.kind) for r in result.refusals] == [("A-bath", FindingKind.NOT_IN_SERVICE)]
    assert "A-bath" in result.refusals[0].message and "stability check failed" in result.refusals[0].message


def test_calibration_validity_refusal(lab: InMemoryGraph) -> None:
    result = check_measurement([lab.standards["work"]], measured_on=date(2026, 1, 15), graph=lab)
    assert [r.kind for r in result.refusals] == [FindingKind.EXPIRED]
    assert "N-c-work" in result.refusals[0].message and "2026-01-14" in result.refusals[0].message


def test_reference_material_shelf_life_refusal(lab: InMemoryGraph) -> None:
    result = check_measurement([lab.standards["ph7"]], measured_on=date(2025, 5, 1), graph=lab)
    assert [r.kind for r in result.refusals] == [FindingKind.MATERIAL_SHELF_LIFE_EXCEEDED]


def test_broken_chain_upstream_is_refused_and_says_where(lab: InMemoryGraph) -> None:
    # the working thermometer was calibrated on 2025-01-15 against the PRT; make the PRT's certificate
    # start after that date so the working standard's own link is fine but its chain is not.
    late = InMemoryGraph(
        lab.standards.values(),
        [c for c in lab.calibrations.values() if c.id != "c-prt"]
        + [cal("c-prt", "prt", date(2025, 2, 1), date(2026, 1, 31))],
        used={"c-work": ["prt"]},
    )
    result = check_measurement([late.standards["work"]], measured_on=date(2025, 3, 10), graph=late)
    refused = [(r.standard, r.at, r.kind) for r in result.refusals]
    assert refused == [("A-work", "A-prt", FindingKind.NO_CALIBRATION)]
    assert "chain is broken at A-prt" in result.refusals[0].message


def test_require_usable_raises_with_every_refusal(lab: InMemoryGraph) -> None:
    with pytest.raises(StandardRefused) as info:
        require_usable(
            [lab.standards["bath"], lab.standards["work"], lab.standards["bath"]],
            measured_on=date(2026, 2, 1),
            graph=lab,
        )
    # the bath is both quarantined and past its calibration; listed twice, it is still judged once
    assert [(r.standard, r.kind) for r in info.value.refusals] == [
        ("A-bath", FindingKind.NOT_IN_SERVICE),
        ("A-bath", FindingKind.EXPIRED),
        ("A-work", FindingKind.EXPIRED),
    ]
    assert isinstance(info.value, DomainError) and isinstance(info.value, ValueError)
    assert "A-bath" in str(info.value) and "A-work" in str(info.value)


def test_ratio_warning_does_not_refuse() -> None:
    ref, work = node("ref"), node("work")
    point = CalibrationPoint(100.0, "°C", 0.01)
    graph = InMemoryGraph(
        [ref, work],
        [
            cal("cr", "ref", date(2025, 1, 1), date(2026, 1, 1), points=(point,)),
            cal(
                "cw", "work", date(2025, 2, 1), date(2026, 2, 1), LAB, (CalibrationPoint(100.0, "°C", 0.02),)
            ),
        ],
        used={"cw": ["ref"]},
    )
    result = check_measurement([work], measured_on=date(2025, 3, 1), graph=graph)
    assert result.allowed
    assert [w.kind for w in result.warnings] == [FindingKind.INSUFFICIENT_UNCERTAINTY_RATIO]


def test_standard_cannot_be_retired_while_a_job_relies_on_it() -> None:
    s = node("prt")
    jobs = [OpenJob("J-1", ("work",)), OpenJob("J-2", ("prt", "work")), OpenJob("J-3", ("prt",))]
    assert not can_retire(s, jobs)
    with pytest.raises(StandardInUse) as info:
        ensure_can_retire(s, jobs)
    assert info.value.job_ids == ("J-2", "J-3")
    assert "A-prt" in str(info.value) and "J-2, J-3" in str(info.value)
    assert can_retire(s, jobs[:1])
    ensure_can_retire(s, jobs[:1])

"""Traceability resolved from the database: every finding kind, on SQLite and PostgreSQL.

ISO/IEC 17025:2017 6.5 (metrological traceability) and ILAC-P10:07/2020 (an unbroken chain of calibrations
ending at an NMI or an accredited laboratory); findings as documented in docs/traceability.md.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from lims.domain.traceability import IssuerKind
from lims.errors import NotFound
from lims.models import (
    Certificate,
    JobKind,
    JobReferenceMaterial,
    JobStandard,
    ReferenceMaterial,
    StandardStatus,
    StandardStatusChange,
)
from lims.services.standards.traceability import (
    certificate_chain,
    chain_for,
    reachable_standards,
    standard_chain,
)
from tests.factories import make_calibration, make_job, make_lab, make_standard, make_user

ON = date(2025, 6, 1)
# Internal calibrations: after the references' certificates were issued, certificate issued the same day.
LAB = {
    "issuer_kind": IssuerKind.THIS_LAB,
    "issuer_name": "Trung tâm Đo lường",
    "calibrated_on": date(2025, 2, 1),
    "issued_on": date(2025, 2, 1),
}


def kinds(chain) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(f.kind.value for f in chain.findings)


def test_complete_two_level_chain(session: Session) -> None:
    reference = make_standard(session)
    make_calibration(
        session, reference, points=[{"value": 1000, "unit": "g", "expanded_uncertainty": 0.0002}]
    )
    working = make_standard(session)
    make_calibration(session, working, sources=[reference], **LAB)
    chain = standard_chain(session, working.asset_number, on=ON)
    assert chain.complete and kinds(chain) == []
    assert [(lk.source, lk.target, lk.terminal) for lk in chain.links] == [
        (None, working.asset_number, False),
        (working.asset_number, reference.asset_number, True),
    ]
    data = chain.to_dict()
    assert set(data) >= {"subject", "on", "links", "findings", "complete"}
    assert data["links"][1]["issuer"] == "Viện Đo lường Việt Nam"


def test_expired(session: Session) -> None:
    std = make_standard(session)
    make_calibration(session, std, calibrated_on=date(2024, 1, 1), valid_until=date(2025, 1, 1))
    assert kinds(standard_chain(session, std.asset_number, on=ON)) == ["expired"]


def test_not_yet_valid(session: Session) -> None:
    std = make_standard(session)
    make_calibration(session, std, calibrated_on=date(2025, 5, 25), issued_on=date(2025, 6, 10))
    assert kinds(standard_chain(session, std.asset_number, on=ON)) == ["not_yet_valid"]


def test_missing_file(session: Session) -> None:
    std = make_standard(session)
    make_calibration(session, std, file_sha256=None)
    assert kinds(standard_chain(session, std.asset_number, on=ON)) == ["missing_file"]


def test_no_calibration(session: Session) -> None:
    std = make_standard(session)
    make_calibration(session, std, calibrated_on=date(2025, 7, 1))  # after the date of use
    assert kinds(standard_chain(session, std.asset_number, on=ON)) == ["no_calibration"]


def test_cycle(session: Session) -> None:
    a, b = make_standard(session), make_standard(session)
    make_calibration(session, a, sources=[b], **LAB)
    make_calibration(session, b, sources=[a], **LAB)
    chain = standard_chain(session, a.asset_number, on=ON)
    assert "cycle" in kinds(chain) and not chain.complete


def test_no_terminal_link(session: Session) -> None:
    std = make_standard(session)
    make_calibration(session, std, **LAB)  # internal calibration that names no standard used
    assert kinds(standard_chain(session, std.asset_number, on=ON)) == ["no_terminal_link"]


def test_uncertainty_not_smaller_and_ratio_warning(session: Session) -> None:
    reference = make_standard(session)
    make_calibration(session, reference, points=[{"value": 1000, "unit": "g", "expanded_uncertainty": 0.002}])
    working = make_standard(session)
    make_calibration(
        session,
        working,
        sources=[reference],
        **LAB,
        points=[{"value": 1000, "unit": "g", "expanded_uncertainty": 0.002}],
    )
    assert kinds(standard_chain(session, working.asset_number, on=ON)) == ["uncertainty_not_smaller"]

    reference2 = make_standard(session)
    make_calibration(
        session, reference2, points=[{"value": 1000, "unit": "g", "expanded_uncertainty": 0.001}]
    )
    working2 = make_standard(session)
    make_calibration(
        session,
        working2,
        sources=[reference2],
        **LAB,
        points=[{"value": 1000, "unit": "g", "expanded_uncertainty": 0.003}],
    )
    chain = standard_chain(session, working2.asset_number, on=ON)
    assert kinds(chain) == ["insufficient_uncertainty_ratio"]
    assert chain.complete  # a warning does not block


def test_not_in_service_on_the_date(session: Session) -> None:
    std = make_standard(session)
    make_calibration(session, std)
    session.add(
        StandardStatusChange(
            standard_id=std.id,
            effective_on=date(2020, 1, 1),
            status=StandardStatus.IN_SERVICE,
            reason="Đưa vào sử dụng",
        )
    )
    session.add(
        StandardStatusChange(
            standard_id=std.id,
            effective_on=date(2025, 5, 1),
            status=StandardStatus.QUARANTINED,
            reason="Rơi khi vận chuyển",
        )
    )
    session.flush()
    assert kinds(standard_chain(session, std.asset_number, on=ON)) == ["not_in_service"]
    assert kinds(standard_chain(session, std.asset_number, on=date(2025, 4, 1))) == []


def _certificate_with_material(session: Session, **material: object) -> str:
    job = make_job(session, measured_on=ON)
    rm = ReferenceMaterial(
        **{
            "lab_id": job.lab_id,
            "code": f"RM-{job.id}",
            "name": "Dung dịch pH 7",
            "producer": "Merck",
            "lot": "L1",
            "certified_value": Decimal("7.01"),
            "expanded_uncertainty": Decimal("0.02"),
            "unit": "pH",
            "expiry_on": date(2026, 1, 1),
            "certificate_number": "RM-CERT-1",
            "certificate_issued_on": date(2024, 12, 1),
            **material,
        }
    )
    session.add(rm)
    session.flush()
    session.add(JobReferenceMaterial(job_id=job.id, reference_material_id=rm.id))
    signer = make_user(session)
    cert = Certificate(
        number=f"HC-2025-{job.id:05d}",
        job_id=job.id,
        kind=JobKind.CALIBRATION,
        issued_at=datetime(2025, 6, 2, tzinfo=UTC),
        issued_by_id=signer.id,
    )
    session.add(cert)
    session.flush()
    return cert.number


def test_material_expired_and_shelf_life(session: Session) -> None:
    number = _certificate_with_material(session, expiry_on=date(2025, 5, 1))
    assert "material_expired" in kinds(certificate_chain(session, number))
    number = _certificate_with_material(session, opened_on=date(2025, 1, 1), shelf_life_days_after_opening=90)
    assert "material_shelf_life_exceeded" in kinds(certificate_chain(session, number))


def test_certificate_chain_as_it_stood_on_the_measurement_date(session: Session) -> None:
    reference = make_standard(session)
    make_calibration(session, reference, calibrated_on=date(2024, 1, 10))
    make_calibration(session, reference, calibrated_on=date(2025, 1, 10), certificate_number="V-NEW")
    job = make_job(session, measured_on=date(2024, 6, 1))
    session.add(JobStandard(job_id=job.id, standard_id=reference.id))
    cert = Certificate(
        number="HC-2024-00001",
        job_id=job.id,
        kind=JobKind.CALIBRATION,
        issued_at=datetime(2024, 6, 3, tzinfo=UTC),
        issued_by_id=make_user(session).id,
    )
    session.add(cert)
    session.flush()
    chain = chain_for(session, "HC-2024-00001", on=None, today=date(2026, 1, 1))
    assert chain.on == date(2024, 6, 1)
    assert chain.links[0].calibration is not None and chain.links[0].calibration.certificate_number != "V-NEW"
    assert chain.complete


def test_recursive_query_follows_the_calibration_relied_on_at_each_date(session: Session) -> None:
    # top <- mid (2024, against old_ref) ; mid (2025, against new_ref)
    old_ref, new_ref, mid = make_standard(session), make_standard(session), make_standard(session)
    make_calibration(session, new_ref)
    make_calibration(session, old_ref, calibrated_on=date(2023, 1, 10))
    make_calibration(session, mid, sources=[old_ref], **{**LAB, "calibrated_on": date(2024, 3, 1)})
    make_calibration(session, mid, sources=[new_ref], **{**LAB, "calibrated_on": date(2025, 3, 1)})
    assert reachable_standards(session, [mid.id], date(2024, 6, 1)) == {mid.id, old_ref.id}
    assert reachable_standards(session, [mid.id], date(2025, 6, 1)) == {mid.id, new_ref.id}


def test_unknown_subject(session: Session) -> None:
    make_lab(session)
    with pytest.raises(NotFound, match="NO-SUCH"):
        chain_for(session, "NO-SUCH", on=None, today=ON)


def test_depth_is_bounded_on_long_chains(session: Session) -> None:
    previous = make_standard(session)
    make_calibration(session, previous, points=[{"value": 1, "unit": "g", "expanded_uncertainty": 1e-9}])
    for level in range(6):
        current = make_standard(session)
        when = date(2025, 2, 1) + timedelta(days=level)
        make_calibration(
            session,
            current,
            sources=[previous],
            **{**LAB, "calibrated_on": when, "issued_on": when},
            points=[{"value": 1, "unit": "g", "expanded_uncertainty": 1e-9 * 5 ** (level + 1)}],
        )
        previous = current
    chain = standard_chain(session, previous.asset_number, on=ON)
    assert len(chain.links) == 7 and chain.complete


# --- issue 16 item 4: the checks that catch real defects, from the database ---------------------------------


def _pt(value: float, unit: str, expanded: float) -> dict[str, object]:
    return {"value": value, "unit": unit, "expanded_uncertainty": expanded, "k": 2}


def test_units_are_normalised_kpa_child_against_mpa_parent(session: Session) -> None:
    from lims.models import Quantity

    piston = make_standard(session, quantity=Quantity.PRESSURE, unit="MPa")
    make_calibration(session, piston, points=[_pt(1.0, "MPa", 0.00006), _pt(7.0, "MPa", 0.0003)])
    controller = make_standard(session, quantity=Quantity.PRESSURE, unit="kPa")
    # 0.16 kPa at 7000 kPa against the piston gauge's 0.3 kPa at 7 MPa: R = 0.53 <= 1
    make_calibration(
        session,
        controller,
        sources=[piston],
        points=[_pt(1000.0, "kPa", 0.16), _pt(7000.0, "kPa", 0.16)],
        **LAB,
    )
    chain = standard_chain(session, controller.asset_number, on=ON)
    assert kinds(chain) == ["uncertainty_not_smaller"] and not chain.complete


def test_reference_used_outside_its_calibrated_range(session: Session) -> None:
    e2 = make_standard(session, accuracy="E2 (OIML R 111)")
    make_calibration(session, e2, points=[_pt(0.001, "g", 0.000002), _pt(1000.0, "g", 0.00025)])
    f1 = make_standard(session, accuracy="F1 (OIML R 111)")
    make_calibration(
        session, f1, sources=[e2], points=[_pt(1000.0, "g", 0.0015), _pt(10.0, "kg", 0.000015)], **LAB
    )
    chain = standard_chain(session, f1.asset_number, on=ON)
    assert kinds(chain) == ["out_of_calibrated_range"]
    assert chain.findings[0].standard == e2.asset_number


def test_weight_class_uncertainty_from_the_accuracy_field(session: Session) -> None:
    f1 = make_standard(session, accuracy="F1 (OIML R 111)")
    # 0.1 g at 1 kg is far above MPE/3 = 5 mg / 3
    make_calibration(session, f1, points=[_pt(1000.0, "g", 0.1)])
    assert kinds(standard_chain(session, f1.asset_number, on=ON)) == ["weight_class_uncertainty"]


def test_in_house_calibration_below_the_lab_cmc(session: Session) -> None:
    from lims.models import CmcEntry

    e2 = make_standard(session)
    make_calibration(session, e2, points=[_pt(1000.0, "g", 0.0002)])
    f1 = make_standard(session, lab_id=e2.lab_id)
    make_calibration(session, f1, sources=[e2], points=[_pt(1000.0, "g", 0.0012)], **LAB)
    assert kinds(standard_chain(session, f1.asset_number, on=ON)) == []
    # CMC 0.00002 g + 1.3e-6 × 1000 g = 0.00132 g > 0.0012 g claimed
    session.add(
        CmcEntry(
            lab_id=e2.lab_id,
            quantity="mass",
            unit="g",
            range_min=Decimal(1),
            range_max=Decimal(20000),
            a=Decimal("0.00002"),
            b=Decimal("0.0000013"),
            procedure_code="CAL-W-R111",
        )
    )
    session.flush()
    assert kinds(standard_chain(session, f1.asset_number, on=ON)) == ["below_cmc"]


def test_thermometer_without_its_readout(session: Session) -> None:
    from lims.models import Quantity

    sprt = make_standard(
        session, quantity=Quantity.TEMPERATURE, unit="°C", characteristics={"requires_readout": True}
    )
    make_calibration(session, sprt, points=[_pt(0.01, "°C", 0.002), _pt(231.928, "°C", 0.008)])
    readout = make_standard(
        session, quantity=Quantity.TEMPERATURE, unit="°C", characteristics={"readout": True}
    )
    make_calibration(session, readout, points=[_pt(25.0, "Ω", 0.00005), _pt(100.0, "Ω", 0.0002)])
    bath = make_standard(session, quantity=Quantity.TEMPERATURE, unit="°C")
    make_calibration(
        session, bath, sources=[sprt], points=[_pt(20.0, "°C", 0.05), _pt(200.0, "°C", 0.05)], **LAB
    )
    assert kinds(standard_chain(session, bath.asset_number, on=ON)) == ["readout_missing"]
    bath2 = make_standard(session, quantity=Quantity.TEMPERATURE, unit="°C")
    make_calibration(
        session, bath2, sources=[sprt, readout], points=[_pt(20.0, "°C", 0.05), _pt(200.0, "°C", 0.05)], **LAB
    )
    assert kinds(standard_chain(session, bath2.asset_number, on=ON)) == []


def test_the_job_guard_refuses_an_in_house_standard_below_the_cmc(session: Session) -> None:
    from lims.models import CmcEntry
    from lims.services.jobs.errors import StandardNotUsable
    from lims.services.jobs.jobs import guard_standards

    e2 = make_standard(session)
    make_calibration(session, e2, points=[_pt(1000.0, "g", 0.0002)])
    f1 = make_standard(session, lab_id=e2.lab_id)
    make_calibration(session, f1, sources=[e2], points=[_pt(1000.0, "g", 0.0012)], **LAB)
    guard_standards(session, [f1.id], ON)  # no CMC yet: usable
    session.add(
        CmcEntry(
            lab_id=e2.lab_id,
            quantity="mass",
            unit="kg",
            range_min=Decimal("0.001"),
            range_max=Decimal(20),
            a=Decimal("0.00000002"),
            b=Decimal("0.0000013"),
            procedure_code="QT-KL-01",
        )
    )
    session.flush()
    with pytest.raises(StandardNotUsable, match="CMC"):
        guard_standards(session, [f1.id], ON)

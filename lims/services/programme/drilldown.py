"""The records behind each programme figure, for the dashboard's drill-down lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.domain.programme import Indicator
from lims.localtime import lab_zone, to_lab_time
from lims.models import (
    Certificate,
    CertificationStandard,
    DemandInstrumentType,
    Enterprise,
    JobKind,
    LabAssessment,
    MeasurementAssuranceSupport,
    MeasurementStandard,
    ReferenceMaterial,
    ServiceCertification,
    StandardDevelopment,
    StandardLevel,
    TrainingCourse,
    TrainingParticipation,
)
from lims.services.programme.queries import NOT_IN_SERVICE, certified_services

LIMIT = 500
SERVICE_NAMES = {
    JobKind.CALIBRATION: "Giấy chứng nhận hiệu chuẩn",
    JobKind.VERIFICATION: "Giấy chứng nhận kiểm định",
}
STANDARD_NAMES = {
    CertificationStandard.ISO_IEC_17025: "ISO/IEC 17025",
    CertificationStandard.ISO_9001: "ISO 9001",
}


@dataclass(frozen=True, slots=True)
class RecordLine:
    """One record behind a figure; ``kind`` and ``record_id`` lead to its page, ``result`` is an
    assessment's outcome (the page translates it)."""

    day: date | None
    what: str
    detail: str
    kind: str | None = None
    record_id: int | None = None
    result: str | None = None


def indicator_records(session: Session, indicator: Indicator, start: date, end: date) -> list[RecordLine]:
    """The records an indicator counts over ``start..end`` (at most 500, newest first)."""
    if indicator is Indicator.TRAINING_PARTICIPATIONS:
        rows = session.execute(
            select(
                TrainingCourse.ends_on,
                TrainingParticipation.full_name,
                TrainingParticipation.organisation,
                TrainingCourse.topic,
            )
            .join(TrainingCourse, TrainingCourse.id == TrainingParticipation.course_id)
            .where(TrainingCourse.ends_on.between(start, end), TrainingParticipation.withdrawn_at.is_(None))
            .order_by(TrainingCourse.ends_on.desc(), TrainingParticipation.id)
            .limit(LIMIT)
        ).all()
        return [RecordLine(r[0], r[1], f"{r[3]} — {r[2] or ''}".rstrip(" —")) for r in rows]
    if indicator is Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME:
        supports = session.execute(
            select(
                MeasurementAssuranceSupport.supported_on,
                Enterprise.name,
                MeasurementAssuranceSupport.content,
                MeasurementAssuranceSupport.id,
                MeasurementAssuranceSupport.provided_by,
            )
            .join(Enterprise, Enterprise.id == MeasurementAssuranceSupport.enterprise_id)
            .where(
                MeasurementAssuranceSupport.supported_on.between(start, end),
                MeasurementAssuranceSupport.withdrawn_at.is_(None),
            )
            .order_by(MeasurementAssuranceSupport.supported_on.desc())
            .limit(LIMIT)
        ).all()
        lines: list[RecordLine] = [
            RecordLine(r[0], r[1], f"{r[2]} — {r[4]}" if r[4] else r[2], "supports", r[3]) for r in supports
        ]
        certified = certified_services(start, end).subquery()
        zone = lab_zone()
        certificates = session.execute(
            select(Certificate.issued_at, Enterprise.name, Certificate.number, Certificate.kind)
            .join(certified, certified.c.id == Certificate.id)
            .join(Enterprise, Enterprise.id == certified.c.enterprise_id)
            .order_by(Certificate.issued_at.desc())
            .limit(LIMIT)
        ).all()
        lines += [
            RecordLine(to_lab_time(r[0], zone).date(), r[1], f"{SERVICE_NAMES[r[3]]} {r[2]}")
            for r in certificates
        ]
        return sorted(lines, key=lambda line: line.day or date.min, reverse=True)
    if indicator in (
        Indicator.LABS_APPLYING_NATIONAL_CRITERIA,
        Indicator.ACCREDITED_LABS_APPLYING_NATIONAL_CRITERIA,
    ):
        labs = select(LabAssessment).where(
            LabAssessment.assessed_on.between(start, end), LabAssessment.withdrawn_at.is_(None)
        )
        if indicator is Indicator.ACCREDITED_LABS_APPLYING_NATIONAL_CRITERIA:
            labs = labs.where(LabAssessment.accredited.is_(True))
        return [
            RecordLine(a.assessed_on, a.lab_name, a.lab_code, "assessments", a.id, a.result.value)
            for a in session.scalars(labs.order_by(LabAssessment.assessed_on.desc()).limit(LIMIT))
        ]
    if indicator is Indicator.SERVICE_ORGANISATIONS_CAPACITY_RAISED:
        return [
            RecordLine(
                c.issued_on,
                c.organisation_name,
                f"{STANDARD_NAMES[c.standard]} {c.certificate_number}",
                "certifications",
                c.id,
            )
            for c in session.scalars(
                select(ServiceCertification)
                .where(
                    ServiceCertification.issued_on.between(start, end),
                    ServiceCertification.withdrawn_at.is_(None),
                )
                .order_by(ServiceCertification.issued_on.desc())
                .limit(LIMIT)
            )
        ]
    if indicator is Indicator.STATE_DEMAND_MET:
        return [
            RecordLine(
                d.covered_since if d.covered_since and d.covered_since <= end else None,
                d.name,
                f"{d.annual_demand} — {d.procedure_code or '—'}",
                "demand",
                d.id,
            )
            for d in session.scalars(
                select(DemandInstrumentType)
                .where(DemandInstrumentType.withdrawn_at.is_(None))
                .order_by(DemandInstrumentType.name)
            )
        ]
    lines = []
    developed = (
        select(StandardDevelopment, MeasurementStandard)
        .join(MeasurementStandard, MeasurementStandard.id == StandardDevelopment.standard_id)
        .where(
            StandardDevelopment.developed_on.between(start, end),
            StandardDevelopment.withdrawn_at.is_(None),
            MeasurementStandard.status.not_in(NOT_IN_SERVICE),
        )
    )
    if indicator is Indicator.HIGH_ACCURACY_STANDARDS:
        developed = developed.where(MeasurementStandard.level == StandardLevel.REFERENCE)
    lines += [
        RecordLine(d.developed_on, s.name, f"{s.asset_number} — {d.funding}", "developments", d.id)
        for d, s in session.execute(developed.limit(LIMIT)).tuples()
    ]
    if indicator is Indicator.STANDARDS_REFERENCE_MATERIALS_INSTRUMENTS_DEVELOPED:
        materials = (
            select(StandardDevelopment, ReferenceMaterial)
            .join(ReferenceMaterial, ReferenceMaterial.id == StandardDevelopment.reference_material_id)
            .where(
                StandardDevelopment.developed_on.between(start, end),
                StandardDevelopment.withdrawn_at.is_(None),
                ReferenceMaterial.status.not_in(NOT_IN_SERVICE),
            )
        )
        lines += [
            RecordLine(d.developed_on, m.name, f"{m.code} — {d.funding}", "developments", d.id)
            for d, m in session.execute(materials.limit(LIMIT)).tuples()
        ]
    return sorted(lines, key=lambda line: line.day or date.min, reverse=True)

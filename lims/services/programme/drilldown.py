"""The records behind each programme figure, for the dashboard's drill-down lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.domain.programme import Indicator
from lims.models import (
    DemandInstrumentType,
    Enterprise,
    LabAssessment,
    MeasurementAssuranceSupport,
    MeasurementStandard,
    ReferenceMaterial,
    ServiceCertification,
    StandardLevel,
    TrainingCourse,
    TrainingParticipation,
)
from lims.services.programme.report import NOT_IN_SERVICE

LIMIT = 500


@dataclass(frozen=True, slots=True)
class RecordLine:
    day: date | None
    what: str
    detail: str


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
            .where(TrainingCourse.ends_on.between(start, end))
            .order_by(TrainingCourse.ends_on.desc(), TrainingParticipation.id)
            .limit(LIMIT)
        ).all()
        return [RecordLine(r[0], r[1], f"{r[3]} — {r[2] or ''}".rstrip(" —")) for r in rows]
    if indicator is Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME:
        supports = session.execute(
            select(
                MeasurementAssuranceSupport.supported_on, Enterprise.name, MeasurementAssuranceSupport.content
            )
            .join(Enterprise, Enterprise.id == MeasurementAssuranceSupport.enterprise_id)
            .where(MeasurementAssuranceSupport.supported_on.between(start, end))
            .order_by(MeasurementAssuranceSupport.supported_on.desc())
            .limit(LIMIT)
        ).all()
        return [RecordLine(r[0], r[1], r[2]) for r in supports]
    if indicator in (
        Indicator.LABS_APPLYING_NATIONAL_CRITERIA,
        Indicator.ACCREDITED_LABS_APPLYING_NATIONAL_CRITERIA,
    ):
        labs = select(LabAssessment).where(LabAssessment.assessed_on.between(start, end))
        if indicator is Indicator.ACCREDITED_LABS_APPLYING_NATIONAL_CRITERIA:
            labs = labs.where(LabAssessment.accredited.is_(True))
        return [
            RecordLine(a.assessed_on, a.lab_name, f"{a.lab_code} — {a.result.value}")
            for a in session.scalars(labs.order_by(LabAssessment.assessed_on.desc()).limit(LIMIT))
        ]
    if indicator is Indicator.SERVICE_ORGANISATIONS_CAPACITY_RAISED:
        return [
            RecordLine(c.issued_on, c.organisation_name, f"{c.standard.value} {c.certificate_number}")
            for c in session.scalars(
                select(ServiceCertification)
                .where(ServiceCertification.issued_on.between(start, end))
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
            )
            for d in session.scalars(select(DemandInstrumentType).order_by(DemandInstrumentType.name))
        ]
    lines: list[RecordLine] = []
    stmt = select(MeasurementStandard).where(
        MeasurementStandard.programme_developed_on.between(start, end),
        MeasurementStandard.status.not_in(NOT_IN_SERVICE),
    )
    if indicator is Indicator.HIGH_ACCURACY_STANDARDS:
        stmt = stmt.where(MeasurementStandard.level == StandardLevel.REFERENCE)
    lines += [
        RecordLine(s.programme_developed_on, s.name, s.asset_number)
        for s in session.scalars(stmt.limit(LIMIT))
    ]
    if indicator is Indicator.STANDARDS_REFERENCE_MATERIALS_INSTRUMENTS_DEVELOPED:
        lines += [
            RecordLine(m.programme_developed_on, m.name, m.code)
            for m in session.scalars(
                select(ReferenceMaterial)
                .where(
                    ReferenceMaterial.programme_developed_on.between(start, end),
                    ReferenceMaterial.status.not_in(NOT_IN_SERVICE),
                )
                .limit(LIMIT)
            )
        ]
    return sorted(lines, key=lambda line: line.day or date.min, reverse=True)

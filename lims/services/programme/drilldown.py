"""The records behind each programme figure, for the dashboard's drill-down lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, tzinfo
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.domain.programme import Indicator
from lims.localtime import to_lab_time
from lims.models import (
    AssessmentResult,
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
STANDARD_NAMES = {
    CertificationStandard.ISO_IEC_17025: "ISO/IEC 17025",
    CertificationStandard.ISO_9001: "ISO 9001",
}


class LineKind(StrEnum):
    """What a line of the drill-down is; the page and the report name it in words (never this code)."""

    PARTICIPATION = "participation"
    SUPPORT = "support"
    CERTIFICATE = "certificate"  # the lab's own calibration or verification certificate
    ASSESSMENT = "assessment"
    CERTIFICATION = "certification"
    DEMAND = "demand"
    STANDARD = "standard"
    REFERENCE_MATERIAL = "reference_material"


class LineStatus(StrEnum):
    """A line's status, a closed list: an assessment's outcome, a certificate's service, whether a demand
    type is covered, who gave a support. The page and the report translate each one."""

    MET = AssessmentResult.MET.value
    PARTIALLY_MET = AssessmentResult.PARTIALLY_MET.value
    NOT_MET = AssessmentResult.NOT_MET.value
    CALIBRATION = JobKind.CALIBRATION.value
    VERIFICATION = JobKind.VERIFICATION.value
    COVERED = "covered"
    NOT_COVERED = "not_covered"
    BY_LAB = "by_lab"  # the lab or the Department
    BY_OTHER_BODY = "by_other_body"


@dataclass(frozen=True, slots=True)
class RecordLine:
    """One record behind a figure: ``line_kind`` and ``status`` are codes the page and the report
    translate; ``kind`` and ``record_id`` lead to the record's page (``parent_id``: a participation's
    course); ``content`` is a support's stored content (the plan's content codes, or an old free text)."""

    day: date | None
    what: str
    detail: str
    line_kind: LineKind
    kind: str | None = None
    record_id: int | None = None
    status: LineStatus | None = None
    parent_id: int | None = None
    content: str | None = None


def indicator_records(
    session: Session, indicator: Indicator, start: date, end: date, *, zone: tzinfo
) -> list[RecordLine]:
    """The records an indicator counts over ``start..end`` (at most 500, newest first); certificates are
    dated in the lab's time zone ``zone`` (``LIMS_TIMEZONE``)."""
    if indicator is Indicator.TRAINING_PARTICIPATIONS:
        rows = session.execute(
            select(
                TrainingCourse.ends_on,
                TrainingParticipation.full_name,
                TrainingParticipation.organisation,
                TrainingCourse.topic,
                TrainingParticipation.id,
                TrainingCourse.id,
            )
            .join(TrainingCourse, TrainingCourse.id == TrainingParticipation.course_id)
            .where(
                TrainingCourse.ends_on.between(start, end),
                TrainingCourse.withdrawn_at.is_(None),
                TrainingParticipation.withdrawn_at.is_(None),
            )
            .order_by(TrainingCourse.ends_on.desc(), TrainingParticipation.id)
            .limit(LIMIT)
        ).all()
        return [
            RecordLine(
                r[0],
                r[1],
                f"{r[3]} — {r[2] or ''}".rstrip(" —"),
                LineKind.PARTICIPATION,
                "participants",
                r[4],
                parent_id=r[5],
            )
            for r in rows
        ]
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
            RecordLine(
                r[0],
                r[1],
                r[4] or "",
                LineKind.SUPPORT,
                "supports",
                r[3],
                LineStatus.BY_OTHER_BODY if r[4] else LineStatus.BY_LAB,
                content=r[2],
            )
            for r in supports
        ]
        certified = certified_services(start, end, zone=zone).subquery()
        certificates = session.execute(
            select(Certificate.issued_at, Enterprise.name, Certificate.number, Certificate.kind)
            .join(certified, certified.c.id == Certificate.id)
            .join(Enterprise, Enterprise.id == certified.c.enterprise_id)
            .order_by(Certificate.issued_at.desc())
            .limit(LIMIT)
        ).all()
        lines += [
            RecordLine(
                to_lab_time(r[0], zone).date(),
                r[1],
                r[2],
                LineKind.CERTIFICATE,
                status=LineStatus(r[3].value),
            )
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
            RecordLine(
                a.assessed_on,
                a.lab_name,
                a.lab_code,
                LineKind.ASSESSMENT,
                "assessments",
                a.id,
                LineStatus(a.result.value),
            )
            for a in session.scalars(labs.order_by(LabAssessment.assessed_on.desc()).limit(LIMIT))
        ]
    if indicator is Indicator.SERVICE_ORGANISATIONS_CAPACITY_RAISED:
        return [
            RecordLine(
                c.issued_on,
                c.organisation_name,
                f"{STANDARD_NAMES[c.standard]} {c.certificate_number}",
                LineKind.CERTIFICATION,
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
        demand = session.scalars(
            select(DemandInstrumentType)
            .where(DemandInstrumentType.withdrawn_at.is_(None))
            .order_by(DemandInstrumentType.name)
        ).all()
        covered = [d.covered_since is not None and d.covered_since <= end for d in demand]
        return [
            RecordLine(
                d.covered_since if is_covered else None,
                d.name,
                f"{d.annual_demand} — {d.procedure_code or '—'}",
                LineKind.DEMAND,
                "demand",
                d.id,
                LineStatus.COVERED if is_covered else LineStatus.NOT_COVERED,
            )
            for d, is_covered in zip(demand, covered, strict=True)
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
        RecordLine(
            d.developed_on, s.name, f"{s.asset_number} — {d.funding}", LineKind.STANDARD, "developments", d.id
        )
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
            RecordLine(
                d.developed_on,
                m.name,
                f"{m.code} — {d.funding}",
                LineKind.REFERENCE_MATERIAL,
                "developments",
                d.id,
            )
            for d, m in session.execute(materials.limit(LIMIT)).tuples()
        ]
    return sorted(lines, key=lambda line: line.day or date.min, reverse=True)

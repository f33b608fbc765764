"""Records of the city programme (Decision 996/QĐ-TTg plans): the indicators are counted from these.

Training courses and their participations, Measurement Assurance Programme support of enterprises,
support applications and the grants decided on them, lab assessments against the national criteria,
service organisations' certifications, the demand catalogue of instrument types the city must verify
or calibrate, and the yearly progress notes of the plan's appendix tasks.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lims.db import Base, enum_column_type
from lims.models.audit_mixin import Audited
from lims.models.organisation import Enterprise
from lims.models.standard import MeasurementStandard, ReferenceMaterial
from lims.models.types import Quantity, created_at, intpk, str20, str50, str100, str200, str500


class Withdrawable:
    """A programme record that is withdrawn with a reason instead of deleted: the trail keeps it, the
    indicators stop counting it."""

    withdrawn_at: Mapped[datetime | None]
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class ApplicationStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class AssessmentResult(StrEnum):
    """Outcome of an assessment against the national criteria (bộ tiêu chí quốc gia)."""

    MET = "met"
    PARTIALLY_MET = "partially_met"
    NOT_MET = "not_met"


class CertificationStandard(StrEnum):
    ISO_IEC_17025 = "iso_iec_17025"
    ISO_9001 = "iso_9001"


class TrainingCourse(Withdrawable, Audited, Base):
    """A course of the programme (bồi dưỡng chuyên môn nghiệp vụ về đo lường); a withdrawn course's
    participations count nowhere."""

    __tablename__ = "training_course"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="dates_in_order"),)

    id: Mapped[intpk]
    topic: Mapped[str500]
    organiser: Mapped[str200]
    location: Mapped[str200 | None]
    starts_on: Mapped[date]
    ends_on: Mapped[date] = mapped_column(index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_at]

    participations: Mapped[list[TrainingParticipation]] = relationship(
        back_populates="course", order_by="TrainingParticipation.id"
    )


class TrainingParticipation(Withdrawable, Audited, Base):
    """One person attending one course: the plans count these 'lượt' (a person on two courses counts twice)."""

    __tablename__ = "training_participation"
    __table_args__ = (
        UniqueConstraint("course_id", "identity_key"),
        CheckConstraint(
            "national_id IS NOT NULL OR phone IS NOT NULL OR email IS NOT NULL", name="has_identity"
        ),
    )

    id: Mapped[intpk]
    course_id: Mapped[int] = mapped_column(ForeignKey("training_course.id"), index=True)
    full_name: Mapped[str200]
    national_id: Mapped[str20 | None]
    phone: Mapped[str50 | None]
    email: Mapped[str200 | None]
    organisation: Mapped[str200 | None]
    identity_key: Mapped[str200]  # normalised national id, else phone, else e-mail: one person per course
    created_at: Mapped[created_at]

    course: Mapped[TrainingCourse] = relationship(back_populates="participations")


class MeasurementAssuranceSupport(Withdrawable, Audited, Base):
    """An enterprise supported under the Measurement Assurance Programme (Chương trình đảm bảo đo lường)."""

    __tablename__ = "measurement_assurance_support"

    id: Mapped[intpk]
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    supported_on: Mapped[date] = mapped_column(index=True)
    content: Mapped[str500]
    application_id: Mapped[int | None] = mapped_column(ForeignKey("support_application.id"), index=True)
    provided_by: Mapped[str200 | None]  # another body that gave the support; None: the lab or the Department
    created_at: Mapped[created_at]

    enterprise: Mapped[Enterprise] = relationship()


class SupportApplication(Audited, Base):
    """An enterprise's application for one or several support contents, and the decision on it."""

    __tablename__ = "support_application"

    id: Mapped[intpk]
    programme_id: Mapped[str50] = mapped_column(index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    applied_on: Mapped[date]
    contents: Mapped[list[Any]] = mapped_column(default=list)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)  # eligibility item id -> evidence
    costs_vnd: Mapped[dict[str, Any]] = mapped_column(default=dict)  # content id -> declared cost
    priority: Mapped[bool] = mapped_column(Boolean, default=False)
    priority_sector: Mapped[str200 | None]
    status: Mapped[ApplicationStatus] = mapped_column(
        enum_column_type(ApplicationStatus), default=ApplicationStatus.PENDING, index=True
    )
    decided_on: Mapped[date | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime | None]

    enterprise: Mapped[Enterprise] = relationship()
    grants: Mapped[list[SupportGrant]] = relationship(
        back_populates="application", order_by="SupportGrant.id"
    )


class SupportGrant(Audited, Base):
    """A content granted to an organisation; the unique key is the plan's 'once per content' rule."""

    __tablename__ = "support_grant"
    __table_args__ = (UniqueConstraint("programme_id", "enterprise_id", "content_id"),)

    id: Mapped[intpk]
    programme_id: Mapped[str50]
    application_id: Mapped[int] = mapped_column(ForeignKey("support_application.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    content_id: Mapped[str50]
    policy_id: Mapped[str100]
    share_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    cap_vnd: Mapped[int | None] = mapped_column(BigInteger)
    amount_vnd: Mapped[int | None] = mapped_column(BigInteger)
    granted_on: Mapped[date]

    application: Mapped[SupportApplication] = relationship(back_populates="grants")


class LabAssessment(Withdrawable, Audited, Base):
    """A laboratory assessed against the national criteria for the fields of measurement."""

    __tablename__ = "lab_assessment"

    id: Mapped[intpk]
    lab_name: Mapped[str200]
    lab_code: Mapped[str50] = mapped_column(
        index=True
    )  # registration or accreditation number: the lab's identity
    accredited: Mapped[bool] = mapped_column(Boolean, default=False)
    accreditation_number: Mapped[str50 | None]
    assessed_on: Mapped[date] = mapped_column(index=True)
    result: Mapped[AssessmentResult] = mapped_column(enum_column_type(AssessmentResult))
    assessor: Mapped[str200 | None]
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_at]


class ServiceCertification(Withdrawable, Audited, Base):
    """A verification/calibration/testing service organisation certified to ISO/IEC 17025 or ISO 9001."""

    __tablename__ = "service_certification"
    __table_args__ = (
        UniqueConstraint("standard", "certificate_number"),
        CheckConstraint("expires_on IS NULL OR expires_on >= issued_on", name="dates_in_order"),
    )

    id: Mapped[intpk]
    organisation_name: Mapped[str200]
    organisation_code: Mapped[str50] = mapped_column(index=True)  # tax code: the organisation's identity
    standard: Mapped[CertificationStandard] = mapped_column(enum_column_type(CertificationStandard))
    certificate_number: Mapped[str100]
    certification_body: Mapped[str200 | None]
    issued_on: Mapped[date] = mapped_column(index=True)
    expires_on: Mapped[date | None]
    created_at: Mapped[created_at]


class DemandInstrumentType(Withdrawable, Audited, Base):
    """An instrument type the city must verify or calibrate, and whether the lab's scope covers it."""

    __tablename__ = "demand_instrument_type"
    __table_args__ = (CheckConstraint("annual_demand > 0", name="positive_demand"),)

    id: Mapped[intpk]
    name: Mapped[str200] = mapped_column(unique=True)
    quantity: Mapped[Quantity] = mapped_column(enum_column_type(Quantity))
    annual_demand: Mapped[int] = mapped_column(Integer)  # instruments a year needing verification/calibration
    legal_basis: Mapped[str200 | None]
    procedure_code: Mapped[str50 | None]  # the lab's procedure (capability scope) that covers the type
    covered_since: Mapped[date | None]  # from this date the lab can serve the type
    surveyed_on: Mapped[date | None]  # the demand survey the annual figure comes from
    survey_source: Mapped[str200 | None]
    created_at: Mapped[created_at]


class ProgrammeTaskProgress(Withdrawable, Audited, Base):
    """What was done in a year on one task of the plan's appendix."""

    __tablename__ = "programme_task_progress"
    __table_args__ = (UniqueConstraint("programme_id", "task_id", "year"),)

    id: Mapped[intpk]
    programme_id: Mapped[str50]
    task_id: Mapped[str20]
    year: Mapped[int] = mapped_column(Integer)
    done: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime | None]

    evidence: Mapped[list[TaskProgressEvidence]] = relationship(
        back_populates="progress", order_by="TaskProgressEvidence.id"
    )


class TaskProgressEvidence(Audited, Base):
    """A file supporting a task's progress note (minutes, acceptance record, photographs)."""

    __tablename__ = "task_progress_evidence"

    id: Mapped[intpk]
    progress_id: Mapped[int] = mapped_column(ForeignKey("programme_task_progress.id"), index=True)
    storage_key: Mapped[str200] = mapped_column(unique=True)
    filename: Mapped[str200]
    content_type: Mapped[str100]
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[created_at]

    progress: Mapped[ProgrammeTaskProgress] = relationship(back_populates="evidence")


class StandardDevelopment(Withdrawable, Audited, Base):
    """A standard or a reference material developed under the programme: the record the 'standards
    developed' indicators count (Hà Nội tasks 3.1.b/c, Đà Nẵng II.2.a)."""

    __tablename__ = "standard_development"
    __table_args__ = (
        CheckConstraint(
            "(standard_id IS NULL) <> (reference_material_id IS NULL)", name="one_standard_or_material"
        ),
    )

    id: Mapped[intpk]
    programme_id: Mapped[str50]
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("measurement_standard.id"), index=True)
    reference_material_id: Mapped[int | None] = mapped_column(ForeignKey("reference_material.id"), index=True)
    developed_on: Mapped[date] = mapped_column(index=True)
    funding: Mapped[str200]  # the source of funds, in the Department's words
    funding_vnd: Mapped[int | None] = mapped_column(BigInteger)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_at]

    standard: Mapped[MeasurementStandard | None] = relationship()
    reference_material: Mapped[ReferenceMaterial | None] = relationship()


class ProgrammeBaseline(Withdrawable, Audited, Base):
    """The previous phase's figure a growth target is measured against, entered when the records do
    not hold it (a deployment that starts in the later phase), with the document it comes from."""

    __tablename__ = "programme_baseline"
    __table_args__ = (UniqueConstraint("programme_id", "phase_id", "indicator"),)

    id: Mapped[intpk]
    programme_id: Mapped[str50]
    phase_id: Mapped[str20]  # the phase whose target grows from the baseline
    indicator: Mapped[str100]
    value: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    source: Mapped[str] = mapped_column(Text)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime | None]


class ReportSubmission(Audited, Base):
    """An annual report marked as submitted: its PDF and XLSX frozen in the file store with their SHA-256."""

    __tablename__ = "programme_report_submission"
    __table_args__ = (UniqueConstraint("programme_id", "year"),)

    id: Mapped[intpk]
    programme_id: Mapped[str50]
    year: Mapped[int] = mapped_column(Integer)
    submitted_on: Mapped[date]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    pdf_key: Mapped[str200]
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    xlsx_key: Mapped[str200]
    xlsx_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[created_at]


class EnterpriseSector(Audited, Base):
    """An enterprise's sector as a VSIC 2018 code, confirmed by the lab with evidence (the business
    registration certificate's main line): only a confirmed sector can put an application first."""

    __tablename__ = "enterprise_sector"

    id: Mapped[intpk]
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), unique=True)
    vsic_code: Mapped[str20]
    evidence: Mapped[str] = mapped_column(Text)
    confirmed_on: Mapped[date]
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime | None]


class ProgrammePrioritySector(Withdrawable, Audited, Base):
    """A priority sector added by the Department when the city issues its list (Hà Nội Plan 16 III.2
    refers to a list issued separately), with the document that issued it; added to the plan file's."""

    __tablename__ = "programme_priority_sector"

    id: Mapped[intpk]
    programme_id: Mapped[str50] = mapped_column(index=True)
    name_vi: Mapped[str200]
    vsic_codes: Mapped[list[Any]] = mapped_column(default=list)
    source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]

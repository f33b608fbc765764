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
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lims.db import Base, enum_column_type
from lims.models.audit_mixin import Audited
from lims.models.organisation import Enterprise
from lims.models.types import Quantity, created_at, intpk, str20, str50, str100, str200, str500


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


class TrainingCourse(Audited, Base):
    """A course of the programme (bồi dưỡng chuyên môn nghiệp vụ về đo lường)."""

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


class TrainingParticipation(Audited, Base):
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


class MeasurementAssuranceSupport(Audited, Base):
    """An enterprise supported under the Measurement Assurance Programme (Chương trình đảm bảo đo lường)."""

    __tablename__ = "measurement_assurance_support"

    id: Mapped[intpk]
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    supported_on: Mapped[date] = mapped_column(index=True)
    content: Mapped[str500]
    application_id: Mapped[int | None] = mapped_column(ForeignKey("support_application.id"), index=True)
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


class LabAssessment(Audited, Base):
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


class ServiceCertification(Audited, Base):
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


class DemandInstrumentType(Audited, Base):
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
    created_at: Mapped[created_at]


class ProgrammeTaskProgress(Audited, Base):
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

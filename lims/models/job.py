"""Calibration and verification jobs and their measurements."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, Numeric, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lims.db import Base, enum_column_type
from lims.models.audit_mixin import Audited
from lims.models.instrument import CustomerInstrument
from lims.models.organisation import Enterprise
from lims.models.procedure import Procedure
from lims.models.types import JobKind, JobState, created_at, intpk, str20, str50


class Job(Audited, Base):
    __tablename__ = "job"
    __table_args__ = (
        Index("ix_job_state_id", "state", "id"),
        Index("ix_job_enterprise_id_id", "enterprise_id", "id"),
    )

    id: Mapped[intpk]
    number: Mapped[str50] = mapped_column(unique=True)
    lab_id: Mapped[int] = mapped_column(ForeignKey("lab.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    instrument_id: Mapped[int] = mapped_column(ForeignKey("customer_instrument.id"), index=True)
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedure.id"))
    kind: Mapped[JobKind] = mapped_column(enum_column_type(JobKind))
    state: Mapped[JobState] = mapped_column(enum_column_type(JobState), default=JobState.REQUESTED)
    requested_on: Mapped[date]
    received_on: Mapped[date | None]
    due_on: Mapped[date | None]
    measured_on: Mapped[date | None]
    on_site: Mapped[bool] = mapped_column(default=False)
    requirements: Mapped[dict[str, Any]] = mapped_column(default=dict)
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    signatory_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime | None]

    enterprise: Mapped[Enterprise] = relationship()
    instrument: Mapped[CustomerInstrument] = relationship()
    procedure: Mapped[Procedure | None] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - optimistic locking (two editors)


class Measurement(Audited, Base):
    """The readings and computed result at one test point of a job."""

    __tablename__ = "measurement"
    __table_args__ = (UniqueConstraint("job_id", "point_index"),)

    id: Mapped[intpk]
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"))
    point_index: Mapped[int] = mapped_column(Integer)
    nominal: Mapped[Decimal] = mapped_column(Numeric(30, 12))
    unit: Mapped[str20]
    readings: Mapped[list[Any]] = mapped_column(default=list)
    environment: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime | None]


class JobStandard(Base):
    """A measurement standard a job relied on (what the traceability of its certificate starts from)."""

    __tablename__ = "job_standard"

    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"), primary_key=True)
    standard_id: Mapped[int] = mapped_column(
        ForeignKey("measurement_standard.id"), primary_key=True, index=True
    )


class JobReferenceMaterial(Base):
    """A reference material a job relied on."""

    __tablename__ = "job_reference_material"

    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"), primary_key=True)
    reference_material_id: Mapped[int] = mapped_column(
        ForeignKey("reference_material.id"), primary_key=True, index=True
    )

"""Calibration and verification jobs and their measurements."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certificates.metrology import PointResult
from certificates.metrology import codec as point_codec
from lims.db import Base, enum_column_type
from lims.models.audit_mixin import Audited
from lims.models.instrument import CustomerInstrument
from lims.models.organisation import Enterprise
from lims.models.procedure import Procedure
from lims.models.types import JobKind, JobState, created_at, intpk, str20, str50, str200


class Job(Audited, Base):
    __tablename__ = "job"
    __table_args__ = (
        Index("ix_job_state_id", "state", "id"),
        Index("ix_job_enterprise_id_id", "enterprise_id", "id"),
        # "My jobs due today / overdue": one technician's open jobs by due date (migration 0031).
        Index("ix_job_technician_id_state_due_on", "technician_id", "state", "due_on"),
        # Overdue open jobs per procedure (lab section), index-only, without reading the others.
        Index("ix_job_state_due_on_procedure_id", "state", "due_on", "procedure_id"),
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
    # Who did the work, as the state machine recorded it (lims.domain.workflow.JobSnapshot).
    measured_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    held_from: Mapped[JobState | None] = mapped_column(enum_column_type(JobState))
    # Intake record (ISO/IEC 17025:2017 7.4.2, 7.1.1): condition on arrival, accessories received.
    condition_on_arrival: Mapped[str | None] = mapped_column(Text)
    accessories: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime | None]

    enterprise: Mapped[Enterprise] = relationship()
    instrument: Mapped[CustomerInstrument] = relationship()
    procedure: Mapped[Procedure | None] = relationship()
    # Damaged on arrival: received only with a note for the customer (ISO/IEC 17025:2017 7.4.3). Its own
    # table, so that the job's columns (and code written against older schemas) stay as they were.
    damage: Mapped[JobDamage | None] = relationship(cascade="all, delete-orphan", uselist=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - optimistic locking (two editors)

    @property
    def arrival_damaged(self) -> bool:
        return self.damage is not None

    @property
    def damage_note(self) -> str | None:
        return None if self.damage is None else self.damage.note


class OpenJobDue(Base):
    """How many open jobs of a procedure fall due on a date: the dashboard's overdue counts are a sum over the
    rows dated before today instead of a count over every overdue job (issue 19 item 8).

    Derived data, kept by triggers on ``job`` (migration 0035) whatever writes the job, so the application
    only reads it. ``procedure_key`` is the procedure's id, 0 for a job with no procedure yet; a row is
    deleted when its count reaches zero. Backups leave it out; a restore rebuilds it through the triggers.
    """

    __tablename__ = "open_job_due"

    procedure_key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    due_on: Mapped[date] = mapped_column(primary_key=True)
    jobs: Mapped[int] = mapped_column(Integer)


class JobDamage(Audited, Base):
    """The damage an item arrived with, and the note the customer receives about it (one per job)."""

    __tablename__ = "job_damage"

    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"), primary_key=True)
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[created_at]


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
    reference_value: Mapped[Decimal | None] = mapped_column(Numeric(30, 12))
    environment: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Where ``environment`` came from: {"room": code, "from"/"to": UTC ISO of the measurement interval,
    # "sources": {quantity: "logger" | "manual"}}; None for points saved before rooms were logged.
    environment_record: Mapped[dict[str, Any] | None]
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # When the item was adjusted: the readings, reference value and result before adjustment
    # (ISO/IEC 17025:2017 7.8.4.1 d); readings/result above are then the as-left set.
    as_found: Mapped[dict[str, Any]] = mapped_column(default=dict)
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime | None]

    # ``result`` (and ``as_found["result"]``) hold a PointResult through its versioned codec
    # (certificates.metrology.codec, schema_version 2; migration 0016 converted the old untyped form).
    # Everyone reads the typed record through these properties, never the JSON keys.
    @property
    def point(self) -> PointResult | None:
        """The as-left point result, ``None`` before the point is measured."""
        return point_codec.decode(self.result) if self.result else None

    @property
    def as_found_point(self) -> PointResult | None:
        """The point result before adjustment (ISO/IEC 17025:2017 7.8.4.1 d), when one was recorded."""
        found = (self.as_found or {}).get("result")
        return point_codec.decode(found) if found else None

    @property
    def budget(self) -> dict[str, Any] | None:
        """The instantiated uncertainty budget the as-left result was evaluated with."""
        return point_codec.budget_of(self.result)


class JobStandard(Base):
    """A measurement standard a job relied on (what the traceability of its certificate starts from)."""

    __tablename__ = "job_standard"

    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"), primary_key=True)
    standard_id: Mapped[int] = mapped_column(
        ForeignKey("measurement_standard.id"), primary_key=True, index=True
    )
    role: Mapped[str | None] = mapped_column(String(50))  # the procedure's standard role, e.g. "weights"


class JobReferenceMaterial(Base):
    """A reference material a job relied on."""

    __tablename__ = "job_reference_material"

    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"), primary_key=True)
    reference_material_id: Mapped[int] = mapped_column(
        ForeignKey("reference_material.id"), primary_key=True, index=True
    )


class JobTransition(Base):
    """One recorded state change of a job (lims.domain.workflow.TransitionRecord): never updated."""

    __tablename__ = "job_transition"
    __table_args__ = (Index("ix_job_transition_job_id_at", "job_id", "at"),)

    id: Mapped[intpk]
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"))
    from_state: Mapped[JobState] = mapped_column(enum_column_type(JobState))
    to_state: Mapped[JobState] = mapped_column(enum_column_type(JobState))
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    role: Mapped[str20]
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]


class JobAssignment(Base):
    """One (re)assignment of a job to a technician: who was given it, by whom, when; never updated.

    ``technician_id`` is ``None`` when the job was released (unassigned). The job's ``technician_id`` is the
    latest row's; this table is its history (ISO/IEC 17025:2017 6.2.6: who was assigned to perform it).
    """

    __tablename__ = "job_assignment"
    __table_args__ = (Index("ix_job_assignment_job_id_at", "job_id", "at"),)

    id: Mapped[intpk]
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"))
    technician_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    assigned_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)


class ElectronicSignature(Audited, Base):
    """An electronic signature on a job's results (21 CFR 11.50 manifestation, ISO/IEC 17025 7.5, 7.8.1.1).

    The password re-entered to sign is checked and never stored. ``content_sha256`` binds the signature
    to the results it signed (11.70 signature/record linking).
    """

    __tablename__ = "electronic_signature"

    id: Mapped[intpk]
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"), index=True)
    signer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    printed_name: Mapped[str200]
    meaning: Mapped[str200]
    signed_at: Mapped[datetime]
    content_sha256: Mapped[str] = mapped_column(String(64))


class JobCounter(Base):
    """The last job number used in a year; locked while a number is taken, so numbers have no gaps."""

    __tablename__ = "job_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)

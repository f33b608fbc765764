"""A customer's request for calibration or verification of instruments (ISO/IEC 17025:2017 7.1)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lims.db import Base, enum_column_type
from lims.models.audit_mixin import Audited
from lims.models.instrument import CustomerInstrument
from lims.models.organisation import Enterprise
from lims.models.procedure import Procedure
from lims.models.types import JobKind, created_at, intpk


class RequestState(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    REJECTED = "rejected"
    CONVERTED = "converted"
    CANCELLED = "cancelled"  # by the customer, before it became jobs


class ServiceRequest(Audited, Base):
    """What the customer asked for; the lab accepts, schedules, rejects (with a reason) or converts it to jobs.

    The customer may cancel it (with an optional reason) until it is converted.
    """

    __tablename__ = "service_request"
    __table_args__ = (
        Index("ix_service_request_enterprise_id_id", "enterprise_id", "id"),
        Index("ix_service_request_state_id", "state", "id"),
    )

    id: Mapped[intpk]
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[JobKind] = mapped_column(enum_column_type(JobKind))
    on_site: Mapped[bool] = mapped_column(Boolean, default=False)
    preferred_on: Mapped[date | None]
    # "procedure", "simple" or "guarded" (ILAC-G8:09/2019 4.2), as in job.requirements
    decision_rule: Mapped[str] = mapped_column(String(20), default="procedure")
    conformity_statement: Mapped[bool] = mapped_column(Boolean, default=False)
    # the specification the statement is made against, e.g. "EN 837-1 class 1.6" (ISO/IEC 17025 7.1.3)
    conformity_specification: Mapped[str | None] = mapped_column(String(200))
    recalibration_months: Mapped[int | None] = mapped_column(Integer)  # the customer's chosen interval
    notes: Mapped[str | None] = mapped_column(Text)
    state: Mapped[RequestState] = mapped_column(
        enum_column_type(RequestState), default=RequestState.SUBMITTED
    )
    scheduled_on: Mapped[date | None]
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    converted_at: Mapped[datetime | None]
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    cancelled_at: Mapped[datetime | None]
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime | None]

    enterprise: Mapped[Enterprise] = relationship()
    items: Mapped[list[ServiceRequestItem]] = relationship(
        back_populates="request", order_by="ServiceRequestItem.position"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - two staff deciding at once


class ServiceRequestItem(Audited, Base):
    """One instrument of a request, its wanted test points, and the job it became."""

    __tablename__ = "service_request_item"
    __table_args__ = (UniqueConstraint("request_id", "instrument_id"),)

    id: Mapped[intpk]
    request_id: Mapped[int] = mapped_column(ForeignKey("service_request.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("customer_instrument.id"), index=True)
    points: Mapped[list[Any]] = mapped_column(default=list)
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedure.id"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id"), index=True)

    request: Mapped[ServiceRequest] = relationship(back_populates="items")
    instrument: Mapped[CustomerInstrument] = relationship()
    procedure: Mapped[Procedure | None] = relationship()

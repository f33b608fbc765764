"""Reverse traceability (ISO/IEC 17025:2017 7.10): suspect events, per-certificate evaluations, and the
outbox where drafted customer notices wait."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lims.db import Base
from lims.models.audit_mixin import Audited
from lims.models.types import created_at, intpk, str50, str100, str200, str500


class SuspectEvent(Audited, Base):
    """A standard found out of tolerance, its certificate withdrawn, or an intermediate check failed."""

    __tablename__ = "suspect_event"

    id: Mapped[intpk]
    standard_id: Mapped[int] = mapped_column(ForeignKey("measurement_standard.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    found_on: Mapped[date]
    suspect_from: Mapped[date]
    details: Mapped[str] = mapped_column(Text)
    declared_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]


class ImpactEvaluation(Audited, Base):
    """The lab's evaluation of one affected job or certificate."""

    __tablename__ = "impact_evaluation"
    __table_args__ = (UniqueConstraint("event_id", "job_ref"),)

    id: Mapped[intpk]
    event_id: Mapped[int] = mapped_column(ForeignKey("suspect_event.id"))
    job_ref: Mapped[str100]
    certificate_number: Mapped[str50 | None]
    decision: Mapped[str] = mapped_column(String(20))
    evaluation: Mapped[str] = mapped_column(Text)
    evaluated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]


class OutboxMessage(Base):
    """A message to send (or a draft to review): every notice and reminder is kept here with its state."""

    __tablename__ = "outbox_message"

    id: Mapped[intpk]
    kind: Mapped[str50]
    dedupe_key: Mapped[str200 | None] = mapped_column(unique=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    recipient: Mapped[str200 | None]
    subject: Mapped[str500]
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default="draft")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_at]
    sent_at: Mapped[datetime | None]

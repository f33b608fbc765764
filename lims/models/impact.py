"""Nonconforming work (ISO/IEC 17025:2017 7.10), its per-job decisions and customer notices, complaints (7.9),
corrective actions (8.7), and the outbox where every e-mail waits with its delivery state."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lims.db import Base
from lims.models.audit_mixin import Audited
from lims.models.types import created_at, intpk, str20, str50, str100, str200, str500


class NonconformingWork(Audited, Base):
    """One nonconforming-work record, whatever opened it (:class:`lims.domain.nonconformity.Trigger`).

    ``suspect_from``/``suspect_until`` are the lab's own choice of window when it overrides the computed
    one (:func:`lims.domain.nonconformity.suspect_window`); ``None`` means computed from the history.
    """

    __tablename__ = "nonconforming_work"
    __table_args__ = (Index("ix_nonconforming_work_state_id", "state", "id"),)

    id: Mapped[intpk]
    number: Mapped[str20] = mapped_column(unique=True)
    trigger: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20), default="open")
    description: Mapped[str] = mapped_column(Text)
    found_on: Mapped[date]
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("measurement_standard.id"), index=True)
    calibration_id: Mapped[int | None] = mapped_column(ForeignKey("standard_calibration.id"))
    check_id: Mapped[int | None] = mapped_column(ForeignKey("intermediate_check.id"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id"), index=True)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"))
    suspect_from: Mapped[date | None]
    suspect_until: Mapped[date | None]
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closure_note: Mapped[str | None] = mapped_column(Text)


class NcDecision(Audited, Base):
    """The evaluation of one affected job (or in-house calibration) and what the lab decided.

    ``certificate_id`` is the job's current certificate when the decision was taken; ``result_certificate_id``
    is the amendment issued, or the certificate withdrawn, from this decision (the link both ways).
    """

    __tablename__ = "nc_decision"
    __table_args__ = (UniqueConstraint("nc_id", "usage_ref"),)

    id: Mapped[intpk]
    nc_id: Mapped[int] = mapped_column(ForeignKey("nonconforming_work.id"))
    usage_ref: Mapped[str100]
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id"))
    calibration_id: Mapped[int | None] = mapped_column(ForeignKey("standard_calibration.id"))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    decision: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    result_certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[created_at]


class NcNotice(Audited, Base):
    """The notice to one customer, drafted from the decisions only, reviewed and sent from the record's page.

    ``digest`` fingerprints the decisions it was drafted from: when they change, a draft is redrafted and a
    sent notice is followed by a new draft. Delivery is the outbox message's state; the bell is ``notification_id``.
    """

    __tablename__ = "nc_notice"

    id: Mapped[intpk]
    nc_id: Mapped[int] = mapped_column(ForeignKey("nonconforming_work.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    language: Mapped[str] = mapped_column(String(5))
    subject: Mapped[str500]
    body: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(12), default="draft")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    sent_at: Mapped[datetime | None]
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id"))
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notification.id"))
    created_at: Mapped[created_at]


class Complaint(Audited, Base):
    """A complaint (7.9) from a customer (portal) or recorded by lab staff, with its handling steps."""

    __tablename__ = "complaint"

    id: Mapped[intpk]
    number: Mapped[str20] = mapped_column(unique=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("job.id"))
    complainant: Mapped[str200]
    channel: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str200]
    description: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default="received")
    received_on: Mapped[date]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    acknowledged_at: Mapped[datetime | None]
    investigation: Mapped[str | None] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None]
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]


class CorrectiveAction(Audited, Base):
    """Corrective action (8.7) of a nonconforming-work record: root cause, actions, owner, effectiveness."""

    __tablename__ = "corrective_action"
    __table_args__ = (Index("ix_corrective_action_state_due_on", "state", "due_on"),)

    id: Mapped[intpk]
    nc_id: Mapped[int] = mapped_column(ForeignKey("nonconforming_work.id"), index=True)
    root_cause: Mapped[str] = mapped_column(Text)
    actions: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    due_on: Mapped[date]
    state: Mapped[str] = mapped_column(String(20), default="open")
    effectiveness: Mapped[str | None] = mapped_column(Text)
    effective: Mapped[bool | None]
    reviewed_on: Mapped[date | None]
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
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

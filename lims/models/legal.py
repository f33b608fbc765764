"""Legal metrology records: the lab's designation, officer cards, stamp stock, failed-verification notices."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lims.db import Base
from lims.models.audit_mixin import Audited
from lims.models.types import created_at, intpk, str20, str50, str100, str200


class VerificationDesignation(Audited, Base):
    """A decision designating the lab as a verification body (scope = catalogue instrument type codes)."""

    __tablename__ = "verification_designation"

    id: Mapped[intpk]
    lab_id: Mapped[int] = mapped_column(ForeignKey("lab.id"), index=True)
    decision_number: Mapped[str100]
    decided_on: Mapped[date]
    issued_by: Mapped[str200]
    instrument_types: Mapped[list[Any]]
    valid_until: Mapped[date]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]


class VerificationOfficerCard(Audited, Base):
    """A verification officer card (thẻ kiểm định viên) held by a member of staff; rows are never deleted."""

    __tablename__ = "verification_officer_card"
    __table_args__ = (UniqueConstraint("card_number", "issued_by"),)

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    card_number: Mapped[str50]
    issued_by: Mapped[str200]
    instrument_types: Mapped[list[Any]]
    valid_from: Mapped[date]
    valid_until: Mapped[date]
    revoked_on: Mapped[date | None]
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]


class StampBatch(Audited, Base):
    """Verification stamps received from the authority: one series, numbers ``first_number``…``last_number``."""

    __tablename__ = "stamp_batch"
    __table_args__ = (UniqueConstraint("series", "first_number"),)

    id: Mapped[intpk]
    lab_id: Mapped[int] = mapped_column(ForeignKey("lab.id"), index=True)
    series: Mapped[str20]
    first_number: Mapped[int] = mapped_column(Integer)
    last_number: Mapped[int] = mapped_column(Integer)
    digits: Mapped[int] = mapped_column(Integer, default=6)
    received_on: Mapped[date]
    delivery_reference: Mapped[str200]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]


class StampUse(Audited, Base):
    """What became of one stamp: affixed to a verified instrument (with its certificate), damaged or voided.

    A stamp number appears once (the unique constraint is the real guard against using it twice).
    """

    __tablename__ = "stamp_use"
    __table_args__ = (
        UniqueConstraint("batch_id", "number"),
        Index("ix_stamp_use_used_on", "used_on"),
    )

    id: Mapped[intpk]
    batch_id: Mapped[int] = mapped_column(ForeignKey("stamp_batch.id"))
    number: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(10))  # "affixed", "damaged", "voided"
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(Text)
    used_on: Mapped[date]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]


class VerificationFailureNotice(Audited, Base):
    """The notice of failed verification (thông báo kết quả kiểm định không đạt) issued instead of a
    certificate; the PDF is stored write-once like certificates."""

    __tablename__ = "verification_failure_notice"

    id: Mapped[intpk]
    number: Mapped[str50] = mapped_column(unique=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"), unique=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("customer_instrument.id"), index=True)
    failed_requirement: Mapped[str] = mapped_column(Text)
    verified_on: Mapped[date]
    issued_at: Mapped[datetime]
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    pdf_key: Mapped[str200]
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[created_at]

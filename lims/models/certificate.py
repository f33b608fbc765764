"""Issued certificates (the stored bytes live in the file store, referenced by key and SHA-256)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lims.db import Base, enum_column_type
from lims.models.audit_mixin import Audited
from lims.models.types import CertificateStatus, JobKind, created_at, intpk, str50, str200, str500


class Certificate(Audited, Base):
    __tablename__ = "certificate"

    id: Mapped[intpk]
    number: Mapped[str50] = mapped_column(unique=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"), index=True)
    kind: Mapped[JobKind] = mapped_column(enum_column_type(JobKind))
    status: Mapped[CertificateStatus] = mapped_column(
        enum_column_type(CertificateStatus), default=CertificateStatus.VALID
    )
    revision: Mapped[int] = mapped_column(Integer, default=0)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    amendment_reason: Mapped[str500 | None]
    withdrawal_reason: Mapped[str500 | None]
    issued_at: Mapped[datetime] = mapped_column(index=True)  # the dashboards' "issued in the last 30 days"
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    pdf_key: Mapped[str200 | None]
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    dcc_key: Mapped[str200 | None]
    dcc_sha256: Mapped[str | None] = mapped_column(String(64))
    # The sticker sheet printed with the certificate (stored like the PDF, never regenerated).
    labels_key: Mapped[str200 | None]
    labels_sha256: Mapped[str | None] = mapped_column(String(64))
    # Verification (kiểm định) only: the stamp (tem) number and the validity date printed on the certificate.
    stamp_number: Mapped[str50 | None]
    valid_until: Mapped[date | None]
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]


class CertificateCounter(Base):
    """The last running number used per kind and year (0 when the pattern has no year).

    The row is locked (``SELECT … FOR UPDATE``) in the issuing transaction, so numbers have no gaps and
    never repeat; a rolled-back issue gives its number back.
    """

    __tablename__ = "certificate_counter"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)

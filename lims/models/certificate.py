"""Issued certificates (the stored bytes live in the file store, referenced by key and SHA-256)."""

from __future__ import annotations

from datetime import datetime

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
    issued_at: Mapped[datetime]
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    pdf_key: Mapped[str200 | None]
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    dcc_key: Mapped[str200 | None]
    dcc_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[created_at]

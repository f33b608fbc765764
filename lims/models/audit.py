"""The append-only, hash-chained audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lims.db import Base
from lims.models.types import intpk, str50, str100, str200, str500


class AuditEntry(Base):
    """One create, update or delete of an audited record. Never updated or deleted."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_table_name_record_id", "table_name", "record_id"),)

    id: Mapped[intpk]
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str200]
    action: Mapped[str] = mapped_column(String(10))
    table_name: Mapped[str100]
    record_id: Mapped[str50]
    changes: Mapped[dict[str, Any]]
    reason: Mapped[str500 | None]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChainHead(Base):
    """The single row that serialises appends: locked in every writing transaction."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))

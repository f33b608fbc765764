"""Versioned calibration and verification procedures."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lims.db import Base, enum_column_type
from lims.models.audit_mixin import Audited
from lims.models.types import JobKind, Quantity, created_at, intpk, str50, str200


class Procedure(Audited, Base):
    __tablename__ = "procedure"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[intpk]
    code: Mapped[str50]
    version: Mapped[str50]
    title_vi: Mapped[str200]
    title_en: Mapped[str200]
    quantity: Mapped[Quantity] = mapped_column(enum_column_type(Quantity))
    kind: Mapped[JobKind] = mapped_column(enum_column_type(JobKind))
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[created_at]

"""The laboratory and its customers (enterprises)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lims.db import Base
from lims.models.audit_mixin import Audited
from lims.models.types import created_at, intpk, str50, str200, str500


class Lab(Audited, Base):
    """A calibration laboratory (the city's metrology centre)."""

    __tablename__ = "lab"

    id: Mapped[intpk]
    code: Mapped[str50] = mapped_column(unique=True)
    name_vi: Mapped[str200]
    name_en: Mapped[str200]
    address: Mapped[str500]
    phone: Mapped[str50 | None]
    email: Mapped[str200 | None]
    tax_code: Mapped[str | None] = mapped_column(String(14))
    accreditation_body: Mapped[str200 | None]
    accreditation_number: Mapped[str50 | None]
    created_at: Mapped[created_at]


class Enterprise(Audited, Base):
    """A customer organisation; its users see only its own records."""

    __tablename__ = "enterprise"

    id: Mapped[intpk]
    name: Mapped[str200]
    tax_code: Mapped[str] = mapped_column(String(14), unique=True)
    address: Mapped[str500]
    province: Mapped[str200 | None]
    sector: Mapped[str200 | None]
    contact_name: Mapped[str200 | None]
    email: Mapped[str200 | None]
    phone: Mapped[str50 | None]
    notes: Mapped[str | None] = mapped_column(Text)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime | None]

"""Enterprises' instruments (phương tiện đo) that the lab calibrates or verifies."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Numeric, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lims.db import Base
from lims.models.audit_mixin import Audited
from lims.models.organisation import Enterprise
from lims.models.types import created_at, intpk, str20, str50, str100, str200


class CustomerInstrument(Audited, Base):
    __tablename__ = "customer_instrument"
    __table_args__ = (
        UniqueConstraint("enterprise_id", "serial_number", "instrument_type"),
        Index("ix_customer_instrument_enterprise_id_id", "enterprise_id", "id"),
        Index("ix_customer_instrument_enterprise_id_next_due_on", "enterprise_id", "next_due_on"),
    )

    id: Mapped[intpk]
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    instrument_type: Mapped[str100]
    manufacturer: Mapped[str100 | None]
    model: Mapped[str100 | None]
    serial_number: Mapped[str100]
    range_min: Mapped[Decimal | None] = mapped_column(Numeric(30, 12))
    range_max: Mapped[Decimal | None] = mapped_column(Numeric(30, 12))
    unit: Mapped[str20]
    resolution: Mapped[Decimal | None] = mapped_column(Numeric(30, 12))
    accuracy_class: Mapped[str50 | None]
    legally_controlled: Mapped[bool] = mapped_column(Boolean, default=False)
    location: Mapped[str200 | None]
    last_calibrated_on: Mapped[date | None]
    next_due_on: Mapped[date | None] = mapped_column(index=True)
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime | None]

    enterprise: Mapped[Enterprise] = relationship()

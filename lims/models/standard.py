"""Measurement standards (chuẩn đo lường) and reference materials (chất chuẩn) of the lab."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, Numeric, Text
from sqlalchemy.orm import Mapped, mapped_column

from lims.db import Base, enum_column_type
from lims.models.audit_mixin import Audited
from lims.models.types import (
    Quantity,
    StandardLevel,
    StandardStatus,
    created_at,
    intpk,
    str20,
    str50,
    str100,
    str200,
)


class MeasurementStandard(Audited, Base):
    __tablename__ = "measurement_standard"

    id: Mapped[intpk]
    lab_id: Mapped[int] = mapped_column(ForeignKey("lab.id"), index=True)
    asset_number: Mapped[str50] = mapped_column(unique=True)
    name: Mapped[str200]
    manufacturer: Mapped[str100 | None]
    model: Mapped[str100 | None]
    serial_number: Mapped[str100 | None]
    firmware_version: Mapped[str50 | None]
    quantity: Mapped[Quantity] = mapped_column(enum_column_type(Quantity))
    range_min: Mapped[Decimal | None] = mapped_column(Numeric(30, 12))
    range_max: Mapped[Decimal | None] = mapped_column(Numeric(30, 12))
    unit: Mapped[str20]
    accuracy: Mapped[str100 | None]
    level: Mapped[StandardLevel] = mapped_column(enum_column_type(StandardLevel))
    custodian: Mapped[str200 | None]
    location: Mapped[str200 | None]
    status: Mapped[StandardStatus] = mapped_column(
        enum_column_type(StandardStatus), default=StandardStatus.IN_SERVICE
    )
    calibration_interval_months: Mapped[int | None] = mapped_column(Integer)
    due_on: Mapped[date | None] = mapped_column(index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    # Put into service under the city programme on this date (counted by the programme's indicators).
    programme_developed_on: Mapped[date | None]
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime | None]


class ReferenceMaterial(Audited, Base):
    __tablename__ = "reference_material"

    id: Mapped[intpk]
    lab_id: Mapped[int] = mapped_column(ForeignKey("lab.id"), index=True)
    code: Mapped[str50] = mapped_column(unique=True)
    name: Mapped[str200]
    producer: Mapped[str200]
    producer_accreditation: Mapped[str200 | None]
    lot: Mapped[str100]
    certified_value: Mapped[Decimal] = mapped_column(Numeric(30, 12))
    expanded_uncertainty: Mapped[Decimal] = mapped_column(Numeric(30, 12))
    coverage_factor: Mapped[Decimal] = mapped_column(Numeric(6, 3), default=Decimal("2"))
    unit: Mapped[str20]
    expiry_on: Mapped[date]
    opened_on: Mapped[date | None]
    shelf_life_days_after_opening: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[StandardStatus] = mapped_column(
        enum_column_type(StandardStatus), default=StandardStatus.IN_SERVICE
    )
    programme_developed_on: Mapped[date | None]
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime | None]

"""Measurement standards (chuẩn đo lường) and reference materials (chất chuẩn) of the lab."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lims.db import Base, enum_column_type
from lims.domain.traceability import IssuerKind
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
    # Budget data of the standard (docs/procedures.md): drift limit since calibration (half-width, unit),
    # and characteristics such as a bath's "stability" and "uniformity" (half-widths, unit).
    drift_limit: Mapped[Decimal | None] = mapped_column(Numeric(30, 12))
    characteristics: Mapped[dict[str, Any] | None]
    notes: Mapped[str | None] = mapped_column(Text)
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
    certificate_number: Mapped[str100 | None]
    certificate_issued_on: Mapped[date | None]
    status: Mapped[StandardStatus] = mapped_column(
        enum_column_type(StandardStatus), default=StandardStatus.IN_SERVICE
    )
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime | None]


class StandardStatusChange(Audited, Base):
    """A dated status change of a standard, with its reason (the register's history)."""

    __tablename__ = "standard_status_change"

    id: Mapped[intpk]
    standard_id: Mapped[int] = mapped_column(ForeignKey("measurement_standard.id"), index=True)
    effective_on: Mapped[date]
    status: Mapped[StandardStatus] = mapped_column(enum_column_type(StandardStatus))
    reason: Mapped[str] = mapped_column(Text)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]


class StandardCalibration(Audited, Base):
    """One calibration event of a standard and the certificate that reports it.

    ``issuer_kind`` ``this_lab`` makes it an internal link: the standards this lab used are listed in
    ``standard_calibration_source``. Any other issuer ends the chain (a terminal link).
    """

    __tablename__ = "standard_calibration"
    __table_args__ = (
        Index("ix_standard_calibration_standard_id_calibrated_on", "standard_id", "calibrated_on"),
        # One register (issue 16 item 5): a number this lab gave an in-house certificate is never given
        # again. External issuers' numbers may repeat (their series are theirs). Migration 0018.
        Index(
            "uq_standard_calibration_in_house_number",
            "certificate_number",
            unique=True,
            sqlite_where=text("issuer_kind = 'this_lab'"),
            postgresql_where=text("issuer_kind = 'this_lab'"),
        ),
    )

    id: Mapped[intpk]
    standard_id: Mapped[int] = mapped_column(ForeignKey("measurement_standard.id"))
    calibrated_on: Mapped[date]
    certificate_number: Mapped[str100]
    issuer_kind: Mapped[IssuerKind] = mapped_column(enum_column_type(IssuerKind))
    issuer_name: Mapped[str200]
    kcdb_cmc_reference: Mapped[str100 | None]
    accreditation_body: Mapped[str200 | None]
    accreditation_number: Mapped[str100 | None]
    issued_on: Mapped[date]
    valid_until: Mapped[date]
    points: Mapped[list[Any]] = mapped_column(default=list)
    file_key: Mapped[str200 | None]
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_at]

    # loaded on access only (lazy="select"): most readers of calibrations never need it
    as_found: Mapped[CalibrationAsFound | None] = relationship(lazy="select", uselist=False)

    @property
    def as_found_in_tolerance(self) -> bool | None:
        """``None`` when the calibration did not record its as-found error (an older record)."""
        return self.as_found.in_tolerance if self.as_found is not None else None


class CalibrationAsFound(Audited, Base):
    """A calibration's result as found, before any adjustment (ILAC-G24 Method 1 and the suspect window
    need it): the largest error against the standard's own limit (half-width), both in ``unit``."""

    __tablename__ = "calibration_as_found"

    calibration_id: Mapped[int] = mapped_column(ForeignKey("standard_calibration.id"), primary_key=True)
    error: Mapped[Decimal] = mapped_column(Numeric(30, 12))
    limit: Mapped[Decimal] = mapped_column(Numeric(30, 12))
    unit: Mapped[str20]

    @property
    def in_tolerance(self) -> bool:
        return abs(self.error) <= self.limit


class StandardCalibrationSource(Base):
    """A standard this lab used for an internal calibration (the link one level up the chain)."""

    __tablename__ = "standard_calibration_source"

    calibration_id: Mapped[int] = mapped_column(ForeignKey("standard_calibration.id"), primary_key=True)
    standard_id: Mapped[int] = mapped_column(
        ForeignKey("measurement_standard.id"), primary_key=True, index=True
    )


class IntermediateCheck(Audited, Base):
    """An intermediate check of a standard against a check standard (ISO/IEC 17025:2017 6.4.10)."""

    __tablename__ = "intermediate_check"
    __table_args__ = (Index("ix_intermediate_check_standard_id_checked_on", "standard_id", "checked_on"),)

    id: Mapped[intpk]
    standard_id: Mapped[int] = mapped_column(ForeignKey("measurement_standard.id"))
    check_standard_id: Mapped[int | None] = mapped_column(ForeignKey("measurement_standard.id"))
    checked_on: Mapped[date]
    value: Mapped[Decimal] = mapped_column(Numeric(30, 12))
    unit: Mapped[str20]
    lower_limit: Mapped[Decimal | None] = mapped_column(Numeric(30, 12))
    upper_limit: Mapped[Decimal | None] = mapped_column(Numeric(30, 12))
    performed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[created_at]

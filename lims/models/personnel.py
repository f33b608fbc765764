"""Personnel authorisations per procedure (ISO/IEC 17025:2017 6.2.5–6.2.6) and the lab's CMC scope."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lims.db import Base
from lims.models.audit_mixin import Audited
from lims.models.types import created_at, intpk, str20, str50, str100


class PersonnelAuthorisation(Audited, Base):
    """A person's authorisation to perform, review or sign one procedure's results (all its versions)."""

    __tablename__ = "personnel_authorisation"
    __table_args__ = (
        Index("ix_personnel_authorisation_user_id_procedure_code", "user_id", "procedure_code"),
    )

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    procedure_code: Mapped[str50]
    role: Mapped[str] = mapped_column(String(10))  # lims.domain.authorisation.AuthorisedRole value
    granted_on: Mapped[date]
    evidence: Mapped[str] = mapped_column(Text)
    expires_on: Mapped[date | None]
    revoked_on: Mapped[date | None]
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]


class CmcEntry(Audited, Base):
    """One row of the accreditation scope: the smallest U the lab may claim, fixed or a + b·|x| (ILAC-P14)."""

    __tablename__ = "cmc_entry"

    id: Mapped[intpk]
    lab_id: Mapped[int] = mapped_column(ForeignKey("lab.id"), index=True)
    quantity: Mapped[str100]
    unit: Mapped[str20]
    range_min: Mapped[Decimal] = mapped_column(Numeric(30, 12))
    range_max: Mapped[Decimal] = mapped_column(Numeric(30, 12))
    fixed_uncertainty: Mapped[Decimal | None] = mapped_column(Numeric(30, 12))
    a: Mapped[Decimal] = mapped_column(Numeric(30, 12), default=Decimal(0))
    b: Mapped[Decimal] = mapped_column(Numeric(30, 12), default=Decimal(0))
    procedure_code: Mapped[str50 | None]
    accredited: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[created_at]

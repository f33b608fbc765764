"""The tests of a weighing job that are not test loads: repeatability, eccentricity, zero-setting, discrimination.

A balance calibration (EURAMET cg-18 5.1, 5.3) and a scale verification (OIML R 76-1 A.4.2.3, A.4.7, A.4.8,
A.4.10) measure these once per job; the test loads' uncertainty (repeatability, eccentricity) and the
verification's outcome depend on them (:mod:`lims.domain.weighing`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Numeric, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lims.db import Base
from lims.models.audit_mixin import Audited
from lims.models.types import created_at, intpk, str20


class WeighingTest(Audited, Base):
    """One test of a weighing job: the raw readings as typed (decimal texts) and the computed outcome."""

    __tablename__ = "weighing_test"
    __table_args__ = (UniqueConstraint("job_id", "kind"),)

    id: Mapped[intpk]
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"), index=True)
    kind: Mapped[str20]  # lims.domain.weighing.method.WeighingTestKind
    load: Mapped[Decimal] = mapped_column(Numeric(30, 12))  # procedure unit
    unit: Mapped[str20]
    readings: Mapped[list[Any]] = mapped_column(default=list)  # indications, decimal texts
    added: Mapped[list[Any]] = mapped_column(default=list)  # change-point weights per reading (R 76)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)  # figures as decimal texts, "passed"
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime | None]

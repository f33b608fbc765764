"""A weighing job's own records: the tests that are not test loads, and each load's entries besides its indications.

A balance calibration (EURAMET cg-18 5.1, 5.3) and a scale verification (OIML R 76-1 A.4.2.3, A.4.7, A.4.8,
A.4.10) measure repeatability, eccentricity, zero-setting and discrimination once per job (``point_index``
−1); the test loads' uncertainty and the verification's outcome depend on them (:mod:`lims.domain.weighing`).
A row of kind ``load`` (``as_found_load`` before adjustment) holds what a test load records besides the
indications in its :class:`~lims.models.Measurement`: the no-load indication before it (cg-18) or the
change-point weights added to each reading (R 76-1 A.4.4.3).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Integer, Numeric, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lims.db import Base
from lims.models.audit_mixin import Audited
from lims.models.types import created_at, intpk, str20


class WeighingTest(Audited, Base):
    """One test of a weighing job: the raw readings as typed (decimal texts) and the computed outcome."""

    __tablename__ = "weighing_test"
    __table_args__ = (UniqueConstraint("job_id", "kind", "point_index"),)

    id: Mapped[intpk]
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"), index=True)
    kind: Mapped[str20]  # lims.domain.weighing.method.WeighingTestKind, or "load" / "as_found_load"
    point_index: Mapped[int] = mapped_column(Integer, default=-1)  # the test load's index; −1 for a test
    load: Mapped[Decimal] = mapped_column(Numeric(30, 12))  # procedure unit
    unit: Mapped[str20]
    readings: Mapped[list[Any]] = mapped_column(default=list)  # indications (a load: no-load ones), texts
    added: Mapped[list[Any]] = mapped_column(default=list)  # change-point weights per reading (R 76)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)  # figures as decimal texts, "passed"
    saved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[created_at]
    updated_at: Mapped[datetime | None]

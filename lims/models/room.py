"""Rooms of the lab, their environmental limits and the conditions logged in them.

ISO/IEC 17025:2017 6.3.3: the laboratory monitors, controls and records environmental conditions where they
influence the validity of results. ``room`` names a room with the limits the lab keeps it within (what its
chart shows); each procedure states its own limits (``lims.domain.environment``), against which a point is
judged. ``room_condition`` is the logged series: one value per quantity and sample, stored exactly as the
logger sent it (decimal text and raw frame), keyed by the bench journal's idempotency key so that a resend
after an outage stores nothing twice. ``job_environment`` records the room a job is measured in and, when a
point was measured outside the procedure's limits, the reviewer's justification that approval needs.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lims.db import Base
from lims.models.audit_mixin import Audited
from lims.models.types import created_at, intpk, str20, str50, str100, str200


class Room(Audited, Base):
    """A room of the lab with the limits it is kept within (temperature in °C, relative humidity in %rh)."""

    __tablename__ = "room"

    id: Mapped[intpk]
    code: Mapped[str20] = mapped_column(unique=True)
    name: Mapped[str200]
    temperature_min: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    temperature_max: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    humidity_min: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    humidity_max: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    # the bench station whose logger (vaisala-hmt, modbus-rtu) measures the room, and how often it logs
    station_id: Mapped[int | None] = mapped_column(ForeignKey("bench_station.id"))
    log_period_s: Mapped[int] = mapped_column(Integer, default=60)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[created_at]


class RoomCondition(Base):
    """One logged value of one quantity (``temperature`` in °C or ``humidity`` in %rh) of a room."""

    __tablename__ = "room_condition"
    __table_args__ = (Index("ix_room_condition_room_id_measured_at", "room_id", "measured_at"),)

    id: Mapped[intpk]
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id"))
    quantity: Mapped[str20]
    value: Mapped[str50]  # the decimal as sent (°F converted to °C is written out as a decimal)
    unit: Mapped[str20]
    measured_at: Mapped[datetime]  # UTC, the logger side's clock
    raw: Mapped[str] = mapped_column(Text)
    logger: Mapped[str100]  # manufacturer, model and serial of the logger
    received_at: Mapped[datetime]


class JobEnvironment(Audited, Base):
    """The room a job is measured in, and the justification a reviewer recorded for conditions out of limits."""

    __tablename__ = "job_environment"

    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"), primary_key=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id"))
    justification: Mapped[str | None] = mapped_column(Text)
    justified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    justified_at: Mapped[datetime | None]

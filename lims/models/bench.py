"""Bench instruments on the server: readings as the instruments sent them, stations and capture requests.

``bench_reading`` keeps every reading delivered by a bench agent (HTTP API or the direct database sink)
exactly as the instrument sent it: the value as text, the raw frame, the instrument's identity and clock
(ISO/IEC 17025:2017 7.5.1, original observations retained; 7.11.3 data protected against loss). Rows are
append-only; only ``used_in_point`` changes, when the technician saves the point (the point's measurement
row is audited). The UNIQUE idempotency key makes a resend after a lost reply harmless.

``bench_station`` names a bench PC's instrument (driver and port); ``capture_request`` is a queue row the
station worker on that PC claims, so the web server needs no serial port and keeps no state in memory.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lims.db import Base, enum_column_type
from lims.models.types import created_at, intpk, str20, str50, str100, str200, str500


class CaptureState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BenchStation(Base):
    """A bench PC's instrument: a name the technician picks, the driver and the port on that PC."""

    __tablename__ = "bench_station"

    id: Mapped[intpk]
    name: Mapped[str50] = mapped_column(unique=True)
    driver: Mapped[str200]
    port_url: Mapped[str500]
    description: Mapped[str200 | None]
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[created_at]
    # The unit every reading of this station must carry when it is not the one the instrument reports in
    # its configuration (a balance whose host unit is not its I2 unit); None: the instrument's own.
    unit: Mapped[str20 | None]


class CaptureRequest(Base):
    """A capture asked for from the bench page, waiting for (or done by) its station's worker."""

    __tablename__ = "capture_request"
    __table_args__ = (
        Index("ix_capture_request_station_id_state_id", "station_id", "state", "id"),
        Index("ix_capture_request_job_id_point_index_id", "job_id", "point_index", "id"),
    )

    id: Mapped[intpk]
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"))
    point_index: Mapped[int] = mapped_column(Integer)
    station_id: Mapped[int] = mapped_column(ForeignKey("bench_station.id"))
    driver: Mapped[str200]  # copied from the station when queued: what was actually used
    port_url: Mapped[str500]
    count: Mapped[int] = mapped_column(Integer)
    interval_s: Mapped[float] = mapped_column(Float, default=0.0)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    state: Mapped[CaptureState] = mapped_column(enum_column_type(CaptureState), default=CaptureState.QUEUED)
    error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str100 | None]  # the worker (host:pid) that took it
    readings_taken: Mapped[int] = mapped_column(Integer, default=0)
    requested_at: Mapped[created_at]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class BenchReading(Base):
    """One reading delivered for a job's test point, stored exactly as the instrument sent it."""

    __tablename__ = "bench_reading"
    __table_args__ = (Index("ix_bench_reading_job_id_point_index_id", "job_id", "point_index", "id"),)

    id: Mapped[intpk]
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"))
    point_index: Mapped[int] = mapped_column(Integer)
    value: Mapped[str50]  # the decimal exactly as sent, never through a float
    unit: Mapped[str20]
    stable: Mapped[bool | None] = mapped_column(Boolean)
    seq: Mapped[int] = mapped_column(Integer)
    instrument_time: Mapped[datetime]  # UTC, the instrument side's clock
    raw: Mapped[str] = mapped_column(Text)  # the frame decoded as Latin-1, terminator included
    manufacturer: Mapped[str100]
    model: Mapped[str100]
    serial_number: Mapped[str100]
    firmware: Mapped[str100]
    received_at: Mapped[datetime]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))  # on whose authority it was stored
    # The bench token used, when it came over the API. Tokens are revoked (revoked_at), never deleted, so
    # RESTRICT: deleting a token that delivered readings would strip the readings' provenance.
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id", ondelete="RESTRICT"))
    source: Mapped[str50]  # "api", "direct" or "station:<name>"
    capture_request_id: Mapped[int | None] = mapped_column(ForeignKey("capture_request.id"))
    used_in_point: Mapped[bool] = mapped_column(Boolean, default=False)

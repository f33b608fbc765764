"""An automated sequence asked for from the bench page and run by its station's worker (issue 18 item 3).

The web server keeps no state: the row is the queue entry, the technician's command (run, pause, abort), the
indications typed for a unit under test without an interface, and the live progress the page polls. The
station worker journals every step on the bench PC (``journal_sequence_event``), so a crash is made safe and
resumed from there (:mod:`instruments.sequence`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from lims.db import Base
from lims.models.types import created_at, intpk, str20, str50, str100, str200, str500


class SequenceRun(Base):
    __tablename__ = "sequence_run"
    __table_args__ = (
        Index("ix_sequence_run_station_id_state_id", "station_id", "state", "id"),
        Index("ix_sequence_run_job_id_id", "job_id", "id"),
    )

    id: Mapped[intpk]
    job_id: Mapped[int] = mapped_column(ForeignKey("job.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("bench_station.id"))
    driver: Mapped[str200]
    port_url: Mapped[str500]
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # queued, running, paused, finished, aborted, failed
    state: Mapped[str20] = mapped_column(default="queued")
    command: Mapped[str20] = mapped_column(default="run")  # run, pause, abort (the technician's)
    points: Mapped[list[Any]] = mapped_column(default=list)  # nominal values as decimal text
    point_index: Mapped[int] = mapped_column(Integer, default=0)
    step: Mapped[str50] = mapped_column(default="")
    reference: Mapped[str50 | None]
    # typed indications by visit: "0" -> ["1.001", …] (a visit per point unless ``visits`` says otherwise)
    entries: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # the source's settings in order, [point, nominal, readings, label] (instruments.sequence.Visit); [] for
    # runs queued before visits existed (one per point)
    visits: Mapped[list[Any]] = mapped_column(default=list, server_default=text("'[]'"))
    visit_index: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # the station reading the unit under test through its interface (NULL: the technician types)
    uut_station_id: Mapped[int | None] = mapped_column(ForeignKey("bench_station.id"))
    uut_driver: Mapped[str200 | None]
    uut_port_url: Mapped[str500 | None]
    error: Mapped[str | None] = mapped_column(Text)
    claimed_by: Mapped[str100 | None]
    requested_at: Mapped[created_at]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

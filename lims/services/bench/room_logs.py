"""``lims bench room-log``: a room's temperature and humidity logged with its station's logger every logging
period, journal first (:mod:`lims.services.bench.station_runs`), delivered to
:class:`~lims.services.bench.rooms.RoomSink`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from instruments import registry
from instruments.agent.room_log import RoomLog
from instruments.drivers.base import DriverOptions
from lims.db import Database
from lims.errors import N_
from lims.models import BenchStation
from lims.services.bench import rooms
from lims.services.bench.station_runs import EventSink, journaled


def run_room_logger(
    database: Database,
    room_code: str,
    *,
    journal_path: Path,
    stop: threading.Event,
    samples: int | None = None,
    flush_timeout_s: float = 30.0,
    on_event: EventSink | None = None,
    sleep: Callable[[float], None] | None = None,
) -> int:
    """Log room ``room_code`` with its station's logger every ``log_period_s`` until ``stop`` (``lims bench
    room-log``): journal first, delivered by a background sender to :class:`~lims.services.bench.rooms.RoomSink`.

    :returns: the samples taken. :raises LimsError: unknown room, or a room without a logger station.
    """
    with database.session() as session:
        room = rooms.room_by_code(session, room_code)
        station = session.get(BenchStation, room.station_id) if room.station_id is not None else None
        if station is None:
            raise rooms.RoomError(N_("Room %(code)s has no logger station."), code=room_code)
        driver_name, port, unit, period = station.driver, station.port_url, station.unit, room.log_period_s

    def wait(seconds: float) -> None:
        stop.wait(seconds)  # a stop ends the wait at once

    sink = rooms.RoomSink(database.session)
    with journaled(journal_path, sink, flush_timeout_s=flush_timeout_s, on_event=on_event) as journal:
        log = RoomLog(
            journal.journal,
            rooms.journal_name(room_code),
            notify=journal.sender.notify,
            on_event=on_event,
            sleep=sleep or wait,
        )
        options = DriverOptions(
            unit=unit, on_retry=lambda attempt, error: log.fault(error), on_fault=log.fault
        )
        driver = registry.get(driver_name).open(port, options=options)
        try:
            return log.run(driver, period_s=period, samples=samples, stop=stop)  # type: ignore[arg-type]
        finally:
            driver.close()

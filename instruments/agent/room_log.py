"""Logging a room's conditions on a period through the bench journal (ISO/IEC 17025:2017 6.3.3, 7.11.3).

A room logger (``vaisala-hmt``: ``SEND`` gives relative humidity and temperature; ``modbus-rtu``: one value
per register of its map) is read every ``period_s`` seconds on a fixed schedule (start + k·period, so a slow
reply does not drift the series). Every value is journaled under the room's series name before anyone tries
to send it, exactly as readings of a job are; delivery is the :class:`~instruments.agent.capture.Deliverer`'s
job (``notify`` after each sample wakes a background sender). A server outage therefore loses nothing: the
journal keeps the samples and they are delivered, each once, when the server is back. A fault (rejected frame,
timeout) is journaled with its raw bytes and the schedule goes on; an unplugged logger is reconnected with
back-off, and the samples it could not give are faults, never invented values.

>>> from datetime import UTC, datetime
>>> from instruments.agent.journal import Journal
>>> from instruments.reading import InstrumentIdentity, Reading
>>> who = InstrumentIdentity("Vaisala", "HMT330", "")
>>> class Logger:
...     seq = 0
...     def read_all(self):
...         self.seq += 2
...         at = datetime(2026, 1, 1, tzinfo=UTC)
...         return [Reading("45.0", "%RH", None, who, self.seq - 1, at, b"RH= 45.0 %RH T= 23.0 'C\\r\\n"),
...                 Reading("23.0", "C", None, who, self.seq, at, b"RH= 45.0 %RH T= 23.0 'C\\r\\n")]
>>> clock = [0.0]
>>> journal = Journal(":memory:")
>>> log = RoomLog(journal, "room:P1", run_id="t", monotonic=lambda: clock[0],
...               sleep=lambda s: clock.__setitem__(0, clock[0] + s))
>>> log.run(Logger(), period_s=60, samples=3)
3
>>> clock[0], journal.counts()["pending"]
(120.0, 6)
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Protocol

from instruments.acquisition import Fault
from instruments.agent.capture import Capture
from instruments.agent.journal import Journal
from instruments.drivers.base import Backoff
from instruments.errors import Disconnected, InstrumentError
from instruments.reading import Reading, utc_now

POINT_ID = "conditions"


class Logger(Protocol):
    """What the log needs of a driver: every quantity of one sample (``read_all`` of vaisala-hmt, modbus-rtu)."""

    def read_all(self) -> list[Reading]: ...


class RoomLog:
    """Journals a room logger's samples under ``series`` (``room:<code>``)."""

    def __init__(self, journal: Journal, series: str, *, run_id: str | None = None,
                 notify: Callable[[], None] | None = None, on_event: Callable[[str], None] | None = None,
                 monotonic: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.capture = Capture(journal, job_number=series, point_id=POINT_ID,
                               run_id=run_id or f"{series.replace(':', '-')}-{uuid.uuid4().hex[:12]}")
        self.notify, self.on_event = notify, on_event
        self.monotonic, self.sleep = monotonic, sleep
        self.samples = 0

    def sample(self, driver: Logger, backoff: Backoff) -> bool:
        """Read the logger once; True when its values were journaled, False after a fault (journaled)."""
        try:
            readings = driver.read_all()
        except Disconnected as exc:
            self._fault(exc)
            reconnect = getattr(driver, "reconnect_attempts", None)
            if reconnect is not None:
                for failed in reconnect(backoff, sleep=self.sleep):
                    self._fault(failed)
            return False
        except InstrumentError as exc:
            self._fault(exc)
            return False
        for reading in readings:
            self.capture.add(reading)
        self.samples += 1
        if self.notify is not None:
            self.notify()
        return True

    def run(self, driver: Logger, *, period_s: float, samples: int | None = None,
            stop: threading.Event | None = None, backoff: Backoff | None = None) -> int:
        """Sample every ``period_s`` seconds until ``samples`` were taken (forever when None) or ``stop``."""
        if period_s <= 0:
            raise ValueError("period_s must be positive")
        start = self.monotonic()
        taken = 0
        tick = 0
        while samples is None or taken < samples:
            if stop is not None and stop.is_set():
                break
            taken += self.sample(driver, backoff or Backoff(max_attempts=10))
            tick += 1
            if samples is not None and taken >= samples:
                break
            # the next tick of the fixed schedule still ahead (ticks missed during a reconnect are skipped)
            now = self.monotonic()
            tick = max(tick, int((now - start) // period_s) + 1)
            self.sleep(max(0.0, start + tick * period_s - now))
        return taken

    def fault(self, error: InstrumentError) -> None:
        """Journal a fault met outside :meth:`sample` (a failed connect try)."""
        self._fault(error)

    def _fault(self, error: InstrumentError) -> None:
        self.capture.add_fault(Fault(error, utc_now()))
        if self.on_event is not None:
            self.on_event(f"fault: {error}")

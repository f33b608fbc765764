"""Capture: journal each reading, deliver the journal to a sink, retry with back-off, never lose or double.

:class:`Capture` records readings (journal first); :class:`Deliverer` sends whatever the journal holds
unconfirmed; :class:`BackgroundSender` runs a deliverer in its own thread with its own database connection,
so a slow or unreachable server never delays the next reading.

>>> from instruments.agent.journal import Journal
>>> class Recorder:
...     def __init__(self): self.keys = []
...     def deliver(self, job, point, entries):
...         self.keys += [e.key for e in entries]
...         return Delivery(frozenset(e.key for e in entries))
>>> deliverer = Deliverer(Journal(":memory:"), Recorder())
>>> deliverer.flush()
True
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from instruments.acquisition import Fault
from instruments.agent.journal import Journal, JournalEntry
from instruments.agent.sink import Delivery, Sink, SinkRefused, SinkUnavailable
from instruments.drivers.base import Backoff
from instruments.reading import Reading

__all__ = ["BackgroundSender", "Capture", "CaptureSummary", "Deliverer", "Delivery"]

DELIVERY_BACKOFF = Backoff(initial_s=0.5, factor=2.0, max_s=30.0)
EventSink = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class CaptureSummary:
    """Counts at the end of a capture (over the whole journal, earlier runs included)."""

    recorded: int
    pending: int
    sent: int
    rejected: int


class Capture:
    """Records the readings of one capture run for a job's test point."""

    def __init__(self, journal: Journal, *, job_number: str, point_id: str,
                 run_id: str | None = None) -> None:
        if not job_number or not point_id:
            raise ValueError("job_number and point_id are required")
        self.journal = journal
        self.job_number, self.point_id = job_number, point_id
        self.run_id = run_id or uuid.uuid4().hex
        self.recorded = 0
        self.faults = 0

    def key_for(self, reading: Reading) -> str:
        """Idempotency key: unique per capture run and reading sequence number."""
        return f"{self.run_id}-{reading.seq:08d}"

    def add(self, reading: Reading) -> JournalEntry:
        """Journal ``reading`` durably (before anyone tries to send it)."""
        entry = self.journal.record(self.job_number, self.point_id, reading, key=self.key_for(reading))
        self.recorded += 1
        return entry

    def add_fault(self, fault: Fault) -> None:
        """Journal a fault with the raw bytes involved (a rejected frame is kept, never a reading)."""
        raw = getattr(fault.error, "raw", b"") or b""
        first = getattr(fault.error, "first_raw", b"") or b""
        self.journal.record_fault(self.job_number, self.point_id, run_id=self.run_id, kind=fault.kind,
                                  message=str(fault.error), raw=bytes(first) + bytes(raw), at=fault.time)
        self.faults += 1


class Deliverer:
    """Sends every unconfirmed journal entry to the sink, with back-off after failures."""

    def __init__(self, journal: Journal, sink: Sink, *, batch_size: int = 100,
                 retry: Backoff = DELIVERY_BACKOFF, monotonic: Callable[[], float] = time.monotonic,
                 on_event: EventSink | None = None) -> None:
        self.journal, self.sink = journal, sink
        self.batch_size = batch_size
        self.retry = retry
        self.monotonic = monotonic
        self.on_event = on_event
        self._delays: Iterator[float] = retry.delays()
        self.next_attempt = 0.0

    def due(self) -> bool:
        """True when no back-off is pending."""
        return self.monotonic() >= self.next_attempt

    def flush(self) -> bool:
        """Deliver every pending reading (any job, earlier runs too); True when nothing is left pending.

        :raises SinkRefused: the server refuses the request as a whole (bad token, unknown job).
        """
        while True:
            pending = self.journal.pending(self.batch_size)
            if not pending:
                return True
            for (job, point), group in groupby(pending, key=lambda e: (e.job_number, e.point_id)):
                batch = list(group)
                try:
                    delivery = self.sink.deliver(job, point, batch)
                except SinkUnavailable as exc:
                    self._back_off(f"server unavailable ({exc}); readings kept in the journal")
                    return False
                self.journal.mark_sent(delivery.confirmed)
                for key, reason in delivery.rejected.items():
                    self.journal.mark_rejected(key, reason)
                    self._event(f"server rejected reading {key}: {reason}")
                unanswered = {e.key for e in batch} - delivery.confirmed - set(delivery.rejected)
                if unanswered:
                    self._back_off(f"server did not confirm {len(unanswered)} readings")
                    return False
            self._delays = self.retry.delays()
            self.next_attempt = 0.0

    def finish(self, *, timeout_s: float, sleep: Callable[[float], None] = time.sleep) -> bool:
        """Keep retrying until nothing is pending (True) or ``timeout_s`` has passed (False)."""
        deadline = self.monotonic() + timeout_s
        while True:
            if self.due() and self.flush():
                return True
            now = self.monotonic()
            if now >= deadline:
                return False
            sleep(max(0.0, min(self.next_attempt, deadline) - now))

    def _back_off(self, message: str) -> None:
        delay = next(self._delays, self.retry.max_s)
        self.next_attempt = self.monotonic() + delay
        self._event(f"{message}; retry in {delay:g} s")

    def _event(self, text: str) -> None:
        if self.on_event is not None:
            self.on_event(text)


class BackgroundSender:
    """A :class:`Deliverer` in a thread, on its own connection to the journal file."""

    def __init__(self, journal_path: str | Path, sink: Sink, *, retry: Backoff = DELIVERY_BACKOFF,
                 on_event: EventSink | None = None) -> None:
        self.journal_path, self.sink, self.retry, self.on_event = journal_path, sink, retry, on_event
        self.error: SinkRefused | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-sender", daemon=True)
        self._final_timeout_s = 0.0
        self.drained = False

    def start(self) -> BackgroundSender:
        """Start the thread; it delivers what the journal already holds straight away."""
        self._thread.start()
        return self

    def notify(self) -> None:
        """A reading was journaled: deliver it as soon as no back-off is pending."""
        self._wake.set()

    def finish(self, *, timeout_s: float) -> bool:
        """Stop after a last delivery attempt lasting at most ``timeout_s``; True if nothing is pending."""
        self._final_timeout_s = timeout_s
        self._stop.set()
        self._wake.set()
        self._thread.join()
        return self.drained

    def _run(self) -> None:
        journal = Journal(self.journal_path)
        deliverer = Deliverer(journal, self.sink, retry=self.retry, on_event=self.on_event)
        try:
            while not self._stop.is_set():
                if deliverer.due():
                    deliverer.flush()
                wait = max(0.0, deliverer.next_attempt - deliverer.monotonic()) or None
                self._wake.wait(wait)
                self._wake.clear()
            self.drained = deliverer.finish(timeout_s=self._final_timeout_s)
        except SinkRefused as exc:
            self.error = exc
        except Exception as exc:  # the journal keeps everything: report and stop sending
            if self.on_event is not None:
                self.on_event(f"delivery stopped by an unexpected error: {exc!r}")
        finally:
            journal.close()

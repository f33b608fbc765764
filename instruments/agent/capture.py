"""Capture: journal each reading, deliver the journal to a sink, retry with back-off, never lose or double.

>>> from instruments.agent.journal import Journal
>>> class Recorder:
...     def __init__(self): self.keys = []
...     def deliver(self, job, point, entries):
...         self.keys += [e.key for e in entries]
...         return Delivery(frozenset(e.key for e in entries))
>>> sink = Recorder()
>>> capture = Capture(Journal(":memory:"), sink, job_number="J1", point_id="P1", run_id="run")
>>> capture.flush()
True
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import groupby

from instruments.agent.journal import Journal, JournalEntry
from instruments.agent.sink import Delivery, Sink, SinkUnavailable
from instruments.drivers.base import Backoff
from instruments.reading import Reading

__all__ = ["Capture", "CaptureSummary", "Delivery"]

DELIVERY_BACKOFF = Backoff(initial_s=0.5, factor=2.0, max_s=30.0)


@dataclass(frozen=True, slots=True)
class CaptureSummary:
    """Counts at the end of a capture (over the whole journal, earlier runs included)."""

    recorded: int
    pending: int
    sent: int
    rejected: int


class Capture:
    """One capture run for a job's test point."""

    def __init__(self, journal: Journal, sink: Sink, *, job_number: str, point_id: str,
                 run_id: str | None = None, batch_size: int = 100,
                 retry: Backoff = DELIVERY_BACKOFF,
                 monotonic: Callable[[], float] = time.monotonic,
                 on_event: Callable[[str], None] | None = None) -> None:
        if not job_number or not point_id:
            raise ValueError("job_number and point_id are required")
        self.journal, self.sink = journal, sink
        self.job_number, self.point_id = job_number, point_id
        self.run_id = run_id or uuid.uuid4().hex
        self.batch_size = batch_size
        self.retry = retry
        self.monotonic = monotonic
        self.on_event = on_event
        self.recorded = 0
        self._delays: Iterator[float] = retry.delays()
        self._next_attempt = 0.0

    def key_for(self, reading: Reading) -> str:
        """Idempotency key: unique per capture run and reading sequence number."""
        return f"{self.run_id}-{reading.seq:08d}"

    def add(self, reading: Reading) -> JournalEntry:
        """Journal ``reading`` first, then try to deliver whatever is pending (if a retry is due)."""
        entry = self.journal.record(self.job_number, self.point_id, reading, key=self.key_for(reading))
        self.recorded += 1
        if self.monotonic() >= self._next_attempt:
            self.flush()
        return entry

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
                    delay = next(self._delays, self.retry.max_s)
                    self._next_attempt = self.monotonic() + delay
                    self._event(f"server unavailable ({exc}); {len(pending)}+ readings kept in the journal, "
                                f"retry in {delay:g} s")
                    return False
                self.journal.mark_sent(delivery.confirmed)
                for key, reason in delivery.rejected.items():
                    self.journal.mark_rejected(key, reason)
                    self._event(f"server rejected reading {key}: {reason}")
                unanswered = {e.key for e in batch} - delivery.confirmed - set(delivery.rejected)
                if unanswered:
                    delay = next(self._delays, self.retry.max_s)
                    self._next_attempt = self.monotonic() + delay
                    self._event(f"server did not confirm {len(unanswered)} readings; retry in {delay:g} s")
                    return False
            self._delays = self.retry.delays()
            self._next_attempt = 0.0

    def finish(self, *, timeout_s: float, sleep: Callable[[float], None] = time.sleep) -> CaptureSummary:
        """Keep retrying delivery until nothing is pending or ``timeout_s`` has passed."""
        deadline = self.monotonic() + timeout_s
        while not self.flush():
            now = self.monotonic()
            if now >= deadline:
                break
            sleep(max(0.0, min(self._next_attempt, deadline) - now))
        counts = self.journal.counts()
        return CaptureSummary(self.recorded, counts["pending"], counts["sent"], counts["rejected"])

    def _event(self, text: str) -> None:
        if self.on_event is not None:
            self.on_event(text)

"""Delivery beside the reading loop: a slow or refusing server never delays or loses a reading."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from instruments.agent.capture import BackgroundSender, Capture, Deliverer
from instruments.agent.journal import Journal, JournalEntry
from instruments.agent.sink import Delivery, SinkRefused, SinkUnavailable
from instruments.drivers.base import Backoff
from instruments.reading import InstrumentIdentity, Reading

WHO = InstrumentIdentity("Fluke", "1529", "A1B234")


def reading(seq: int) -> Reading:
    return Reading(f"25.00{seq}", "C", None, WHO, seq, datetime(2026, 1, 1, tzinfo=UTC), b"x\r\n")


class SlowSink:
    """A real (in-process) sink that takes ``delay_s`` per request and records what it stored."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self.stored: dict[str, JournalEntry] = {}
        self.lock = threading.Lock()

    def deliver(self, job_number: str, point_id: str, entries: Sequence[JournalEntry]) -> Delivery:
        time.sleep(self.delay_s)
        with self.lock:
            for entry in entries:
                self.stored.setdefault(entry.key, entry)
        return Delivery(frozenset(e.key for e in entries))


class FlakySink(SlowSink):
    def __init__(self, failures: int) -> None:
        super().__init__(0.0)
        self.failures = failures

    def deliver(self, job_number: str, point_id: str, entries: Sequence[JournalEntry]) -> Delivery:
        if self.failures:
            self.failures -= 1
            raise SinkUnavailable("connection refused")
        return super().deliver(job_number, point_id, entries)


def test_slow_server_does_not_delay_readings(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    journal = Journal(path)
    sink = SlowSink(delay_s=1.0)
    sender = BackgroundSender(path, sink).start()
    capture = Capture(journal, job_number="J1", point_id="P1", run_id="r")
    started = time.monotonic()
    for seq in range(1, 11):
        capture.add(reading(seq))
        sender.notify()
    elapsed = time.monotonic() - started
    assert elapsed < 0.8  # ten readings journaled while the server was still answering the first batch
    assert sender.finish(timeout_s=5)
    assert sorted(sink.stored) == [f"r-{seq:08d}" for seq in range(1, 11)]
    assert journal.counts() == {"pending": 0, "sent": 10, "rejected": 0}


def test_deliverer_backs_off_then_delivers_once(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    capture = Capture(journal, job_number="J1", point_id="P1", run_id="r")
    for seq in range(1, 4):
        capture.add(reading(seq))
    sink = FlakySink(failures=2)
    events: list[str] = []
    deliverer = Deliverer(journal, sink, retry=Backoff(initial_s=0.01, max_s=0.05), on_event=events.append)
    assert deliverer.finish(timeout_s=2)
    assert len(sink.stored) == 3
    assert sum("server unavailable" in e for e in events) == 2


def test_refusal_stops_the_sender_and_keeps_readings(tmp_path: Path) -> None:
    class Refusing(SlowSink):
        def deliver(self, job_number, point_id, entries):  # type: ignore[no-untyped-def]
            raise SinkRefused(401, "invalid bench token")

    path = tmp_path / "j.sqlite3"
    journal = Journal(path)
    Capture(journal, job_number="J1", point_id="P1").add(reading(1))
    sender = BackgroundSender(path, Refusing(0)).start()
    assert not sender.finish(timeout_s=1)
    assert sender.error is not None and sender.error.status == 401
    assert journal.counts()["pending"] == 1

"""The bench agent's local journal (SQLite, stdlib ``sqlite3``).

Every reading is committed to the journal *before* anyone tries to send it, with an idempotency key that
identifies it forever.  It is marked sent only when the server confirmed that key.  A crash, a server outage
or a network cut therefore loses nothing, and a restart resends exactly the unconfirmed readings; the server
accepts a key it already holds as a duplicate, so nothing is stored twice (ISO/IEC 17025 7.5 and 7.11.3:
records complete and protected against loss).

>>> from instruments.reading import InstrumentIdentity, Reading
>>> from datetime import UTC, datetime
>>> j = Journal(":memory:")
>>> who = InstrumentIdentity("Mettler Toledo", "XPE205", "B1")
>>> r = Reading("1.00", "g", True, who, 1, datetime(2026, 1, 1, tzinfo=UTC), b"S S 1.00 g\\r\\n")
>>> entry = j.record("J-2026-001", "P1", r, key="run1-000001")
>>> [e.key for e in j.pending()]
['run1-000001']
>>> j.mark_sent(["run1-000001"], at=datetime(2026, 1, 1, tzinfo=UTC))
1
>>> j.pending(), j.counts()
([], {'pending': 0, 'sent': 1, 'rejected': 0})

A frame the driver rejected is journaled as a fault with its exact bytes, never as a reading:

>>> j.record_fault("J-2026-001", "P1", run_id="run1", kind="Implausible", message="unit 'f'",
...                raw=b"S S 1.00 f\\r\\n", at=datetime(2026, 1, 1, tzinfo=UTC))
>>> [(f.kind, f.raw) for f in j.faults()]
[('Implausible', b'S S 1.00 f\\r\\n')]
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from instruments.reading import Reading, format_utc, utc_now

SCHEMA = """
CREATE TABLE IF NOT EXISTS journal_reading (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    job_number TEXT NOT NULL,
    point_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    sent_at TEXT,
    rejected_reason TEXT
);
CREATE INDEX IF NOT EXISTS journal_reading_pending ON journal_reading (id)
    WHERE sent_at IS NULL AND rejected_reason IS NULL;
CREATE TABLE IF NOT EXISTS journal_fault (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    job_number TEXT NOT NULL,
    point_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    raw BLOB NOT NULL,
    detected_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS journal_sequence_event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    job_number TEXT NOT NULL,
    point_index INTEGER,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    raw BLOB NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS journal_sequence_event_run ON journal_sequence_event (run_id, id);
"""


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One journaled reading and where it belongs."""

    key: str
    job_number: str
    point_id: str
    payload: dict[str, Any]

    def to_wire(self) -> dict[str, Any]:
        """The reading as sent to the server (docs/bench-agent.md)."""
        return {"idempotency_key": self.key, **self.payload}


@dataclass(frozen=True, slots=True)
class JournalFault:
    """A fault met while capturing for a job's test point: what was wrong and the raw bytes involved."""

    run_id: str
    job_number: str
    point_id: str
    kind: str
    message: str
    raw: bytes
    detected_at: str


@dataclass(frozen=True, slots=True)
class SequenceEvent:
    """One journaled step of an automated sequence."""

    run_id: str
    job_number: str
    point_index: int | None
    kind: str
    detail: dict[str, Any]
    raw: bytes
    at: str


class Journal:
    """A journal file; one per bench PC (``~/.local/share/lims/bench-journal.sqlite3`` by default)."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # a confirmed record survives power loss
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def record(self, job_number: str, point_id: str, reading: Reading, *, key: str) -> JournalEntry:
        """Store ``reading`` durably under ``key`` (before any attempt to send it)."""
        if not job_number or not point_id:
            raise ValueError("job_number and point_id are required")
        payload = reading.to_json_dict()
        self._db.execute(
            "INSERT INTO journal_reading (idempotency_key, job_number, point_id, payload, recorded_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (key, job_number, point_id, json.dumps(payload, sort_keys=True), format_utc(utc_now())))
        return JournalEntry(key, job_number, point_id, payload)

    def record_fault(self, job_number: str, point_id: str, *, run_id: str, kind: str, message: str,
                     raw: bytes, at: datetime) -> None:
        """Keep a fault (rejected frame, timeout, disagreeing replies) with its raw bytes, for the record
        (ISO/IEC 17025 7.5.1: original observations, including those rejected, are retained)."""
        self._db.execute(
            "INSERT INTO journal_fault (run_id, job_number, point_id, kind, message, raw, detected_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", (run_id, job_number, point_id, kind, message, raw, format_utc(at)))

    def faults(self, *, run_id: str | None = None) -> list[JournalFault]:
        """Faults journaled (of one capture run, or all), oldest first."""
        select = "SELECT run_id, job_number, point_id, kind, message, raw, detected_at FROM journal_fault "
        rows = (self._db.execute(select + "ORDER BY id").fetchall() if run_id is None else
                self._db.execute(select + "WHERE run_id = ? ORDER BY id", (run_id,)).fetchall())
        return [JournalFault(r[0], r[1], r[2], r[3], r[4], bytes(r[5]), r[6]) for r in rows]

    def record_event(self, job_number: str, *, run_id: str, kind: str, point_index: int | None = None,
                     detail: dict[str, Any] | None = None, raw: bytes = b"", at: datetime | None = None) -> None:
        """Keep one step of an automated sequence (set, stable, safe, paused, aborted, finished …): the
        sequence is resumed or made safe from these after a crash (:mod:`instruments.sequence`)."""
        self._db.execute(
            "INSERT INTO journal_sequence_event (run_id, job_number, point_index, kind, detail, raw, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (run_id, job_number, point_index, kind, json.dumps(detail or {}, sort_keys=True), raw,
             format_utc(at or utc_now())))

    def events(self, run_id: str) -> list[SequenceEvent]:
        """The steps of one sequence run, oldest first."""
        rows = self._db.execute(
            "SELECT run_id, job_number, point_index, kind, detail, raw, at FROM journal_sequence_event "
            "WHERE run_id = ? ORDER BY id", (run_id,)).fetchall()
        return [SequenceEvent(r[0], r[1], r[2], r[3], json.loads(r[4]), bytes(r[5]), r[6]) for r in rows]

    def open_runs(self) -> list[str]:
        """Sequence runs whose last step is neither ``finished`` nor ``aborted`` (left by a crash)."""
        rows = self._db.execute(
            "SELECT e.run_id, e.kind FROM journal_sequence_event e JOIN (SELECT run_id, MAX(id) AS last FROM "
            "journal_sequence_event GROUP BY run_id) m ON e.id = m.last ORDER BY e.id").fetchall()
        return [run for run, kind in rows if kind not in ("finished", "aborted")]

    def pending(self, limit: int = 1000) -> list[JournalEntry]:
        """Readings neither confirmed nor rejected, oldest first."""
        rows = self._db.execute(
            "SELECT idempotency_key, job_number, point_id, payload FROM journal_reading "
            "WHERE sent_at IS NULL AND rejected_reason IS NULL ORDER BY id LIMIT ?", (limit,)).fetchall()
        return [JournalEntry(key, job, point, json.loads(payload)) for key, job, point, payload in rows]

    def mark_sent(self, keys: Iterable[str], *, at: datetime | None = None) -> int:
        """Mark confirmed keys as sent; returns how many rows changed."""
        stamp = format_utc(at or utc_now())
        with self._transaction():
            changed = 0
            for key in keys:
                changed += self._db.execute(
                    "UPDATE journal_reading SET sent_at = ? WHERE idempotency_key = ? AND sent_at IS NULL",
                    (stamp, key)).rowcount
        return changed

    def mark_rejected(self, key: str, reason: str) -> None:
        """The server refused this reading for good (e.g. unknown test point); keep it, stop resending."""
        self._db.execute("UPDATE journal_reading SET rejected_reason = ? WHERE idempotency_key = ?",
                         (reason, key))

    def counts(self) -> dict[str, int]:
        """How many readings are pending, sent and rejected."""
        row = self._db.execute(
            "SELECT COALESCE(SUM(sent_at IS NULL AND rejected_reason IS NULL), 0), "
            "COALESCE(SUM(sent_at IS NOT NULL), 0), COALESCE(SUM(rejected_reason IS NOT NULL), 0) "
            "FROM journal_reading").fetchone()
        return {"pending": int(row[0]), "sent": int(row[1]), "rejected": int(row[2])}

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")

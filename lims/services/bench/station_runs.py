"""What every run of a bench station shares: the journal on the bench PC and the background sender that
delivers it (:func:`journaled`), the sink that stores each reading on the authority of the request or sequence
that took it, and claiming the station's next queued row.

Every reading is journaled on the bench PC first, then delivered through the direct database sink, so a
database outage loses nothing (the journal is resent by the next run or by ``lims bench flush --database``).
The idempotency key of a station capture starts with ``r<request id>-`` and of a sequence with ``s<run id>-``;
the sink looks the request up for every batch, so leftovers of an earlier request are never credited to the
next requester.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from instruments.agent.capture import BackgroundSender
from instruments.agent.journal import Journal, JournalEntry
from instruments.agent.sink import Delivery, Sink, SinkRefused
from lims.db import Database
from lims.models import CaptureRequest, SequenceRun
from lims.services.access.authorisations import AuthorisationRefused
from lims.services.bench.readings import ReadingActor
from lims.services.bench.sink import DatabaseSink, RefusalStatus

EventSink = Callable[[str], None]


T = TypeVar("T")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def request_of_key(key: str) -> int | None:
    """The capture request id a station reading's key starts with (``r12-…`` → 12), else None.

    >>> request_of_key("r12-0a1b2c3d4e5f-00000003"), request_of_key("5f0c-00000001")
    (12, None)
    """
    head = key.split("-", 1)[0]
    return int(head[1:]) if head.startswith("r") and head[1:].isdigit() else None


def sequence_of_key(key: str) -> int | None:
    """The sequence run id a sequence reading's key starts with (``s7-…`` → 7), else None.

    >>> sequence_of_key("s7-0a1b2c-p1-00000003"), sequence_of_key("r12-0a1b-00000003")
    (7, None)
    """
    head = key.split("-", 1)[0]
    return int(head[1:]) if head.startswith("s") and head[1:].isdigit() else None


class StationSink:
    """Delivers each journaled reading on the authority of the request that captured it."""

    def __init__(self, database: Database, station_name: str, *, refusal_status: RefusalStatus) -> None:
        self.database, self.station_name = database, station_name
        self.refusal_status = refusal_status

    def _actor(self, request_id: int | None) -> ReadingActor:
        with self.database.session() as session:
            row = session.get(CaptureRequest, request_id) if request_id is not None else None
            if row is None:
                refused = AuthorisationRefused(reason=f"no capture request behind reading key r{request_id}")
                raise SinkRefused(self.refusal_status(refused), str(refused))
            return ReadingActor(
                row.requested_by_id, source=f"station:{self.station_name}", capture_request_id=row.id
            )

    def _sequence_actor(self, run_id: int) -> ReadingActor:
        with self.database.session() as session:
            run = session.get(SequenceRun, run_id)
            if run is None:
                refused = AuthorisationRefused(reason=f"no sequence behind reading key s{run_id}")
                raise SinkRefused(self.refusal_status(refused), str(refused))
            return ReadingActor(run.requested_by_id, source=f"station:{self.station_name}")

    def deliver(self, job_number: str, point: str, entries: Sequence[JournalEntry]) -> Delivery:
        confirmed: set[str] = set()
        rejected: dict[str, str] = {}
        groups: dict[tuple[str, int | None], list[JournalEntry]] = {}
        for entry in entries:
            run = sequence_of_key(entry.key)
            groups.setdefault(("s", run) if run is not None else ("r", request_of_key(entry.key)), []).append(
                entry
            )
        for (kind, owner), group in groups.items():
            actor = self._sequence_actor(owner) if kind == "s" and owner is not None else self._actor(owner)
            sink = DatabaseSink(self.database.session, actor, refusal_status=self.refusal_status)
            delivery = sink.deliver(job_number, point, group)
            confirmed |= delivery.confirmed
            rejected |= delivery.rejected
        return Delivery(frozenset(confirmed), rejected)


@dataclass(slots=True)
class JournaledRun:
    """A run's journal on the bench PC and the background sender that replays it to the database."""

    journal: Journal
    sender: BackgroundSender
    drained: bool = False  # set when the run ends: True when the database confirmed every reading


@contextmanager
def journaled(
    journal_path: Path, sink: Sink, *, flush_timeout_s: float, on_event: EventSink | None
) -> Iterator[JournaledRun]:
    """Open the journal and start delivering it to ``sink`` for one run (a capture, a sequence or a room
    log); at the end wait up to ``flush_timeout_s`` for the delivery, whatever happened, and close it.
    What is not confirmed stays in the journal and is resent by the next run or ``lims bench flush``."""
    journal = Journal(journal_path)
    run = JournaledRun(journal, BackgroundSender(journal_path, sink, on_event=on_event).start())
    try:
        yield run
    finally:
        run.drained = run.sender.finish(timeout_s=flush_timeout_s)
        journal.close()


def claim(
    database: Database, claim_next: Callable[..., T | None], station_id: int, worker: str | None
) -> T | None:
    """Claim the station's next queued row with ``claim_next`` (a capture request or a sequence) for this
    worker and commit at once, so no other worker takes it; None when nothing is queued."""
    with database.session() as session:
        row = claim_next(session, station_id, worker=worker or worker_name())
        session.commit()
        if row is not None:
            session.expunge(row)
    return row

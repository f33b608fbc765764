"""The station worker: runs on the bench PC, takes its station's capture requests, reads the instrument.

Each request runs like ``lims bench capture``: every reading is journaled on the bench PC first, then
delivered by a background sender through the direct database sink, so a database outage loses nothing
(the journal is resent by the next request or by ``lims bench flush --database``). Readings are stored on
the authority of the technician who asked for the capture: the idempotency key of a station capture starts
with ``r<request id>-``, and the sink looks the request up for every batch, so leftovers of an earlier request
are never credited to the next requester.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select

from instruments import registry
from instruments.acquisition import Fault, acquire
from instruments.agent.capture import BackgroundSender, Capture
from instruments.agent.journal import Journal, JournalEntry
from instruments.agent.room_log import RoomLog
from instruments.agent.sink import Delivery, Sink, SinkRefused
from instruments.drivers.base import Backoff, Driver, DriverOptions
from instruments.errors import Implausible, InstrumentError
from instruments.reading import InstrumentIdentity, Reading, utc_now
from instruments.sequence import (
    CalibratorSource,
    Command,
    PressureSource,
    Progress,
    SequenceError,
    SequenceRunner,
    Source,
    Stability,
    recover,
)
from lims.db import Database
from lims.errors import N_
from lims.models import BenchStation, CaptureRequest, Job, SequenceRun
from lims.services.access.authorisations import AuthorisationRefused
from lims.services.bench import rooms
from lims.services.bench import sequences as bench_sequences
from lims.services.bench import stations as bench_stations
from lims.services.bench.readings import ReadingActor, point_id
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


def _claim(
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


@dataclass(frozen=True, slots=True)
class Outcome:
    request_id: int
    readings: int
    error: str | None


def run_request(
    database: Database,
    request: CaptureRequest,
    *,
    station_name: str,
    journal_path: Path,
    refusal_status: RefusalStatus,
    stop: threading.Event | None = None,
    flush_timeout_s: float = 30.0,
    on_event: EventSink | None = None,
) -> Outcome:
    """Capture ``request.count`` readings journal-first and deliver them; never raises for instrument faults."""
    with database.session() as session:
        job_number = session.scalar(select(Job.number).where(Job.id == request.job_id))
        unit = session.scalar(select(BenchStation.unit).where(BenchStation.id == request.station_id))
    assert job_number is not None
    sink = StationSink(database, station_name, refusal_status=refusal_status)
    error: str | None = None
    with journaled(journal_path, sink, flush_timeout_s=flush_timeout_s, on_event=on_event) as journal:
        run = Capture(
            journal.journal,
            job_number=job_number,
            point_id=point_id(request.point_index),
            run_id=f"r{request.id}-{uuid.uuid4().hex[:12]}",
        )
        sender = journal.sender
        try:

            def on_fault(error: InstrumentError) -> None:
                fault = Fault(error, utc_now())
                run.add_fault(fault)
                if on_event is not None:
                    on_event(f"fault: {error}")

            options = DriverOptions(
                unit=unit, on_retry=lambda attempt, error: on_fault(error), on_fault=on_fault
            )
            driver = registry.get(request.driver).open(request.port_url, options=options)
            try:
                for item in acquire(
                    driver,
                    count=request.count,
                    interval_s=request.interval_s,
                    backoff=Backoff(max_attempts=10),
                ):
                    if isinstance(item, Reading):
                        run.add(item)
                        sender.notify()
                    else:
                        run.add_fault(item)  # the raw bytes stay on record, never as a reading
                        if on_event is not None:
                            on_event(f"fault: {item.error}")
                    if sender.error is not None:
                        break
                    if stop is not None and stop.is_set():
                        error = "the station worker was stopped"
                        break
            finally:
                driver.close()
        except InstrumentError as exc:
            error = str(exc)
    if sender.error is not None:
        error = str(sender.error)
    elif not journal.drained and error is None:
        error = f"readings kept in the journal {journal_path}: the database did not confirm them"
    return Outcome(request.id, run.recorded, error)


def work_once(
    database: Database,
    station_id: int,
    *,
    station_name: str,
    journal_path: Path,
    refusal_status: RefusalStatus,
    worker: str | None = None,
    stop: threading.Event | None = None,
    on_event: EventSink | None = None,
) -> Outcome | None:
    """Claim one queued request of the station and run it; None when nothing is queued."""
    request = _claim(database, bench_stations.claim_next, station_id, worker)
    if request is None:
        return None
    if on_event is not None:
        on_event(
            f"capture request {request.id}: {request.count} readings from {request.driver} on "
            f"{request.port_url}"
        )
    outcome = run_request(
        database,
        request,
        station_name=station_name,
        journal_path=journal_path,
        refusal_status=refusal_status,
        stop=stop,
        on_event=on_event,
    )
    with database.session() as session:
        bench_stations.finish(
            session, request.id, error=outcome.error, readings_taken=outcome.readings, now=datetime.now(UTC)
        )
        session.commit()
    if on_event is not None:
        on_event(
            f"capture request {request.id}: {outcome.readings} readings"
            + (f"; failed: {outcome.error}" if outcome.error else "; done")
        )
    return outcome


def _abandon(
    database: Database,
    abandon_running: Callable[..., int],
    station_id: int,
    what: str,
    on_event: EventSink | None,
) -> None:
    """Fail the station's rows (``what``) an earlier worker of this host left running, and say so."""
    with database.session() as session:
        left = abandon_running(session, station_id, host=socket.gethostname())
        session.commit()
    if left and on_event is not None:
        on_event(f"{left} {what} left running by an earlier worker marked failed")


def run_station(
    database: Database,
    station_name: str,
    *,
    journal_path: Path,
    refusal_status: RefusalStatus,
    stop: threading.Event,
    poll_s: float = 1.0,
    on_event: EventSink | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Serve the station's requests until ``stop`` is set (``lims bench station``); ``monotonic``/``sleep``
    are the sequences' clock (tests pass a simulated one)."""
    with database.session() as session:
        station_id = bench_stations.station_by_name(session, station_name).id
    _abandon(database, bench_stations.abandon_running, station_id, "capture requests", on_event)
    worker = worker_name()
    make_safe_after_crash(database, station_id, journal_path=journal_path, on_event=on_event)
    _abandon(database, bench_sequences.abandon_running, station_id, "sequences", on_event)
    steps: tuple[Callable[..., object], ...] = (  # a queued sequence first
        functools.partial(work_sequence_once, monotonic=monotonic, sleep=sleep),
        work_once,
    )
    while not stop.is_set():
        for step in steps:
            ran = step(
                database,
                station_id,
                station_name=station_name,
                journal_path=journal_path,
                refusal_status=refusal_status,
                worker=worker,
                stop=stop,
                on_event=on_event,
            )
            if ran is not None:
                break  # look for the next queued work at once
        else:
            stop.wait(poll_s)


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


def _source(driver_name: str, driver: object, unit: str) -> Source:
    return CalibratorSource(driver, unit) if driver_name == "fluke-5520a" else PressureSource(driver)  # type: ignore[arg-type]


def same_unit(instrument_unit: str, unit: str) -> bool:
    """Whether an instrument's unit word names ``unit`` (a PACE answers ``BAR`` for bar, ``KPA`` for kPa).

    >>> same_unit("BAR", "bar"), same_unit("V", "V"), same_unit("MBAR", "bar")
    (True, True, False)
    """
    return instrument_unit.casefold() == unit.casefold()


class UnitUnderTestReader:
    """The unit under test read through its own driver; its readings carry the procedure's unit label (the
    value text stays exactly as sent), and a reading in another unit is a fault, never relabelled."""

    def __init__(self, driver: Driver, unit: str) -> None:
        self.driver, self.unit = driver, unit

    def read(self) -> Reading:
        reading = self.driver.read()
        if reading.unit == self.unit:
            return reading
        if not same_unit(reading.unit, self.unit):
            raise Implausible(
                "read",
                reading.raw,
                f"the instrument under test reads in {reading.unit}, the "
                f"procedure's points are in {self.unit}",
            )
        return dataclasses.replace(reading, unit=self.unit)


def _check_unit(what: str, driver: Driver, unit: str) -> None:
    """Before anything is energised: a source or a unit under test working in another unit stops the run."""
    found = str(getattr(driver, "unit", "") or "")
    if found and not same_unit(found, unit):
        raise SequenceError(
            f"the {what} works in {found}; the procedure's points are in {unit}: set it to {unit}"
        )


def run_sequence(
    database: Database,
    run: SequenceRun,
    *,
    station_name: str,
    journal_path: Path,
    refusal_status: RefusalStatus,
    stop: threading.Event | None = None,
    flush_timeout_s: float = 30.0,
    on_event: EventSink | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> str | None:
    """Run a queued sequence (claimed by this worker) to its end; returns the error, None when it finished.

    The technician's command and typed indications are read from the run's row at every step; progress is
    written back for the page. Readings go journal first to the database on the requester's authority. With
    a unit-under-test station, its driver is opened too and read at each point instead of asking.
    ``monotonic``/``sleep`` are the clock of the stability criterion (tests pass a simulated one).
    """
    with database.session() as session:
        job = session.get(Job, run.job_id)
        assert job is not None and job.procedure is not None
        plan = bench_sequences.automation_of(job)
        job_number, unit = job.number, bench_sequences.domain_unit(job)
        uut_unit = None
        if run.uut_station_id is not None:
            uut_station = session.get(BenchStation, run.uut_station_id)
            uut_unit = uut_station.unit if uut_station is not None else None
    assert plan is not None
    visits = bench_sequences.run_visits(run)
    if not run.visits:  # queued before visits were stored: the procedure's readings at each point
        visits = [dataclasses.replace(v, readings=plan.readings) for v in visits]
    typed = InstrumentIdentity("technician", "entry", "", "")
    seq = iter(range(1, 10**9))

    def row() -> SequenceRun:
        with database.session() as session:
            current = session.get(SequenceRun, run.id)
            assert current is not None
            session.expunge(current)
            return current

    def control() -> Command:
        if stop is not None and stop.is_set():
            return Command.ABORT
        return Command(row().command)

    def entry(index: int) -> list[Reading] | None:
        texts = (row().entries or {}).get(str(index))
        if texts is None:
            return None
        return [Reading(t, unit, None, typed, next(seq), utc_now(), f"typed {t}".encode()) for t in texts]

    def progress(p: Progress) -> None:
        with database.session() as session:
            bench_sequences.progress(
                session,
                run.id,
                point_index=p.point_index,
                step=p.step,
                reference=p.reference,
                visit_index=p.visit_index,
            )
            session.commit()

    error: str | None = None
    state = "finished"
    sink = StationSink(database, station_name, refusal_status=refusal_status)
    uut_driver: Driver | None = None
    with journaled(journal_path, sink, flush_timeout_s=flush_timeout_s, on_event=on_event) as journal:
        try:
            driver = registry.get(run.driver).open(run.port_url)
            try:
                _check_unit("source", driver, plan.source_unit)
                if run.uut_driver is not None and run.uut_port_url is not None:
                    uut_driver = registry.get(run.uut_driver).open(
                        run.uut_port_url, options=DriverOptions(unit=uut_unit)
                    )
                    _check_unit("instrument under test", uut_driver, unit)
                runner = SequenceRunner(
                    journal.journal,
                    _source(run.driver, driver, plan.source_unit),
                    job_number=job_number,
                    run_id=f"s{run.id}-{uuid.uuid4().hex[:8]}",
                    stability=Stability(
                        window=plan.window,
                        max_slope_per_s=plan.max_slope_per_s,
                        max_spread=plan.max_spread,
                        timeout_s=plan.timeout_s,
                        poll_s=plan.poll_s,
                    ),
                    readings_per_point=plan.readings,
                    uut=None if uut_driver is None else UnitUnderTestReader(uut_driver, unit),
                    entry=entry,
                    control=control,
                    on_progress=progress,
                    notify=journal.sender.notify,
                    monotonic=monotonic,
                    sleep=sleep,
                )
                runner.run(
                    visits, describe={"driver": run.driver, "port": run.port_url, "unit": plan.source_unit}
                )
            except SequenceError as exc:
                error = str(exc)
                state = "aborted" if "aborted by the technician" in error else "failed"
            finally:
                if uut_driver is not None:
                    uut_driver.close()
                driver.close()
        except InstrumentError as exc:
            error, state = str(exc), "failed"
    with database.session() as session:
        bench_sequences.finish(session, run.id, state=state, error=error)
        session.commit()
    if on_event is not None:
        on_event(f"sequence {run.id}: {state}" + (f" ({error})" if error else ""))
    return error


def work_sequence_once(
    database: Database,
    station_id: int,
    *,
    station_name: str,
    journal_path: Path,
    refusal_status: RefusalStatus,
    worker: str | None = None,
    stop: threading.Event | None = None,
    on_event: EventSink | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int | None:
    """Claim one queued sequence of the station and run it; its id, or None when nothing is queued."""
    run = _claim(database, bench_sequences.claim_next, station_id, worker)
    if run is None:
        return None
    run_sequence(
        database,
        run,
        station_name=station_name,
        journal_path=journal_path,
        refusal_status=refusal_status,
        stop=stop,
        on_event=on_event,
        monotonic=monotonic,
        sleep=sleep,
    )
    return run.id


def _where(row: SequenceRun, visit_index: int | None) -> str:
    """The visit to resume from in the technician's words: ``point 3`` or ``point 3 (M2 ↓)``."""
    visits = bench_sequences.run_visits(row)
    index = visit_index or 0
    if row.visits and 0 <= index < len(visits):
        visit = visits[index]
        return f"point {visit.point_index + 1}" + (f" ({visit.label})" if visit.label else "")
    return f"point {index + 1}"


def make_safe_after_crash(
    database: Database, station_id: int, *, journal_path: Path, on_event: EventSink | None = None
) -> int:
    """At start: runs the journal holds open on this station's source are made safe (standby / vent) and
    their rows failed, naming the point to resume from. Returns how many."""
    with database.session() as session:
        station = session.get(BenchStation, station_id)
        assert station is not None
        driver_name, port = station.driver, station.port_url
    journal = Journal(journal_path)
    try:
        left = [
            r
            for r in journal.open_runs()
            if (journal.events(r)[0].detail.get("driver"), journal.events(r)[0].detail.get("port"))
            == (driver_name, port)
        ]
        if not left:
            return 0
        driver = registry.get(driver_name).open(port)
        try:
            for run_key in left:
                resume = recover(
                    journal,
                    run_key,
                    _source(driver_name, driver, journal.events(run_key)[0].detail.get("unit", "V")),
                )
                run_id = sequence_of_key(run_key)
                with database.session() as session:
                    row = session.get(SequenceRun, run_id) if run_id is not None else None
                    if row is not None:
                        bench_sequences.finish(
                            session,
                            row.id,
                            state="failed",
                            error=f"the station stopped; the source was made safe; resume from {_where(row, resume)}",
                        )
                    session.commit()
                if on_event is not None:
                    on_event(f"sequence {run_key} left open: source made safe")
        finally:
            driver.close()
        return len(left)
    finally:
        journal.close()

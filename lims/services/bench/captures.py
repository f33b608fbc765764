"""A station's capture requests (queued from the bench page): each runs like ``lims bench capture``, journal first,
on the authority of the technician who asked for it (:mod:`lims.services.bench.station_runs`)."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from instruments import registry
from instruments.acquisition import Fault, acquire
from instruments.agent.capture import Capture
from instruments.drivers.base import Backoff, DriverOptions
from instruments.errors import InstrumentError
from instruments.reading import Reading, utc_now
from lims.db import Database
from lims.models import BenchStation, CaptureRequest, Job
from lims.services.bench import stations as bench_stations
from lims.services.bench.readings import point_id
from lims.services.bench.sink import RefusalStatus
from lims.services.bench.station_runs import EventSink, StationSink, claim, journaled


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
    request = claim(database, bench_stations.claim_next, station_id, worker)
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

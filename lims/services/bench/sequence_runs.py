"""A station's automated sequences: the source set point by point, the reference read when stable, the unit under
test read through its own station or typed by the technician (docs/instruments.md), journal first
(:mod:`lims.services.bench.station_runs`)."""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from instruments import registry
from instruments.drivers.base import Driver, DriverOptions
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
)
from lims.db import Database
from lims.models import BenchStation, Job, SequenceRun
from lims.services.bench import sequences as bench_sequences
from lims.services.bench.sink import RefusalStatus
from lims.services.bench.station_runs import EventSink, StationSink, claim, journaled


def source_for(driver_name: str, driver: object, unit: str) -> Source:
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
                    source_for(run.driver, driver, plan.source_unit),
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
    run = claim(database, bench_sequences.claim_next, station_id, worker)
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

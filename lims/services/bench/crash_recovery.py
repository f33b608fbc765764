"""At a station worker's start: the sequences its journal holds open on the station's source (the worker or the PC
stopped mid-run) are made safe (standby / vent) and their rows failed, naming the point to resume from."""

from __future__ import annotations

from pathlib import Path

from instruments import registry
from instruments.agent.journal import Journal
from instruments.sequence import recover
from lims.db import Database
from lims.models import BenchStation, SequenceRun
from lims.services.bench import sequences as bench_sequences
from lims.services.bench.sequence_runs import source_for
from lims.services.bench.station_runs import EventSink, sequence_of_key


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
                    source_for(driver_name, driver, journal.events(run_key)[0].detail.get("unit", "V")),
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

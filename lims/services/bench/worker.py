"""The station worker (``lims bench station``): runs on the bench PC and serves its station's queue until
stopped: first what an earlier worker left (sequences made safe, rows failed), then each queued sequence or
capture request in turn (:mod:`lims.services.bench.sequence_runs`, :mod:`lims.services.bench.captures`)."""

from __future__ import annotations

import functools
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from lims.db import Database
from lims.services.bench import sequences as bench_sequences
from lims.services.bench import stations as bench_stations
from lims.services.bench.captures import work_once
from lims.services.bench.crash_recovery import make_safe_after_crash
from lims.services.bench.sequence_runs import work_sequence_once
from lims.services.bench.sink import RefusalStatus
from lims.services.bench.station_runs import EventSink, worker_name


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

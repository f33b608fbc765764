"""Automated sequences from the bench (issue 18 item 3): queued by the technician, run by the station worker
against the 5520A simulator on a pty, indications typed for a unit under test without an interface, abort
leaving the calibrator in standby; committed databases of their own (the worker has its own connections)."""

from __future__ import annotations

import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from instruments.simulators.instruments import CalibratorSimulator
from instruments.simulators.pty import PtySimulator
from lims.db import Database
from lims.models import BenchStation, Job, SequenceRun, User
from lims.services.bench import readings as bench_readings
from lims.services.bench import sequence_runs, sequences
from lims.services.bench import stations as bench_stations
from lims.services.bench import worker as bench_worker
from lims.web.status import status_for
from tests.instruments.test_sequence import in_standby
from tests.services import benchdb
from tests.services.benchdb import MakeDatabase, bench_job

fresh_database = benchdb.fresh_database


def _setup(database: Database, port: str) -> tuple[int, int, int, list[str]]:
    job_id, _number, technician_id, _ = bench_job(database, "CAL-DMM-DCV")
    with database.session() as session:
        station = bench_stations.save_station(
            session, bench_stations.StationInput("cal-1", "fluke-5520a", port)
        )
        user = session.get(User, technician_id)
        assert user is not None
        run = sequences.start(session, job_id, station.id, user=user)
        session.commit()
        return job_id, station.id, run.id, list(run.points)


def _wait(database: Database, run_id: int, predicate, timeout_s: float = 20.0) -> SequenceRun:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with database.session() as session:
            row = session.get(SequenceRun, run_id)
            assert row is not None
            if predicate(row):
                session.expunge(row)
                return row
        time.sleep(0.02)
    raise AssertionError("the sequence did not get there in time")


def _work(
    database: Database,
    station_id: int,
    station_name: str,
    tmp_path: Path,
    clock: SimulatedClock | None = None,
) -> int | None:
    """The station's worker takes the queued sequence and runs it (on the simulated ``clock`` when given)."""
    monotonic, sleep = (time.monotonic, time.sleep) if clock is None else (clock.monotonic, clock.sleep)
    return sequence_runs.work_sequence_once(
        database,
        station_id,
        station_name=station_name,
        journal_path=tmp_path / "j.sqlite3",
        refusal_status=status_for,
        monotonic=monotonic,
        sleep=sleep,
    )


def _source_and_reader(
    session: Session, technician_id: int, source: tuple[str, str, str], reader: tuple[str, str, str]
) -> tuple[BenchStation, BenchStation, User]:
    """Two stations, the source and the one reading the instrument under test (each name, driver, port), and
    the job's technician."""
    stations = [
        bench_stations.save_station(session, bench_stations.StationInput(*s)) for s in (source, reader)
    ]
    user = session.get(User, technician_id)
    assert user is not None
    return stations[0], stations[1], user


def test_a_dc_voltage_sequence_runs_and_its_indications_become_readings(
    fresh_database: MakeDatabase, tmp_path: Path
) -> None:
    database = fresh_database("sqlite")
    sim_cal = CalibratorSimulator()
    sim = PtySimulator(sim_cal)
    sim.start()
    try:
        job_id, station_id, run_id, points = _setup(database, sim.path)
        assert points == [
            "0",
            "2",
            "10",
            "18",
            "-18",
        ]  # CAL-DMM-DCV 2.0, ±20 V range: short, 10, 50, 90, −90 %
        with database.session() as session:
            for index, nominal in enumerate(points):  # typed ahead: the sequence never waits
                sequences.enter(session, job_id, run_id, index, [f"{nominal}.001"] * 5)
            with pytest.raises(sequences.SequenceRefused, match="not a number"):
                sequences.enter(session, job_id, run_id, 0, ["2,001", "hai"] + ["2"] * 3)
            with pytest.raises(sequences.SequenceRefused, match="Give 5 indications"):
                sequences.enter(session, job_id, run_id, 0, ["2"])
            session.commit()
        ran = _work(database, station_id, "cal-1", tmp_path)
        assert ran == run_id
        assert in_standby(sim_cal)
    finally:
        sim.stop()
    row = _wait(database, run_id, lambda r: r.state == "finished")
    assert row.error is None and row.point_index == 4 and row.reference is not None
    assert [h for h in sim_cal.history if h.startswith("OUT")] == [
        "OUT 0 V",
        "OUT 2 V",
        "OUT 10 V",
        "OUT 18 V",
        "OUT -18 V",
    ]
    with database.session() as session:
        for index, nominal in enumerate(points):
            stored = bench_readings.readings_for(session, job_id, index)
            assert [r.value for r in stored] == [f"{nominal}.001"] * 5
            assert {r.source for r in stored} == {"station:cal-1"}


def test_an_abort_from_the_bench_leaves_the_calibrator_in_standby(
    fresh_database: MakeDatabase, tmp_path: Path
) -> None:
    database = fresh_database("sqlite")
    sim_cal = CalibratorSimulator()
    sim = PtySimulator(sim_cal)
    sim.start()
    try:
        job_id, station_id, run_id, _points = _setup(database, sim.path)
        with database.session() as session:
            sequences.enter(session, job_id, run_id, 0, ["0.001"] * 5)  # the short: 0 V
            session.commit()
        thread = threading.Thread(target=_work, args=(database, station_id, "cal-1", tmp_path))
        thread.start()
        _wait(database, run_id, lambda r: r.point_index == 1 and r.step == "waiting for the technician")
        assert sim_cal.operating and sim_cal.value == 2  # point 1: 10 % of 20 V
        with database.session() as session:
            sequences.command(session, job_id, run_id, "abort")
            session.commit()
        thread.join(timeout=20)
        assert not thread.is_alive() and in_standby(sim_cal)
    finally:
        sim.stop()
    row = _wait(database, run_id, lambda r: r.state == "aborted")
    assert row.error is not None and "aborted by the technician" in row.error
    with database.session() as session:
        assert len(bench_readings.readings_for(session, job_id, 0)) == 5
        assert bench_readings.readings_for(session, job_id, 1) == []
        with pytest.raises(sequences.SequenceRefused, match="has ended"):
            sequences.command(session, job_id, run_id, "run")


def test_a_worker_restarted_after_a_crash_makes_the_calibrator_safe_and_fails_the_run(
    fresh_database: MakeDatabase, tmp_path: Path
) -> None:
    """The worker died while point 1 was energised: its journal holds the run open. The next worker makes
    the calibrator safe from the journal before anything else and fails the row, naming where to resume."""
    import socket

    from instruments.agent.journal import Journal
    from instruments.drivers.fluke_5520a import Fluke5520A

    database = fresh_database("sqlite")
    sim_cal = CalibratorSimulator()
    sim = PtySimulator(sim_cal)
    sim.start()
    journal_path = tmp_path / "j.sqlite3"
    try:
        _job_id, station_id, run_id, _points = _setup(database, sim.path)
        with database.session() as session:
            sequences.claim_next(session, station_id, worker=f"{socket.gethostname()}:4242")
            session.commit()
        journal = Journal(journal_path)
        journal.record_event(
            "HN",
            run_id=f"s{run_id}-dead",
            kind="started",
            point_index=0,
            detail={"driver": "fluke-5520a", "port": sim.path},
        )
        journal.record_event("HN", run_id=f"s{run_id}-dead", kind="set", point_index=0, detail={"value": "2"})
        journal.close()
        with Fluke5520A.open(sim.path) as cal:  # the output the dead worker left on
            cal.set_output(Decimal("2"), "V")
            cal.operate()
            assert sim_cal.operating
        # the driver's close sent STBY, which a crash would not have: once it has been taken, put the output
        # back on as the crash left it, and forget the history so that only the recovery's STBY counts
        assert in_standby(sim_cal)
        sim_cal.history.clear()
        sim_cal.operating = True
        stop = threading.Event()
        stop.set()  # one pass of the start-up, then stop
        bench_worker.run_station(
            database, "cal-1", journal_path=journal_path, refusal_status=status_for, stop=stop
        )
        assert in_standby(sim_cal)
    finally:
        sim.stop()
    with database.session() as session:
        row = session.get(SequenceRun, run_id)
        assert row is not None and row.state == "failed"
        assert row.error is not None and "resume from point 1" in row.error
    assert Journal(journal_path).open_runs() == []


class SimulatedClock:
    """The sequences' clock in these tests: ``sleep`` moves time on at once (the simulators settle on it)."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_pressure_sequence_reads_the_indicator_in_the_dkd_r_6_1_order_and_vents(
    fresh_database: MakeDatabase, tmp_path: Path
) -> None:
    """A class 1.6 gauge (DKD-R 6-1 sequence C: one preload, M1 ↑, M2 ↓) of 0 to 16 bar read through a
    digital indicator on the controller's manifold: the controller goes 16 → 0 bar (preload), then 0, 4, 8, 12,
    16 bar rising and 16, 12, 8, 4, 0 bar falling; each point holds two readings, M1 then M2 (the indicator
    reads 0.012 bar high), and the controller is vented at the end. τ = 0.5 s, so with the procedure's
    10 readings 1 s apart a point is stable 9 s after it is set (16·e^(−18) bar is far below 0.5 mbar)."""
    from instruments.simulators.instruments import PaceSimulator

    database = fresh_database("sqlite")
    clock = SimulatedClock()
    controller = PaceSimulator(unit="BAR", atmosphere=Decimal(0), settle_tau_s=0.5, clock=clock.monotonic)
    indicator = PaceSimulator(
        idn="GE Druck,DPI 620,1234567,1.00",
        unit="BAR",
        atmosphere=Decimal(0),
        follow=lambda: controller.measured() + Decimal("0.012"),
    )
    sim_controller, sim_indicator = PtySimulator(controller), PtySimulator(indicator)
    sim_controller.start()
    sim_indicator.start()
    try:
        job_id, _number, technician_id, _ = bench_job(database, "CAL-PG-DKD")
        with database.session() as session:
            pace, dpi, user = _source_and_reader(
                session,
                technician_id,
                ("pace-1", "druck-pace", sim_controller.path),
                ("dpi-1", "druck-pace", sim_indicator.path),
            )
            with pytest.raises(sequences.SequenceRefused, match="read the instrument under test"):
                sequences.start(session, job_id, pace.id, user=user, uut_station_id=pace.id)  # itself
            run = sequences.start(session, job_id, pace.id, user=user, uut_station_id=dpi.id)
            assert [(v[0], v[1], v[2], v[3]) for v in run.visits[:3]] == [
                (4, "16", 0, "preload 1 ↑"),
                (0, "0", 0, "preload 1 ↓"),
                (0, "0", 1, "M1 ↑"),
            ]
            session.commit()
            run_id, station_id = run.id, pace.id
        _work(database, station_id, "pace-1", tmp_path, clock)
    finally:
        sim_controller.stop()
        sim_indicator.stop()
    row = _wait(database, run_id, lambda r: r.state == "finished")
    assert row.error is None and row.entries == {}  # nothing was asked of the technician
    assert [h for h in controller.history if h.startswith("SOUR:PRES ")] == [
        f"SOUR:PRES {p}" for p in (16, 0, 0, 4, 8, 12, 16, 16, 12, 8, 4, 0)
    ]
    assert controller.vented and not controller.controlling
    assert controller.history[-2:] == ["OUTP:STAT OFF", "SOUR:PRES:LEV:IMM:AMPL:VENT 1"]
    with database.session() as session:
        for index, nominal in enumerate(("0", "4", "8", "12", "16")):
            stored = bench_readings.readings_for(session, job_id, index)
            assert [r.value for r in stored] == [f"{Decimal(nominal) + Decimal('0.0120'):.4f}"] * 2
            assert {r.unit for r in stored} == {"bar"}


def test_a_dc_voltage_sequence_reads_the_multimeter_through_its_interface(
    fresh_database: MakeDatabase, tmp_path: Path
) -> None:
    """The DMM under test on its 100 V range (resolution 0.1 mV) wired to the calibrator: five confirmed
    READ? values per point, each within the simulator's ±2 counts of the output, none typed."""
    from instruments.simulators.scpi import DmmSimulator

    database = fresh_database("sqlite")
    clock = SimulatedClock()
    sim_cal = CalibratorSimulator()
    dmm = DmmSimulator(seed=3, follow=lambda: sim_cal.value if sim_cal.operating else Decimal(0))
    dmm.range, dmm.resolution = Decimal(100), Decimal("0.0001")
    sim, sim_dmm = PtySimulator(sim_cal), PtySimulator(dmm)
    sim.start()
    sim_dmm.start()
    try:
        job_id, _number, technician_id, _ = bench_job(database, "CAL-DMM-DCV")
        with database.session() as session:
            cal, meter, user = _source_and_reader(
                session,
                technician_id,
                ("cal-1", "fluke-5520a", sim.path),
                ("dmm-1", "scpi-dmm", sim_dmm.path),
            )
            job = session.get(Job, job_id)
            assert job is not None
            assert [s.name for s in sequences.uut_stations_for(session, job)] == [
                "dmm-1"
            ]  # not the calibrator
            with pytest.raises(sequences.SequenceRefused, match="read the instrument under test"):
                sequences.start(session, job_id, cal.id, user=user, uut_station_id=cal.id)
            run = sequences.start(session, job_id, cal.id, user=user, uut_station_id=meter.id)
            assert (run.uut_driver, run.uut_port_url) == ("scpi-dmm", sim_dmm.path)
            session.commit()
            run_id, station_id = run.id, cal.id
        _work(database, station_id, "cal-1", tmp_path, clock)
        assert in_standby(sim_cal)
    finally:
        sim.stop()
        sim_dmm.stop()
    row = _wait(database, run_id, lambda r: r.state == "finished")
    assert row.error is None and row.entries == {}
    with database.session() as session:
        for index, nominal in enumerate(("0", "2", "10", "18", "-18")):
            stored = bench_readings.readings_for(session, job_id, index)
            assert len(stored) == 5 and {r.unit for r in stored} == {"V"}
            assert all(abs(Decimal(r.value) - Decimal(nominal)) <= Decimal("0.0002") for r in stored)

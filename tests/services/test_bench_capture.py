"""Capture into the database: the direct sink with the agent's journal, and the station worker's queue.

A balance simulator on a real pseudo-terminal plays the instrument; each test has a committed database of its
own (SQLite file or PostgreSQL schema) because the capture, the sender thread and the worker use separate
connections. Records must be complete and never doubled (ISO/IEC 17025:2017 7.5.1, 7.11.3).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from instruments.agent.journal import Journal, JournalEntry
from instruments.agent.sink import SinkRefused, SinkUnavailable
from instruments.simulators.mt_sics import MtSicsSimulator
from instruments.simulators.pty import PtySimulator
from lims.cli import cli
from lims.db import Database
from lims.models import BenchReading, CaptureRequest, CaptureState, Job, User
from lims.services.bench import captures
from lims.services.bench import readings as bench_readings
from lims.services.bench import stations as bench_stations
from lims.services.bench.readings import ReadingActor
from lims.services.bench.sink import DatabaseSink
from lims.services.jobs import jobs
from lims.services.records.database import open_database
from lims.web.status import status_for
from tests.services import benchdb
from tests.services.benchdb import KINDS, MakeDatabase, bench_job

fresh_database = benchdb.fresh_database


@pytest.fixture
def balance() -> Iterator[PtySimulator]:
    """An MT-SICS balance weighing in kilograms, as the NAWI verification procedure expects."""
    sim = PtySimulator(MtSicsSimulator(unit="kg", load="3.005", drift_digits=1, seed=5))
    sim.start()
    yield sim
    sim.stop()


def _url(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


def _capture(database: Database, number: str, port: str, journal: Path, username: str, *extra: str):
    return CliRunner().invoke(
        cli,
        [
            "bench",
            "capture",
            "--job",
            number,
            "--point",
            "P1",
            "--port",
            port,
            "--driver",
            "mt-sics",
            "--database",
            "--user",
            username,
            "--journal",
            str(journal),
            "--json",
            *extra,
        ],
        env={"LIMS_DATABASE_URL": _url(database)},
    )


def _stored(database: Database, job_id: int) -> list[BenchReading]:
    with database.session() as session:
        return bench_readings.readings_for(session, job_id, 0)


def _username(database: Database, user_id: int) -> str:
    with database.session() as session:
        user = session.get(User, user_id)
        assert user is not None
        return user.username


@pytest.mark.parametrize("kind", KINDS)
def test_capture_into_the_database_then_restart_stores_nothing_twice(
    fresh_database: MakeDatabase, kind: str, balance: PtySimulator, tmp_path: Path
) -> None:
    database = fresh_database(kind)
    job_id, number, technician_id, _ = bench_job(database, "VER-NAWI-R76")
    journal = tmp_path / "journal.sqlite3"
    technician = _username(database, technician_id)

    first = _capture(database, number, balance.path, journal, technician, "--count", "5")
    assert first.exit_code == 0, first.stderr
    stored = _stored(database, job_id)
    printed = [line for line in first.stdout.splitlines() if line.startswith("{")]
    assert len(stored) == 5 and len(printed) == 5
    assert all(r.unit == "kg" and r.source == "direct" and r.user_id == technician_id for r in stored)
    assert [r.value for r in stored] == [r.raw.split()[2] for r in stored]  # the text as sent, e.g. "3.006"
    assert Journal(journal).counts() == {"pending": 0, "sent": 5, "rejected": 0}

    # The agent died after the database committed two readings but before the journal marked them sent.
    db = sqlite3.connect(journal)
    with db:
        db.execute("UPDATE journal_reading SET sent_at = NULL WHERE id IN (4, 5)")
    db.close()
    second = _capture(database, number, balance.path, journal, technician, "--count", "3")
    assert second.exit_code == 0, second.stderr
    keys = [r.idempotency_key for r in _stored(database, job_id)]
    assert len(keys) == len(set(keys)) == 8  # the two resent readings came back as duplicates
    assert Journal(journal).counts() == {"pending": 0, "sent": 8, "rejected": 0}


@pytest.mark.parametrize("kind", KINDS)
def test_a_refused_capture_keeps_the_readings_in_the_journal(
    fresh_database: MakeDatabase, kind: str, balance: PtySimulator, tmp_path: Path
) -> None:
    database = fresh_database(kind)
    job_id, number, _technician_id, reviewer_id = bench_job(database, "VER-NAWI-R76")
    journal = tmp_path / "journal.sqlite3"
    result = _capture(
        database, number, balance.path, journal, _username(database, reviewer_id), "--count", "2"
    )
    assert result.exit_code == 1
    assert "HTTP 403" in result.stderr and "not authorised" in result.stderr.lower()
    assert Journal(journal).counts()["pending"] >= 1 and _stored(database, job_id) == []


def test_the_database_options_are_checked(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["bench", "capture", "--job", "J", "--point", "P1", "--port", "loop://", "--driver", "mt-sics"]
    no_user = runner.invoke(
        cli, [*base, "--database"], env={"LIMS_DATABASE_URL": f"sqlite:///{tmp_path}/x.db"}
    )
    assert no_user.exit_code == 2 and "--user" in no_user.stderr
    both = runner.invoke(
        cli, [*base, "--database", "--user", "u", "--server", "http://x", "--token-file", "t"]
    )
    assert both.exit_code == 2 and "not both" in both.stderr
    neither = runner.invoke(cli, base)
    assert neither.exit_code == 2 and "--server" in neither.stderr


def test_an_unreachable_database_is_retried_later(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path}/missing/dir/lims.db")
    sink = DatabaseSink(database.session, ReadingActor(1), refusal_status=status_for)
    entry = JournalEntry("k-00000001", "J-1", "P1", {"value": "1.0"})
    with pytest.raises(SinkUnavailable):
        sink.deliver("J-1", "P1", [entry])
    database.engine.dispose()


def _station(database: Database, port: str, name: str = "can-1") -> int:
    with database.session() as session:
        row = bench_stations.save_station(session, bench_stations.StationInput(name, "mt-sics", port))
        session.commit()
        return row.id


def _queue(database: Database, job_id: int, station_id: int, user_id: int, count: int = 3) -> int:
    with database.session() as session:
        user = session.get(User, user_id)
        assert user is not None
        row = bench_stations.request_capture(session, job_id, 0, station_id, user=user, count=count)
        session.commit()
        return row.id


@pytest.mark.parametrize("kind", KINDS)
def test_the_station_worker_runs_a_queued_capture(
    fresh_database: MakeDatabase, kind: str, balance: PtySimulator, tmp_path: Path
) -> None:
    database = fresh_database(kind)
    job_id, _number, technician_id, _ = bench_job(database, "VER-NAWI-R76")
    station_id = _station(database, balance.path)
    request_id = _queue(database, job_id, station_id, technician_id, count=4)
    events: list[str] = []
    outcome = captures.work_once(
        database,
        station_id,
        station_name="can-1",
        journal_path=tmp_path / "j.sqlite3",
        refusal_status=status_for,
        on_event=events.append,
    )
    assert outcome is not None and outcome.error is None and outcome.readings == 4
    stored = _stored(database, job_id)
    assert len(stored) == 4
    assert {(r.source, r.capture_request_id, r.user_id) for r in stored} == {
        ("station:can-1", request_id, technician_id)
    }
    assert all(r.idempotency_key.startswith(f"r{request_id}-") for r in stored)
    with database.session() as session:
        request = session.get(CaptureRequest, request_id)
        assert request is not None
        assert (request.state, request.readings_taken, request.error) == (CaptureState.DONE, 4, None)
        assert request.started_at is not None and request.finished_at is not None
    assert (
        captures.work_once(
            database,
            station_id,
            station_name="can-1",
            journal_path=tmp_path / "j.sqlite3",
            refusal_status=status_for,
        )
        is None
    )  # nothing left queued


@pytest.mark.parametrize("kind", KINDS)
def test_the_station_unit_is_enforced_and_faults_are_journaled(
    fresh_database: MakeDatabase, kind: str, tmp_path: Path
) -> None:
    """A station set to readings in g, on a balance that weighs in kg (I2 and SI both in kg): every weight is
    refused as implausible and kept in the journal with its bytes; no reading is stored, and the capture
    fails after 20 faults in a row naming the cause."""
    database = fresh_database(kind)
    job_id, _number, technician_id, _ = bench_job(database, "VER-NAWI-R76")
    with PtySimulator(MtSicsSimulator(unit="kg", load="0.10003")) as sim:
        with database.session() as session:
            row = bench_stations.save_station(
                session, bench_stations.StationInput("can-kg", "mt-sics", sim.path, unit="g")
            )
            session.commit()
            station_id = row.id
        _queue(database, job_id, station_id, technician_id, count=2)
        journal = tmp_path / "j.sqlite3"
        outcome = captures.work_once(
            database, station_id, station_name="can-kg", journal_path=journal, refusal_status=status_for
        )
    assert outcome is not None and outcome.readings == 0 and outcome.error
    assert "unit 'kg' is not the balance's unit 'g'" in outcome.error
    assert _stored(database, job_id) == []
    kept = Journal(journal)
    try:
        faults = kept.faults()
    finally:
        kept.close()
    assert faults and all(f.raw for f in faults) and {f.kind for f in faults} <= {"Implausible"}


@pytest.mark.parametrize("kind", KINDS)
def test_a_capture_from_a_missing_port_fails_with_its_reason(
    fresh_database: MakeDatabase, kind: str, tmp_path: Path
) -> None:
    database = fresh_database(kind)
    job_id, _number, technician_id, _ = bench_job(database, "VER-NAWI-R76")
    station_id = _station(database, str(tmp_path / "no-such-tty"))
    request_id = _queue(database, job_id, station_id, technician_id)
    outcome = captures.work_once(
        database,
        station_id,
        station_name="can-1",
        journal_path=tmp_path / "j.sqlite3",
        refusal_status=status_for,
    )
    assert outcome is not None and outcome.error and outcome.readings == 0
    with database.session() as session:
        request = session.get(CaptureRequest, request_id)
        assert request is not None and request.state == CaptureState.FAILED
        assert request.error and "no-such-tty" in request.error


@pytest.mark.parametrize("kind", KINDS)
def test_two_workers_never_claim_the_same_request(fresh_database: MakeDatabase, kind: str) -> None:
    database = fresh_database(kind)
    job_id, _number, technician_id, _ = bench_job(database, "VER-NAWI-R76")
    station_id = _station(database, "/dev/null")
    queued = [_queue(database, job_id, station_id, technician_id) for _ in range(12)]
    claims: dict[str, list[int]] = {f"w{i}": [] for i in range(4)}
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def worker(name: str) -> None:
        try:
            barrier.wait()
            while True:
                with database.session() as session:
                    row = bench_stations.claim_next(session, station_id, worker=name)
                    session.commit()
                if row is None:
                    return
                claims[name].append(row.id)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(name,)) for name in claims]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    taken = [i for ids in claims.values() for i in ids]
    assert sorted(taken) == queued  # every request once, none twice
    with database.session() as session:
        rows = session.scalars(select(CaptureRequest).where(CaptureRequest.id.in_(queued))).all()
        assert {r.state for r in rows} == {CaptureState.RUNNING}
        assert {r.id: r.claimed_by for r in rows} == {i: n for n, ids in claims.items() for i in ids}


@pytest.mark.parametrize("kind", KINDS)
def test_a_capture_is_queued_only_for_a_job_that_can_be_measured(
    fresh_database: MakeDatabase, kind: str
) -> None:
    database = fresh_database(kind)
    job_id, _number, technician_id, reviewer_id = bench_job(database, "VER-NAWI-R76")
    station_id = _station(database, "/dev/null")
    inactive_id = _station(database, "/dev/null", name="old")
    with database.session() as session:
        bench_stations.save_station(
            session, bench_stations.StationInput("old", "mt-sics", "/dev/null", is_active=False)
        )
        technician, reviewer = session.get(User, technician_id), session.get(User, reviewer_id)
        assert technician is not None and reviewer is not None
        with pytest.raises(bench_stations.StationError, match="active bench station"):
            bench_stations.request_capture(session, job_id, 0, inactive_id, user=technician)
        with pytest.raises(bench_stations.StationError, match="1 to 100"):
            bench_stations.request_capture(session, job_id, 0, station_id, user=technician, count=101)
        from lims.services.access.authorisations import AuthorisationRefused

        with pytest.raises(AuthorisationRefused):
            bench_stations.request_capture(session, job_id, 0, station_id, user=reviewer)
        from lims.errors import NotFound

        with pytest.raises(NotFound):
            bench_stations.request_capture(session, job_id, 99, station_id, user=technician)
        job = session.get(Job, job_id)
        assert job is not None
        jobs.transition_job(
            session,
            job_id,
            "on_hold",
            user=technician,
            comment="customer asked to wait",
            expected_version=job.version,
            now=datetime.now(UTC),
        )
        with pytest.raises(jobs.JobLocked):
            bench_stations.request_capture(session, job_id, 0, station_id, user=technician)
        with pytest.raises(bench_stations.StationError, match="unknown driver"):
            bench_stations.save_station(session, bench_stations.StationInput("x", "no-such", "/dev/null"))


def test_station_commands(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/lims.db"
    from lims.migrate import upgrade

    upgrade(url)
    runner = CliRunner()
    env = {"LIMS_DATABASE_URL": url}
    added = runner.invoke(
        cli,
        [
            "bench",
            "station-add",
            "--name",
            "can-1",
            "--driver",
            "mt-sics",
            "--port",
            "/dev/ttyUSB0",
            "--description",
            "Phòng khối lượng",
        ],
        env=env,
    )
    assert added.exit_code == 0 and "can-1: mt-sics on /dev/ttyUSB0" in added.stdout
    in_kg = runner.invoke(
        cli,
        ["bench", "station-add", "--name", "can-2", "--driver", "mt-sics", "--port", "/dev/ttyUSB1",
         "--unit", "kg"],
        env=env,
    )
    assert in_kg.exit_code == 0 and "can-2: mt-sics on /dev/ttyUSB1, readings in kg" in in_kg.stdout
    spaced = runner.invoke(
        cli,
        ["bench", "station-add", "--name", "can-3", "--driver", "mt-sics", "--port", "p", "--unit", "k g"],
        env=env,
    )
    assert spaced.exit_code == 2 and "the unit must be one word" in spaced.stderr
    listed = runner.invoke(cli, ["bench", "stations", "--json"], env=env)
    assert '"name": "can-1"' in listed.stdout and '"active": true' in listed.stdout
    bad = runner.invoke(
        cli, ["bench", "station-add", "--name", "x", "--driver", "nope", "--port", "p"], env=env
    )
    assert bad.exit_code == 2 and "unknown driver" in bad.stderr
    unknown = runner.invoke(cli, ["bench", "station", "--name", "nope"], env=env)
    assert unknown.exit_code == 2 and "no bench station named 'nope'" in unknown.stderr


def test_sink_refusal_names_the_status(fresh_database: MakeDatabase) -> None:
    database = fresh_database("sqlite")
    _job_id, number, technician_id, _ = bench_job(database, "VER-NAWI-R76")
    sink = DatabaseSink(database.session, ReadingActor(technician_id), refusal_status=status_for)
    entry = JournalEntry("k-00000001", number, "P99", {"value": "1.0"})
    with pytest.raises(SinkRefused) as caught:
        sink.deliver(number, "P99", [entry])
    assert caught.value.status == 404


def test_a_restarted_worker_fails_the_requests_its_host_left_running(fresh_database: MakeDatabase) -> None:
    import socket

    database = fresh_database("sqlite")
    job_id, _number, technician_id, _ = bench_job(database, "VER-NAWI-R76")
    station_id = _station(database, "/dev/null")
    mine, other = (_queue(database, job_id, station_id, technician_id) for _ in range(2))
    with database.session() as session:
        bench_stations.claim_next(session, station_id, worker=f"{socket.gethostname()}:1")
        bench_stations.claim_next(session, station_id, worker="another-pc:7")
        assert bench_stations.abandon_running(session, station_id, host=socket.gethostname()) == 1
        session.commit()
        states = {r.id: (r.state, r.error) for r in session.scalars(select(CaptureRequest))}
    assert states[mine][0] == CaptureState.FAILED and "stopped" in (states[mine][1] or "")
    assert states[other] == (CaptureState.RUNNING, None)

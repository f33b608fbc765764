"""Rooms and their logged conditions (issue 18 item 4), on SQLite and PostgreSQL.

* a room logged through a simulated database outage has no gap in the stored series after recovery;
* a point takes the room's logged conditions over its measurement interval (the technician's entry only as a
  marked fallback);
* a point measured while the room was out of the procedure's limits cannot be approved without a reviewer's
  justification.
"""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from instruments.agent.capture import Deliverer
from instruments.agent.journal import Journal
from instruments.agent.room_log import RoomLog
from instruments.drivers.base import Backoff
from instruments.errors import InstrumentTimeout
from instruments.reading import InstrumentIdentity, Reading
from instruments.simulators.pty import PtySimulator
from instruments.simulators.vaisala_hmt import VaisalaSimulator
from lims.db import Database
from lims.models import JobState
from lims.services.bench import measurements, room_logs, rooms
from lims.services.bench import stations as bench_stations
from lims.services.bench.measurements import PointInput
from lims.services.certificates import signatures
from tests.services import benchdb, jobsetup
from tests.services.benchdb import MakeDatabase

fresh_database = benchdb.fresh_database

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
HMT = InstrumentIdentity("Vaisala", "HMT330", "K1234567", "5.16")


class Logger:
    """A T/RH logger whose samples carry the (fake) clock's time; it can time out once."""

    def __init__(self, clock: list[float], start: datetime, *, temperature: str = "23.1") -> None:
        self.clock, self.start, self.temperature = clock, start, temperature
        self.seq = 0
        self.timeout_at: set[int] = set()
        self.calls = 0

    def read_all(self) -> list[Reading]:
        self.calls += 1
        if self.calls in self.timeout_at:
            raise InstrumentTimeout("SEND", timeout_s=2.0, raw=b"RH= 45.")
        at = self.start + timedelta(seconds=self.clock[0])
        frame = f"RH= 45.2 %RH T= {self.temperature} 'C\r\n".encode()
        self.seq += 2
        return [
            Reading("45.2", "%RH", None, HMT, self.seq - 1, at, frame),
            Reading(self.temperature, "C", None, HMT, self.seq, at, frame),
        ]


def test_room_logged_through_an_outage_has_no_gap(database: Database) -> None:
    with database.session() as session:
        rooms.save_room(
            session, rooms.RoomInput("P-DIEN", "Phòng điện", "18", "28", "", "80", log_period_s=60)
        )
        session.commit()
    clock = [0.0]
    down = {"now": False}

    def factory() -> Session:
        if down["now"]:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))
        return database.session()

    journal = Journal(":memory:")
    deliverer = Deliverer(
        journal,
        rooms.RoomSink(factory),
        retry=Backoff(initial_s=30, factor=2, max_s=300),
        monotonic=lambda: clock[0],
    )
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    logger = Logger(clock, start)
    logger.timeout_at = {5}  # one timed-out SEND: a journaled fault, the schedule goes on

    backlog: list[int] = []

    def notify() -> None:
        down["now"] = 600 <= clock[0] < 1500  # the database is unreachable for 15 minutes
        if deliverer.due():
            deliverer.flush()
        backlog.append(journal.counts()["pending"])

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    log = RoomLog(
        journal,
        rooms.journal_name("P-DIEN"),
        run_id="t1",
        notify=notify,
        monotonic=lambda: clock[0],
        sleep=sleep,
    )
    assert log.run(logger, period_s=60, samples=40) == 40
    # the outage's samples waited in the journal (15 minutes: 15 samples of two values at least) …
    assert max(backlog) >= 30 and backlog[-1] < max(backlog)
    assert [f.kind for f in journal.faults()] == ["InstrumentTimeout"]
    down["now"] = False
    assert deliverer.finish(timeout_s=900, sleep=sleep)
    assert journal.counts() == {"pending": 0, "sent": 80, "rejected": 0}
    with database.session() as session:
        room = rooms.room_by_code(session, "P-DIEN")
        stored = rooms.series(session, room.id, start, start + timedelta(days=1))
    temperatures = [row for row in stored if row.quantity == "temperature"]
    humidities = [row for row in stored if row.quantity == "humidity"]
    assert len(temperatures) == len(humidities) == 40
    # 41 ticks were due in 40 minutes of schedule (one timed out): every stored step is one period, except
    # the one across the timed-out tick (two periods); none is missing or doubled
    steps = [(b.measured_at - a.measured_at).total_seconds() for a, b in itertools.pairwise(temperatures)]
    assert sorted(set(steps)) == [60.0, 120.0] and steps.count(120.0) == 1
    assert {(r.value, r.unit) for r in temperatures} == {("23.1", "°C")}
    assert {(r.value, r.unit) for r in humidities} == {("45.2", "%rh")}
    assert (
        temperatures[0].raw == "RH= 45.2 %RH T= 23.1 'C\r\n"
        and temperatures[0].logger == "Vaisala HMT330 K1234567"
    )
    # the server resent nothing twice: delivering the same journal again gives duplicates only
    with database.session() as session:
        again = rooms.record_conditions(
            session,
            "P-DIEN",
            [
                {
                    "idempotency_key": "t1-00000001",
                    **Reading("45.2", "%RH", None, HMT, 1, start, b"x").to_json_dict(),
                }
            ],
        )
    assert again["accepted"] == [] and again["duplicates"] == ["t1-00000001"]


def _logged(session: Session, room_id: int, at: datetime, temperature: str, humidity: str, key: str) -> None:
    who = InstrumentIdentity("Vaisala", "HMT330", "K1")
    rooms.record_conditions(
        session,
        rooms.room_by_code(session, "P-DIEN").code,
        [
            {
                "idempotency_key": f"{key}-t",
                **Reading(temperature, "C", None, who, 1, at, b"f").to_json_dict(),
            },
            {
                "idempotency_key": f"{key}-h",
                **Reading(humidity, "%RH", None, who, 2, at, b"f").to_json_dict(),
            },
        ],
        now=at,
    )


def test_point_conditions_come_from_the_log_and_out_of_limits_needs_a_justification(session: Session) -> None:
    setup = jobsetup.build(session)
    job = jobsetup.started_job(session, setup, "CAL-DMM-DCV", points=[2, 10])
    room = rooms.save_room(
        session, rooms.RoomInput("P-DIEN", "Phòng điện", "18", "28", "", "80", log_period_s=60)
    )
    rooms.set_job_room(session, job.id, room.id)
    # logged every minute: 08:40 … 09:00; the point saved at 09:00 was measured 08:45 … 09:00 (typed readings:
    # MANUAL_WINDOW 15 min). The sample at 08:44 is in force when the interval starts (one period back).
    for minute in range(40, 61):
        at = NOW - timedelta(minutes=60 - minute)
        temperature = "28.6" if minute == 52 else f"{23 + (minute % 3) / 10:.1f}"  # one sample above 28 °C
        _logged(session, room.id, at, temperature, "48.0", f"k{minute}")
    # point 1 typed by the technician at 08:30 with no log around it: the technician's entry, marked manual
    first = jobsetup.save_point(
        session,
        job,
        PointInput(0, ["2.001"] * 5, "2", {"temperature": "23", "humidity": "45"}),
        setup.technician,
        now=NOW - timedelta(minutes=30),
    )
    assert first.environment == {"temperature": ["23"], "humidity": ["45"]}
    assert first.environment_record is not None
    assert first.environment_record["sources"] == {"temperature": "manual", "humidity": "manual"}
    assert first.environment_record["samples"] == 0
    # point 2 at 09:00: the log, 08:44 … 09:00 = 17 samples, whatever the technician typed
    second = jobsetup.save_point(
        session, job, PointInput(1, ["10.002"] * 5, "10", {"temperature": "22"}), setup.technician, now=NOW
    )
    assert second.environment_record is not None
    assert second.environment_record["sources"] == {"temperature": "logger", "humidity": "logger"}
    assert second.environment_record["samples"] == 2 * 17 and second.environment_record["room"] == "P-DIEN"
    assert len(second.environment["temperature"]) == 17 and "22" not in second.environment["temperature"]
    assert max(Decimal(v) for v in second.environment["temperature"]) == Decimal("28.6")
    assert second.point is not None
    # 28.6 > 28 and a spread 28.6 − 23.0 = 5.6 > 1 °C (CAL-DMM-DCV: 18 … 28 °C, variation ≤ 1 °C)
    assert second.point.deviations == (
        "temperature 28.6 °C is above the maximum 28 °C",
        "temperature varied by 5.6 °C during the measurement; the procedure allows at most 1 °C",
    )
    assert measurements.flags(session, job)["environment"] == list(second.point.deviations)
    jobsetup.move(session, job, "measured", setup.technician, now=NOW)
    with pytest.raises(rooms.RoomError, match="only be chosen while the job is being measured"):
        rooms.set_job_room(session, job.id, None)  # the measured points keep the room they were logged in
    with pytest.raises(rooms.RoomError, match="Only a reviewer or a signatory"):
        rooms.justify(
            session, job.id, "The calibrator was within its own specification.", user=setup.technician
        )
    jobsetup.move(session, job, "reviewed", setup.reviewer, now=NOW)
    with pytest.raises(rooms.JustificationRequired, match="record a justification"):
        jobsetup.sign(session, job, setup.signatory, meaning="Approval", now=NOW)
    assert job.state == JobState.REVIEWED and signatures.signatures(session, job.id) == []
    with pytest.raises(rooms.RoomError, match="at least 10"):
        rooms.justify(session, job.id, "ok", user=setup.reviewer)
    rooms.justify(
        session,
        job.id,
        "Door opened for 2 min at 08:52; the 5520A's coefficient covers 28.6 °C "
        "(2 µV/V/K) and is in the budget.",
        user=setup.reviewer,
        now=NOW,
    )
    signature = jobsetup.sign(session, job, setup.signatory, meaning="Approval", now=NOW)
    assert job.state == JobState.APPROVED
    assert signature.content_sha256 == signatures.content_digest(session, job)


def test_room_input_is_checked(session: Session) -> None:
    with pytest.raises(rooms.RoomError, match="minimum temperature is above"):
        rooms.save_room(session, rooms.RoomInput("A", "Room A", "25", "20"))
    with pytest.raises(rooms.RoomError, match="not a number"):
        rooms.save_room(session, rooms.RoomInput("A", "Room A", "2x"))
    with pytest.raises(rooms.RoomError, match="between 0 and 100"):
        rooms.save_room(session, rooms.RoomInput("A", "Room A", humidity_max="120"))
    with pytest.raises(rooms.RoomError, match="logging period"):
        rooms.save_room(session, rooms.RoomInput("A", "Room A", log_period_s=1))
    rooms.save_room(session, rooms.RoomInput("A", "Room A"))
    with pytest.raises(rooms.RoomError, match="already exists"):
        rooms.save_room(session, rooms.RoomInput("A", "Room B"))
    assert [r.code for r in rooms.rooms(session)] == ["A"]


def test_a_room_is_logged_from_its_station_vaisala_on_a_pty(
    fresh_database: MakeDatabase, tmp_path: Path
) -> None:
    """``lims bench room-log``'s worker with the Vaisala simulator on a real pseudo-terminal: three samples,
    journal first, both quantities stored with their raw SEND line (SQLite file: the sender thread has its own
    connection)."""
    database = fresh_database("sqlite")
    sim = PtySimulator(VaisalaSimulator(seed=3, temperature_c="22.0", humidity_rh="51.0"))
    sim.start()
    try:
        with database.session() as session:
            station = bench_stations.save_station(
                session, bench_stations.StationInput("th-1", "vaisala-hmt", sim.path)
            )
            rooms.save_room(
                session,
                rooms.RoomInput(
                    "P-NHIET", "Phòng nhiệt", "18", "28", "", "80", station_id=station.id, log_period_s=30
                ),
            )
            session.commit()
        events: list[str] = []
        taken = room_logs.run_room_logger(
            database,
            "P-NHIET",
            journal_path=tmp_path / "j.sqlite3",
            stop=threading.Event(),
            samples=3,
            on_event=events.append,
            sleep=lambda seconds: None,
        )
    finally:
        sim.stop()
    assert taken == 3, events
    with database.session() as session:
        room = rooms.room_by_code(session, "P-NHIET")
        stored = rooms.series(session, room.id, datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC))
    assert sorted(r.quantity for r in stored) == ["humidity"] * 3 + ["temperature"] * 3
    for row in stored:  # the simulator's noise is ±0.1
        low, high = (
            (Decimal("21.9"), Decimal("22.1"))
            if row.quantity == "temperature"
            else (Decimal("50.9"), Decimal("51.1"))
        )
        assert (
            low <= Decimal(row.value) <= high
            and row.raw.startswith("RH=")
            and row.logger.startswith("Vaisala")
        )
    with pytest.raises(rooms.RoomError, match="no logger station"):
        with database.session() as session:
            rooms.save_room(session, rooms.RoomInput("P-X", "Phòng X"))
            session.commit()
        room_logs.run_room_logger(
            database, "P-X", journal_path=tmp_path / "j.sqlite3", stop=threading.Event()
        )


def test_the_certificate_prints_the_logged_conditions(session: Session) -> None:
    """7.8.4.1 b: the certificate states the conditions recorded with the points; a logged room's range
    (23.0 … 23.6 °C, 47 … 49 %rh here), not what the technician typed (20 °C, ignored for logged quantities)."""
    from certificates.data import Signatory, Text
    from lims.services.certificates.data import IssueExtras, build_certificate_data
    from tests.services import certsetup

    setup = certsetup.lab(session)
    job = jobsetup.started_job(session, setup, "CAL-DMM-DCV")
    room = rooms.save_room(session, rooms.RoomInput("P-DIEN", "Phòng điện", "18", "28", "", "80"))
    rooms.set_job_room(session, job.id, room.id)
    measured = certsetup.MEASURED_AT
    for minute in range(0, 20):  # 08:40 … 08:59, every minute
        at = measured - timedelta(minutes=20 - minute)
        _logged(session, room.id, at, f"{23 + (minute % 7) / 10:.1f}", f"{47 + minute % 3}.0", f"c{minute}")
    for index, nominal in enumerate(measurements.test_points(job)):
        jobsetup.save_point(
            session,
            job,
            PointInput(index, [f"{nominal:.6g}"] * 5, f"{nominal:.6g}", {"temperature": "20"}),
            setup.technician,
            now=measured,
        )
    assert measurements.flags(session, job)["environment"] == []
    jobsetup.measure_and_review(session, setup, job, now=measured)
    jobsetup.sign(session, job, setup.signatory, meaning="Phê duyệt", now=measured)
    extras = IssueExtras(
        "HC-2025-09998",
        certsetup.ISSUED_AT.date(),
        Signatory("Nguyễn Thị Thu Hằng", Text("Phó Giám đốc", "Deputy Director"), certsetup.ISSUED_AT),
    )
    environment = build_certificate_data(session, job, extras, certsetup.SETTINGS).environment
    # samples 08:44 … 08:59 (15-minute window from 08:45, one period back): minutes 4 … 19, temperatures
    # 23 + (m mod 7)/10 → 23.0 … 23.6, humidities 47 + (m mod 3) → 47 … 49
    assert (environment.temperature_min_c, environment.temperature_max_c) == (23.0, 23.6)
    assert (environment.relative_humidity_min_pct, environment.relative_humidity_max_pct) == (47.0, 49.0)


def test_a_stored_series_is_stored_once(session: Session) -> None:
    """A logger's series stored in bulk (the demo's): keys are room, quantity and time, so the same series
    stored again adds nothing, and a quantity that is not logged for rooms is left out."""
    room = rooms.save_room(
        session, rooms.RoomInput("P-AP", "Phòng áp suất", "18", "28", "", "80", log_period_s=300)
    )
    at = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    samples = [
        rooms.LoggedSample(q, v, at + timedelta(minutes=5 * k), "RH= 50.0 %RH T= 23.0 'C")
        for k in range(3)
        for q, v in (("temperature", "23.0"), ("humidity", "50.0"))
    ]
    assert rooms.store_series(session, room, samples, logger="Vaisala HMT330 K1") == 6
    rooms.store_series(session, room, [*samples, rooms.LoggedSample("pressure", "1013", at)], logger="x")
    stored = rooms.series(session, room.id, at, at + timedelta(hours=1))
    assert [(r.quantity, r.value, r.unit) for r in stored[:2]] == [
        ("temperature", "23.0", "°C"),
        ("humidity", "50.0", "%rh"),
    ]
    assert len(stored) == 6 and {r.logger for r in stored} == {"Vaisala HMT330 K1"}

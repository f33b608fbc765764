"""Automated points (issue 18 item 3) against the 5520A and PACE simulators on real pseudo-terminals.

Every run checks the safety rule: whatever ends the sequence (finish, abort, pause, fault, timeout, crash),
the calibrator is in standby or the controller vented, and the journal says so.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest

from instruments.agent.journal import Journal
from instruments.drivers.druck_pace import DruckPace
from instruments.drivers.fluke_5520a import Fluke5520A
from instruments.reading import InstrumentIdentity, Reading, utc_now
from instruments.sequence import (
    CalibratorSource,
    Command,
    PressureSource,
    SequenceError,
    SequenceRunner,
    Stability,
    Visit,
    recover,
)
from instruments.simulators.faults import Faults
from instruments.simulators.instruments import CalibratorSimulator, PaceSimulator

HANDHELD = InstrumentIdentity("Fluke", "179", "", "")


def fast(driver: type) -> object:
    return driver.default_framing.with_timeout(0.5)  # type: ignore[attr-defined]


def typed(values: dict[int, list[str]], unit: str = "V"):  # type: ignore[no-untyped-def]
    """The technician's entries per point (the unit under test has no interface)."""
    seq = iter(range(1, 1000))

    def entry(index: int) -> list[Reading] | None:
        if index not in values:
            return None
        return [
            Reading(v, unit, None, HANDHELD, next(seq), utc_now(), f"typed {v}".encode())
            for v in values[index]
        ]

    return entry


def in_standby(sim_cal: CalibratorSimulator, timeout_s: float = 3.0) -> bool:
    """``STBY`` is sent without waiting for a reply: give the simulator's thread the time to take it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not sim_cal.operating and sim_cal.history and sim_cal.history[-1] == "STBY":
            return True
        time.sleep(0.005)
    return False


def kinds(journal: Journal, run: str) -> list[str]:
    return [e.kind for e in journal.events(run)]


def test_dc_voltage_points_run_automatically_and_end_in_standby(start_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sim_cal = CalibratorSimulator()
    sim = start_sim(sim_cal)
    journal = Journal(tmp_path / "j.sqlite3")
    progress = []
    with Fluke5520A.open(sim.path, framing=fast(Fluke5520A)) as cal:
        runner = SequenceRunner(
            journal,
            CalibratorSource(cal),
            job_number="HN-2026-0001",
            run_id="s1",
            stability=Stability(window=3, timeout_s=5, poll_s=0),
            readings_per_point=2,
            entry=typed({0: ["1.001", "1.002"], 1: ["5.003", "5.002"], 2: ["10.004", "10.004"]}),
            on_progress=progress.append,
        )
        means = runner.run([Decimal("1"), Decimal("5"), Decimal("10")])
        assert not cal.is_operating()
    # OUT? reads back the set value exactly (the calibrator is the reference of the DC voltage points)
    assert means == [Decimal("1"), Decimal("5"), Decimal("10")]
    assert kinds(journal, "s1") == ["started"] + [
        "set",
        "stable",
        "reference",
        "reference",
        "waiting_entry",
        "done",
    ] * 3 + ["safe", "finished"]
    assert [(e.job_number, e.point_id, e.payload["value"]) for e in journal.pending()] == [
        ("HN-2026-0001", "P1", "1.001"),
        ("HN-2026-0001", "P1", "1.002"),
        ("HN-2026-0001", "P2", "5.003"),
        ("HN-2026-0001", "P2", "5.002"),
        ("HN-2026-0001", "P3", "10.004"),
        ("HN-2026-0001", "P3", "10.004"),
    ]
    assert in_standby(sim_cal)
    assert [h for h in sim_cal.history if h.startswith("OUT")] == ["OUT 1 V", "OUT 5 V", "OUT 10 V"]
    assert progress[-1].step == "finished"


def test_an_abort_leaves_the_calibrator_in_standby(start_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sim_cal = CalibratorSimulator()
    sim = start_sim(sim_cal)
    journal = Journal(tmp_path / "j.sqlite3")
    asked = {"n": 0}

    def control() -> Command:  # the technician presses Abort while point 2 waits for the entry
        asked["n"] += 1
        return (
            Command.ABORT
            if sim_cal.value == Decimal(5) and sim_cal.operating and asked["n"] > 12
            else Command.RUN
        )

    with Fluke5520A.open(sim.path, framing=fast(Fluke5520A)) as cal:
        runner = SequenceRunner(
            journal,
            CalibratorSource(cal),
            job_number="HN-2026-0001",
            run_id="s2",
            stability=Stability(window=2, timeout_s=5, poll_s=0),
            readings_per_point=1,
            entry=typed({0: ["1.001"]}),
            control=control,
            sleep=lambda s: None,
        )
        with pytest.raises(SequenceError, match="aborted by the technician"):
            runner.run([Decimal("1"), Decimal("5"), Decimal("10")])
        assert not cal.is_operating()
    assert in_standby(sim_cal)
    events = journal.events("s2")
    assert [e.kind for e in events][-2:] == ["safe", "aborted"]
    assert events[-2].point_index == 1 and events[-2].detail == {
        "reason": "aborted by the technician",
        "action": "STBY",
    }
    assert "OUT 10 V" not in sim_cal.history


def test_a_tripped_output_stops_the_sequence_safely(start_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sim_cal = CalibratorSimulator()
    sim_cal.trip_at = {Decimal(5)}
    sim = start_sim(sim_cal)
    journal = Journal(tmp_path / "j.sqlite3")
    with Fluke5520A.open(sim.path, framing=fast(Fluke5520A)) as cal:
        runner = SequenceRunner(
            journal,
            CalibratorSource(cal),
            job_number="HN-2026-0001",
            run_id="s3",
            stability=Stability(window=2, timeout_s=5, poll_s=0),
            readings_per_point=1,
            entry=typed({0: ["1.001"], 1: ["5.0"]}),
        )
        with pytest.raises(SequenceError, match=r"point 2: .*1305"):
            runner.run([Decimal("1"), Decimal("5")])
    assert in_standby(sim_cal)
    assert kinds(journal, "s3")[-2:] == ["safe", "aborted"]


def test_pressure_points_settle_then_read_and_the_controller_vents(start_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """τ = 4 s on a simulated clock, read every 1 s: stable when 5 readings span ≤ 0.02 mbar with
    |slope| ≤ 0.01 mbar/s. From 1013.25 mbar to 2000 mbar the remaining error 986.75·e^(−t/4) falls below
    0.005 mbar after t = 4·ln(986.75/0.005) ≈ 48.7 s, so a point settles in about 50 s of simulated time."""
    clock = [0.0]
    sim_pace = PaceSimulator(settle_tau_s=4.0, clock=lambda: clock[0])
    sim = start_sim(sim_pace)
    journal = Journal(tmp_path / "j.sqlite3")

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    with DruckPace.open(sim.path, framing=fast(DruckPace)) as pace:
        runner = SequenceRunner(
            journal,
            PressureSource(pace),
            job_number="HN-2026-0002",
            run_id="p1",
            stability=Stability(window=5, max_slope_per_s=0.01, max_spread=0.02, timeout_s=120, poll_s=1.0),
            readings_per_point=2,
            entry=typed({0: ["2.0", "2.0"]}, "bar"),
            monotonic=lambda: clock[0],
            sleep=sleep,
        )
        means = runner.run([Decimal("2000")])
        assert pace.is_vented()
    stable = next(e for e in journal.events("p1") if e.kind == "stable")
    assert 45 <= float(stable.detail["after_s"]) <= 60
    assert abs(means[0] - Decimal("2000")) <= Decimal("0.01")
    assert sim_pace.vented and not sim_pace.controlling
    assert sim_pace.history[-2:] == ["OUTP:STAT OFF", "SOUR:PRES:LEV:IMM:AMPL:VENT 1"]


def test_a_pressure_that_never_settles_times_out_and_vents(start_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    clock = [0.0]
    sim_pace = PaceSimulator(settle_tau_s=1000.0, clock=lambda: clock[0])  # a leak: far too slow
    sim = start_sim(sim_pace, Faults(seed=2, schedule={9: "drop"}))  # and one reply dropped on the way
    journal = Journal(tmp_path / "j.sqlite3")
    with DruckPace.open(sim.path, framing=fast(DruckPace)) as pace:
        runner = SequenceRunner(
            journal,
            PressureSource(pace),
            job_number="HN-2026-0002",
            run_id="p2",
            stability=Stability(window=5, max_slope_per_s=0.01, max_spread=0.02, timeout_s=30, poll_s=1.0),
            readings_per_point=1,
            entry=typed({}),
            monotonic=lambda: clock[0],
            sleep=lambda s: clock.__setitem__(0, clock[0] + s),
        )
        with pytest.raises(SequenceError):
            runner.run([Decimal("2000")])
        assert pace.is_vented()  # a query: the vent sent before it has been taken
    assert sim_pace.vented and not sim_pace.controlling
    assert kinds(journal, "p2")[-2:] == ["safe", "aborted"]


def test_pause_makes_safe_and_resume_sets_the_point_again(start_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sim_cal = CalibratorSimulator()
    sim = start_sim(sim_cal)
    journal = Journal(tmp_path / "j.sqlite3")
    script = iter([Command.RUN] * 3 + [Command.PAUSE] * 3)

    def control() -> Command:
        return next(script, Command.RUN)

    with Fluke5520A.open(sim.path, framing=fast(Fluke5520A)) as cal:
        runner = SequenceRunner(
            journal,
            CalibratorSource(cal),
            job_number="HN-2026-0001",
            run_id="s4",
            stability=Stability(window=2, timeout_s=5, poll_s=0),
            readings_per_point=1,
            entry=typed({0: ["1.0"]}),
            control=control,
            sleep=lambda s: None,
        )
        runner.run([Decimal("1")])
    steps = kinds(journal, "s4")
    assert steps[steps.index("paused") - 1] == "safe" and "resumed" in steps
    assert sim_cal.history.count("OUT 1 V") == 2 and in_standby(sim_cal)


def test_a_crashed_run_is_made_safe_and_resumed_from_the_journal(start_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sim_cal = CalibratorSimulator()
    sim = start_sim(sim_cal)
    path = tmp_path / "j.sqlite3"
    with Fluke5520A.open(sim.path, framing=fast(Fluke5520A)) as cal:
        journal = Journal(path)
        runner = SequenceRunner(
            journal,
            CalibratorSource(cal),
            job_number="HN-2026-0001",
            run_id="s5",
            stability=Stability(window=2, timeout_s=5, poll_s=0),
            readings_per_point=1,
            entry=typed({0: ["1.0"]}),
        )
        # the station dies while point 2 is energised: its journal holds no 'finished'/'aborted'
        runner._event("started", 0)
        runner._attempt(0, Visit(0, Decimal("1"), 1))
        cal.set_output(Decimal("5"), "V")
        cal.operate()
        runner._event("set", 1, value="5")
        journal.close()
        assert sim_cal.operating
        journal = Journal(path)  # the station starts again
        assert journal.open_runs() == ["s5"]
        resume = recover(journal, "s5", CalibratorSource(cal))
        assert resume == 1 and in_standby(sim_cal)
        assert [(e.kind, e.detail) for e in journal.events("s5")[-2:]] == [
            ("safe", {"reason": "recovered after the station stopped", "action": "STBY"}),
            ("aborted", {"reason": "the station stopped", "resume_at": "1"}),
        ]
        assert journal.open_runs() == []
        runner = SequenceRunner(
            journal,
            CalibratorSource(cal),
            job_number="HN-2026-0001",
            run_id="s5",
            stability=Stability(window=2, timeout_s=5, poll_s=0),
            readings_per_point=1,
            entry=typed({1: ["5.0"]}),
        )
        runner.run([Decimal("1"), Decimal("5")], start_at=resume)
    assert journal.open_runs() == [] and recover(journal, "s5", CalibratorSource(cal)) is None
    assert in_standby(sim_cal)

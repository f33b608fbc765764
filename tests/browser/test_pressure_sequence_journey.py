"""The technician runs a pressure job's points automatically (CAL-PG-DKD 2.0, DKD-R 6-1): a simulated
PACE-class controller and a digital pressure indicator on pseudo-terminals, a bench station worker on the live
server's database. First run: the indicator is chosen as the reader of the gauge under test on the bench page,
so the whole sequence (preload, M1 ↑, M2 ↓) runs without a prompt and ends vented. Second run: no interface,
the page asks for the dial's indication at each point and series; Abort leaves the controller vented, and the
journal says so.

The worker's clock is simulated (the stability criterion's 10 readings 1 s apart pass at once) so that the
journey takes seconds, not minutes."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from instruments.agent.journal import Journal
from instruments.simulators.instruments import PaceSimulator
from instruments.simulators.pty import PtySimulator
from lims.db import Database
from lims.models import Job, JobState, Procedure, SequenceRun, User
from lims.services.bench import readings as bench_readings
from lims.services.bench import stations as bench_stations
from lims.services.bench.worker import run_station
from lims.services.records.database import open_database
from lims.web.status import status_for
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


class FastClock:
    """Simulated seconds: a sleep moves the clock on at once (and yields the processor a moment)."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        time.sleep(min(seconds, 0.005))


@pytest.fixture
def station_database(live_server: str, live_database_url: str) -> Iterator[Database]:
    database = open_database(live_database_url)
    yield database
    database.engine.dispose()


def _pressure_job(database: Database) -> tuple[int, str]:
    with database.session() as session:
        job = session.scalars(
            select(Job)
            .join(Procedure, Job.procedure_id == Procedure.id)
            .where(Procedure.code == "CAL-PG-DKD", Job.state == JobState.IN_PROGRESS)
            .order_by(Job.id)
        ).first()
        assert job is not None and job.technician_id is not None
        user = session.get(User, job.technician_id)
        assert user is not None
        return job.id, user.username


def _wait_text(page: Any, text: str) -> None:
    page.wait_for_function(
        "t => (document.querySelector('#sequence [data-sequence-status]')?.textContent || '').includes(t)",
        arg=text,
        timeout=30_000,
    )


def _start(page: Any) -> None:
    """Start: the page sends the form and reloads to show the running sequence."""
    with page.expect_navigation():
        page.locator("#sequence button:has-text('Bắt đầu chuỗi đo')").click()


def test_a_pressure_sequence_reads_the_indicator_then_an_abort_leaves_the_controller_vented(
    page: Any, live_server: str, station_database: Database, tmp_path: Path
) -> None:
    job_id, username = _pressure_job(station_database)
    clock = FastClock()
    controller = PaceSimulator(unit="BAR", atmosphere=Decimal(0), settle_tau_s=0.5, clock=clock.monotonic)
    indicator = PaceSimulator(
        idn="GE Druck,DPI 620,1234567,1.00",
        unit="BAR",
        atmosphere=Decimal(0),
        follow=lambda: controller.measured() + Decimal("0.03"),
    )
    sims = [PtySimulator(controller), PtySimulator(indicator)]
    for sim in sims:
        sim.start()
    with station_database.session() as session:
        bench_stations.save_station(
            session,
            bench_stations.StationInput(
                "pace-demo", "druck-pace", sims[0].path, "Phòng áp suất – bộ điều khiển"
            ),
        )
        bench_stations.save_station(
            session,
            bench_stations.StationInput(
                "dpi-demo", "druck-pace", sims[1].path, "Phòng áp suất – áp kế hiện số"
            ),
        )
        session.commit()
    journal_path = tmp_path / "journal.sqlite3"
    stop = threading.Event()
    worker = threading.Thread(
        target=run_station,
        args=(station_database, "pace-demo"),
        daemon=True,
        kwargs={
            "journal_path": journal_path,
            "refusal_status": status_for,
            "stop": stop,
            "poll_s": 0.2,
            "monotonic": clock.monotonic,
            "sleep": clock.sleep,
        },
    )
    worker.start()
    try:
        log_in(page, live_server, username)
        page.goto(f"{live_server}/jobs/{job_id}/bench")
        section = page.locator("#sequence")
        assert "xả về khí quyển" in section.locator(".hint").inner_text()
        section.locator("select[name='station_id']").select_option(
            label="pace-demo – Phòng áp suất – bộ điều khiển"
        )
        section.locator("select[name='uut_station_id']").select_option(
            label="dpi-demo – Phòng áp suất – áp kế hiện số"
        )
        _start(page)
        _wait_text(page, "đã hoàn thành: bộ điều khiển áp suất đã xả về khí quyển")
        assert controller.vented and not controller.controlling
        assert [h for h in controller.history if h.startswith("SOUR:PRES ")] == [
            f"SOUR:PRES {p}" for p in (16, 0, 0, 4, 8, 12, 16, 16, 12, 8, 4, 0)
        ]
        with station_database.session() as session:
            for index, nominal in enumerate((0, 4, 8, 12, 16)):  # M1 ↑ then M2 ↓, read by the indicator
                stored = bench_readings.readings_for(session, job_id, index)
                assert [r.value for r in stored][-2:] == [f"{nominal + Decimal('0.03'):.4f}"] * 2

        # the same job with a dial gauge's indications typed: one field per point and series
        page.reload()
        section.locator("select[name='station_id']").select_option(
            label="pace-demo – Phòng áp suất – bộ điều khiển"
        )
        _start(page)
        entry = page.locator("#sequence [data-sequence-entry]")
        entry.wait_for(state="visible", timeout=30_000)
        assert "Điểm 1/5 (0), loạt đo M1 ↑" in page.locator("#sequence [data-sequence-status]").inner_text()
        assert "loạt đo M1 ↑" in entry.locator("legend").inner_text()
        assert entry.locator("input[name^='indication_']").count() == 1
        entry.locator("input[name='indication_1']").fill("0,1")
        entry.locator("input[name='indication_1']").press("Enter")
        _wait_text(page, "Điểm 2/5 (4), loạt đo M1 ↑")
        _wait_text(page, "đang chờ số chỉ")
        assert controller.controlling and controller.setpoint == 4
        page.locator("#sequence button[data-abort]").click()
        _wait_text(page, "đã hủy: bộ điều khiển áp suất đã xả về khí quyển")
        assert controller.vented and not controller.controlling
        assert page.locator("#sequence [data-sequence-entry]").is_hidden()
    except Exception:  # what the station did, for the failure report
        with station_database.session() as session:
            for r in session.scalars(select(SequenceRun).where(SequenceRun.job_id == job_id)):
                print("sequence", r.id, r.state, r.step, r.point_index, r.visit_index, r.error)
        raise
    finally:
        stop.set()
        worker.join(timeout=30)
        for sim in sims:
            sim.stop()
    with sqlite3.connect(journal_path) as db:
        last_run = db.execute(
            "SELECT run_id FROM journal_sequence_event ORDER BY id DESC LIMIT 1"
        ).fetchone()[0]
    events = Journal(journal_path).events(last_run)
    safe = [e for e in events if e.kind == "safe"]
    assert [e.kind for e in events][-2:] == ["safe", "aborted"]
    assert safe[-1].detail["action"] == ":OUTP:STAT OFF; :SOUR:PRES:LEV:IMM:AMPL:VENT 1"
    assert "aborted by the technician" in safe[-1].detail["reason"]
    with station_database.session() as session:
        assert [r.value for r in bench_readings.readings_for(session, job_id, 0)][-1] == "0.1"

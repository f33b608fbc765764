"""The technician runs a DC voltage job's points automatically: a simulated 5520A calibrator on a
pseudo-terminal, a bench station worker on the live server's database, the bench page's "Start the sequence",
the indications of the handheld multimeter (no interface) typed at each point, then Abort: the calibrator is
left in standby and the page says so."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from instruments.simulators.instruments import CalibratorSimulator
from instruments.simulators.pty import PtySimulator
from lims.db import Database
from lims.models import Job, JobState, Procedure, User
from lims.services.bench import readings as bench_readings
from lims.services.bench import stations as bench_stations
from lims.services.bench.worker import run_station
from lims.services.records.database import open_database
from lims.web.status import status_for
from tests.browser.conftest import log_in
from tests.instruments.test_sequence import in_standby

pytestmark = pytest.mark.browser
STATION = "cal-demo"


@pytest.fixture
def station_database(live_server: str, live_database_url: str) -> Iterator[Database]:
    database = open_database(live_database_url)
    yield database
    database.engine.dispose()


def _dcv_job(database: Database) -> tuple[int, str]:
    with database.session() as session:
        job = session.scalars(
            select(Job).join(Procedure, Job.procedure_id == Procedure.id)
            .where(Procedure.code == "CAL-DMM-DCV", Job.state == JobState.IN_PROGRESS).order_by(Job.id)
        ).first()
        assert job is not None and job.technician_id is not None
        user = session.get(User, job.technician_id)
        assert user is not None
        return job.id, user.username


def test_a_dc_voltage_sequence_runs_and_an_abort_leaves_the_calibrator_in_standby(
    page: Any, live_server: str, station_database: Database, tmp_path: Path
) -> None:
    job_id, username = _dcv_job(station_database)
    calibrator = CalibratorSimulator()
    sim = PtySimulator(calibrator)
    sim.start()
    with station_database.session() as session:
        bench_stations.save_station(
            session, bench_stations.StationInput(STATION, "fluke-5520a", sim.path, "Phòng điện")
        )
        session.commit()
    stop = threading.Event()
    worker = threading.Thread(target=run_station, args=(station_database, STATION), daemon=True, kwargs={
        "journal_path": tmp_path / "journal.sqlite3", "refusal_status": status_for, "stop": stop, "poll_s": 0.2})
    worker.start()
    try:
        log_in(page, live_server, username)
        page.goto(f"{live_server}/jobs/{job_id}/bench")
        section = page.locator("#sequence")
        section.locator("select[name='station_id']").select_option(label=f"{STATION} – Phòng điện")
        section.locator("button:has-text('Bắt đầu chuỗi đo')").click()
        entry = page.locator("#sequence [data-sequence-entry]")
        entry.wait_for(state="visible", timeout=20_000)
        status = page.locator("#sequence [data-sequence-status]")
        assert "Điểm 1/5 (0)" in status.inner_text()  # CAL-DMM-DCV 2.0: the short first
        assert "E+" not in status.inner_text()  # the reference in the page's number format, not the frame
        # the calibrator sources point 1 while the technician reads the handheld meter
        assert calibrator.operating and calibrator.value == 0
        first = entry.locator("input[name='indication_1']")
        assert first.evaluate("el => el === document.activeElement")  # focus waits in the first field
        for i in range(1, 6):
            entry.locator(f"input[name='indication_{i}']").fill("0,001")
        entry.locator("input[name='indication_5']").press("Enter")
        page.wait_for_function(
            "el => el.textContent.includes('Điểm 2/5 (0,6)') && el.textContent.includes('đang chờ số chỉ')",
            arg=status.element_handle(), timeout=20_000)
        assert calibrator.operating and calibrator.value == Decimal("0.6")  # 10 % of the 6 V range
        page.locator("#sequence button[data-abort]").click()
        page.wait_for_function("el => el.textContent.includes('đã hủy: nguồn ở chế độ chờ')",
                               arg=status.element_handle(), timeout=20_000)
        assert in_standby(calibrator)
        assert page.locator("#sequence [data-sequence-entry]").is_hidden()
    finally:
        stop.set()
        worker.join(timeout=30)
        sim.stop()
    assert not [h for h in calibrator.history if h.startswith("OUT 3")]  # aborted before point 3
    with station_database.session() as session:
        stored = bench_readings.readings_for(session, job_id, 0)
        assert [r.value for r in stored][-5:] == ["0.001"] * 5
        assert bench_readings.readings_for(session, job_id, 1) == []

"""The technician captures a point's readings from a balance: a simulated MT-SICS balance on a pseudo-terminal,
a bench station worker on the live server's database, the bench page's "capture from instrument" button, the
readings appearing as sent and filling the point, Enter to save, the result with U in place."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from instruments.simulators.mt_sics import MtSicsSimulator
from instruments.simulators.pty import PtySimulator
from lims.db import Database
from lims.models import Job, JobState, Procedure
from lims.services.bench import measurements
from lims.services.bench import readings as bench_readings
from lims.services.bench import stations as bench_stations
from lims.services.bench.worker import run_station
from lims.services.records.database import open_database
from lims.web.status import status_for
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
STATION = "can-demo"


@pytest.fixture
def station_database(live_server: str, live_database_url: str) -> Iterator[Database]:
    database = open_database(live_database_url)
    yield database
    database.engine.dispose()


def _job_and_point(database: Database) -> tuple[int, int, float, int]:
    """ktv.lan's NAWI verification in progress (kilograms, OIML R 76-1 annex A: its weighing tests are recorded
    by the demo) and its first point without a result."""
    with database.session() as session:
        job = session.scalars(
            select(Job)
            .join(Procedure, Job.procedure_id == Procedure.id)
            .where(Procedure.code == "VER-NAWI-R76", Job.state == JobState.IN_PROGRESS)
            .order_by(Job.id)
        ).first()
        assert job is not None
        done = measurements.measurements(session, job.id)
        points = measurements.test_points(job)
        index = next(i for i in range(len(points)) if i not in done or not done[i].result)
        repetitions = measurements.domain_procedure(job.procedure).repetitions  # type: ignore[arg-type]
        return job.id, index, points[index], repetitions


def test_technician_captures_readings_from_the_balance(
    page: Any, live_server: str, station_database: Database, tmp_path: Path
) -> None:
    job_id, index, nominal, repetitions = _job_and_point(station_database)
    load = f"{nominal:.3f}"
    balance = PtySimulator(MtSicsSimulator(unit="kg", load=load, serial_number="B0042"))
    balance.start()
    with station_database.session() as session:
        bench_stations.save_station(
            session, bench_stations.StationInput(STATION, "mt-sics", balance.path, "Phòng khối lượng")
        )
        session.commit()
    stop = threading.Event()
    worker = threading.Thread(
        target=run_station,
        args=(station_database, STATION),
        kwargs={
            "journal_path": tmp_path / "journal.sqlite3",
            "refusal_status": status_for,
            "stop": stop,
            "poll_s": 0.2,
        },
        daemon=True,
    )
    worker.start()
    try:
        log_in(page, live_server, "ktv.lan")
        page.goto(f"{live_server}/jobs/{job_id}/bench")
        point = page.locator(f"#point-{index + 1}")
        point.locator("select[name='station_id']").select_option(label=f"{STATION} – Phòng khối lượng")
        point.locator("button:has-text('Đo từ thiết bị')").press("Enter")  # keyboard only

        rows = point.locator("table[data-bench-readings] tbody tr")
        rows.nth(repetitions - 1).wait_for(timeout=60_000)  # two agreeing stable replies per reading
        first_row = rows.first.inner_text()
        assert load in first_row and "kg" in first_row and "có" in first_row  # value as sent, stable: yes
        # the instrument's time on the lab's clock, as the server formats it (no ISO text, no UTC)
        assert re.search(r"\b\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}\b", first_row), first_row
        assert "Z" not in first_row and "UTC" not in point.locator("table[data-bench-readings]").inner_text()
        readings = point.locator("input[name^='reading_']")
        assert [readings.nth(i).input_value() for i in range(readings.count())] == [load] * repetitions
        status = point.locator("[data-capture-status]")
        page.wait_for_function("el => el.textContent.includes('đã đo xong')", arg=status.element_handle())
        # Filled: the focus waits in the reference value; the technician types it and presses Enter.
        reference = point.locator("input[name='reference_value']")
        assert reference.evaluate("el => el === document.activeElement")
        for env in point.locator("input[name^='env_']").all():
            env.fill("24.0")
        # OIML R 76-1 A.4.4.3: the change-point weights added to each reading are typed by hand (0.1 e steps)
        for added in point.locator("input[name^='weighing_']").all():
            added.fill("0.0020")
        reference.fill(load)
        reference.press("Enter")
        result = page.locator(f"#point-{index + 1} dl.live")
        result.wait_for()
        text = result.inner_text()
        # an R 76 point's result is P, the indication free of rounding error, named so (not "mean")
        assert "U" in text and "Số chỉ đã loại sai số làm tròn P" in text and "Giá trị trung bình" not in text
    finally:
        stop.set()
        worker.join(timeout=30)
        balance.stop()
    with station_database.session() as session:
        stored = bench_readings.readings_for(session, job_id, index)
        assert [r.value for r in stored] == [load] * repetitions
        assert all(r.used_in_point and r.source == f"station:{STATION}" for r in stored)
        saved = measurements.measurements(session, job_id)[index]
        # the instrument's decimal text is stored as sent, and the point lists the bench readings it used
        assert saved.readings == [load] * repetitions and saved.point is not None
        assert saved.point.expanded_uncertainty > 0 and set(saved.point.bench_reading_ids) == {
            r.id for r in stored
        }

"""The demo data set's bench page offers its bench station, and a capture can be queued from it."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.models import CaptureRequest, Job, JobState
from lims.services.bench import stations as bench_stations
from lims.services.demo.seed import DEMO_PASSWORD
from lims.services.jobs.procedures import domain_procedure
from tests.webutil import csrf_token, login


@pytest.mark.demo
def test_demo_bench_page_offers_the_demo_station_and_queues_a_capture(
    client: FlaskClient, session: Session
) -> None:
    job = next(
        j
        for j in session.scalars(select(Job).where(Job.state == JobState.IN_PROGRESS))
        if j.procedure is not None and j.procedure.code == "CAL-DMM-DCV"
    )
    # the DMM, not the room's temperature/humidity logger (hmt-1, lims.services.demo.rooms)
    assert [s.name for s in bench_stations.stations(session)] == ["dmm-1", "hmt-1"]
    [station] = bench_stations.stations_for(session, job)
    assert (station.name, station.driver, station.port_url) == ("dmm-1", "scpi-dmm", "/tmp/lims-demo-dmm")
    assert job.procedure is not None and domain_procedure(job.procedure).unit == "V"  # what the DMM sends
    login(client, "ktv.lan", DEMO_PASSWORD)
    url = f"/jobs/{job.id}/bench"
    page = client.get(url).get_data(as_text=True)
    assert "data-bench-capture" in page
    assert "dmm-1 – Phòng đo lường điện – bàn hiệu chuẩn đồng hồ vạn năng" in page
    response = client.post(
        f"/jobs/{job.id}/points/2/capture",
        headers={"X-Requested-With": "fetch"},
        data={"csrf_token": csrf_token(client, url), "station_id": str(station.id)},
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    queued = session.get(CaptureRequest, response.get_json()["request"]["id"])
    assert queued is not None and (queued.driver, queued.port_url) == ("scpi-dmm", "/tmp/lims-demo-dmm")

"""Starting an automated sequence from the bench page with the instrument under test read through its own
bench station (issue 18): the choice offered, bad choices refused in Vietnamese with nothing saved."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.models import Job, JobState, SequenceRun, User
from lims.services.bench import stations as bench_stations
from lims.services.demo.seed import DEMO_PASSWORD
from tests.webutil import csrf_token, login

REFUSED = "Hãy chọn một trạm đo đang hoạt động có thể đọc thiết bị cần hiệu chuẩn."


@pytest.mark.demo
def test_the_bench_offers_the_multimeter_as_reader_and_refuses_a_bad_choice(
    client: FlaskClient, session: Session
) -> None:
    job = next(
        j
        for j in session.scalars(select(Job).where(Job.state == JobState.IN_PROGRESS).order_by(Job.id))
        if j.procedure is not None and j.procedure.code == "CAL-DMM-DCV"
    )
    calibrator = bench_stations.save_station(
        session, bench_stations.StationInput("cal-1", "fluke-5520a", "/tmp/lims-test-cal", "Bàn điện")
    )
    dmm = bench_stations.station_by_name(session, "dmm-1")
    session.commit()
    technician = session.get(User, job.technician_id)
    assert technician is not None
    login(client, technician.username, DEMO_PASSWORD)
    url = f"/jobs/{job.id}/bench"
    page = client.get(url).get_data(as_text=True)
    choice = page[page.index('name="uut_station_id"') : page.index("</select>", page.index('name="uut_station_id"'))]
    assert "không có giao diện: tôi nhập số chỉ" in choice and "dmm-1" in choice
    assert "cal-1" not in choice and "hmt-1" not in choice  # a calibrator, a room's logger
    token = csrf_token(client, url)

    def start(uut: str) -> tuple[int, dict]:  # type: ignore[type-arg]
        response = client.post(
            f"/jobs/{job.id}/sequence",
            headers={"X-Requested-With": "fetch"},
            data={"csrf_token": token, "station_id": str(calibrator.id), "uut_station_id": uut},
        )
        return response.status_code, response.get_json()

    for bad in ("abc", str(calibrator.id), "999999"):
        status, body = start(bad)
        assert (status, body["error"]) == (422, REFUSED)
    assert session.scalar(select(func.count()).select_from(SequenceRun)) == 0
    status, body = start(str(dmm.id))
    assert status == 200 and body["error"] is None and body["sequence"]["uut_station_id"] == dmm.id
    run = session.get(SequenceRun, body["sequence"]["id"])
    assert run is not None and (run.uut_driver, run.uut_port_url) == ("scpi-dmm", "/tmp/lims-demo-dmm")
    assert [(v[0], v[2], v[3]) for v in run.visits] == [(i, 5, "") for i in range(5)]  # 5 readings per point
    refused = client.post(
        f"/jobs/{job.id}/sequence/{run.id}/entry",
        data={"csrf_token": token, "index": "9", "indication_1": "1"},
    )
    assert refused.status_code == 404  # no such visit

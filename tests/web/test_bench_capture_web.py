"""Capture from the bench page through the test client: queue a request, poll the readings as JSON, save."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lims.models import BenchStation, CaptureRequest, CaptureState, Role
from lims.services.bench import readings as bench_readings
from lims.services.bench.readings import ReadingActor, record_readings
from tests.factories import make_user
from tests.services import jobsetup
from tests.webutil import csrf_token, login


def _setup(session: Session, *, station: bool = True) -> tuple[jobsetup.Lab4, Any, BenchStation | None]:
    setup = jobsetup.build(session)
    job = jobsetup.started_job(session, setup, "CAL-DMM-DCV")
    job.measured_on = jobsetup.ON
    row = None
    if station:
        row = BenchStation(name="dmm-1", driver="scpi-dmm", port_url="/dev/ttyUSB0", description="Phòng điện")
        session.add(row)
    session.flush()
    session.commit()
    return setup, job, row


def _readings(n: int, start: int = 1) -> list[dict[str, Any]]:
    return [
        {
            "idempotency_key": f"web-{start + i:08d}",
            "value": f"10.00{start + i}0",
            "unit": "V",
            "stable": i != 1,
            "seq": start + i,
            "time": "2026-03-02T08:59:59.000001Z",
            "raw": "x\r\n",
            "instrument": {"manufacturer": "Keysight", "model": "34465A", "serial_number": "MY1"},
        }
        for i in range(n)
    ]


def test_the_bench_page_offers_a_capture_per_point(client: FlaskClient, session: Session) -> None:
    setup, job, _station = _setup(session)
    login(client, setup.technician.username)
    page = client.get(f"/jobs/{job.id}/bench").get_data(as_text=True)
    assert page.count("data-bench-capture") == 5 and "bench-capture.js" in page and "<script>" not in page
    assert "Đo từ thiết bị" in page and "dmm-1 – Phòng điện" in page
    assert f'data-readings-url="/jobs/{job.id}/points/0/readings.json"' in page


def test_no_station_no_button_and_readers_see_no_button(client: FlaskClient, session: Session) -> None:
    setup, job, _ = _setup(session, station=False)
    login(client, setup.technician.username)
    assert "data-bench-capture" not in client.get(f"/jobs/{job.id}/bench").get_data(as_text=True)


def test_capture_is_queued_and_readings_are_polled(client: FlaskClient, session: Session) -> None:
    setup, job, station = _setup(session)
    assert station is not None
    login(client, setup.technician.username)
    url = f"/jobs/{job.id}/bench"
    response = client.post(
        f"/jobs/{job.id}/points/1/capture",
        headers={"X-Requested-With": "fetch"},
        data={"csrf_token": csrf_token(client, url), "station_id": str(station.id)},
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    body = response.get_json()
    assert body["request"]["state"] == "queued" and body["request"]["count"] == 5 and body["after"] == 0
    assert body["request"]["label"] == "đang chờ trạm đo"
    request_row = session.get(CaptureRequest, body["request"]["id"])
    assert request_row is not None
    assert (
        request_row.point_index,
        request_row.driver,
        request_row.port_url,
        request_row.requested_by_id,
    ) == (1, "scpi-dmm", "/dev/ttyUSB0", setup.technician.id)

    page = client.get(f"/jobs/{job.id}/bench").get_data(as_text=True)  # reloaded: the page keeps following it
    assert (
        page.count("data-active-request=") == 1 and f'data-active-request="{body["request"]["id"]}"' in page
    )

    polled = client.get(f"/jobs/{job.id}/points/1/readings.json")
    assert polled.status_code == 200 and polled.headers["Cache-Control"] == "no-store"
    assert polled.get_json() == {"readings": [], "request": body["request"]}

    record_readings(session, job.number, "P2", _readings(3), ReadingActor(setup.technician.id))
    session.commit()
    data = client.get(f"/jobs/{job.id}/points/1/readings.json?after=0").get_json()
    assert [r["value"] for r in data["readings"]] == ["10.0010", "10.0020", "10.0030"]  # as sent
    assert [r["stable"] for r in data["readings"]] == [True, False, True]
    # The instrument's time on the lab's clock (08:59:59 UTC is 15:59:59 in Asia/Ho_Chi_Minh, UTC+7), in
    # the reader's language; the exact UTC instant stays in "time" for machines.
    assert data["readings"][0]["time_text"] == "02/03/2026 15:59:59"
    assert data["readings"][0]["time"] == "2026-03-02T08:59:59.000001Z"
    assert {r["request"] for r in data["readings"]} == {None}  # delivered by an agent, not by this capture
    last = data["readings"][-1]["id"]
    assert client.get(f"/jobs/{job.id}/points/1/readings.json?after={last}").get_json()["readings"] == []
    record_readings(session, job.number, "P2", _readings(1, start=4), ReadingActor(setup.technician.id))
    session.commit()
    newer = client.get(f"/jobs/{job.id}/points/1/readings.json?after={last}").get_json()["readings"]
    assert [r["seq"] for r in newer] == [4]


def test_a_capture_request_is_refused_with_its_reason(client: FlaskClient, session: Session) -> None:
    setup, job, station = _setup(session)
    assert station is not None
    login(client, setup.technician.username)
    token = csrf_token(client, f"/jobs/{job.id}/bench")
    no_station = client.post(
        f"/jobs/{job.id}/points/0/capture",
        headers={"X-Requested-With": "fetch"},
        data={"csrf_token": token, "station_id": ""},
    )
    assert no_station.status_code == 422 and no_station.get_json()["error"] == "Chọn một trạm đo."
    station.is_active = False
    session.commit()
    inactive = client.post(
        f"/jobs/{job.id}/points/0/capture",
        headers={"X-Requested-With": "fetch"},
        data={"csrf_token": token, "station_id": str(station.id)},
    )
    assert inactive.status_code == 422 and "trạm đo" in inactive.get_json()["error"]
    assert (
        client.post(
            f"/jobs/{job.id}/points/7/capture", data={"csrf_token": token, "station_id": str(station.id)}
        ).status_code
        == 404
    )
    without_csrf = client.post(f"/jobs/{job.id}/points/0/capture", data={"station_id": str(station.id)})
    assert without_csrf.status_code == 400
    assert session.query(CaptureRequest).count() == 0


def test_without_javascript_the_capture_redirects_to_the_point(client: FlaskClient, session: Session) -> None:
    setup, job, station = _setup(session)
    assert station is not None
    login(client, setup.technician.username)
    response = client.post(
        f"/jobs/{job.id}/points/2/capture",
        data={"csrf_token": csrf_token(client, f"/jobs/{job.id}/bench"), "station_id": str(station.id)},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#point-3")
    assert session.query(CaptureRequest).one().state == CaptureState.QUEUED


def test_readings_json_is_for_lab_staff_only(client: FlaskClient, session: Session) -> None:
    _lab, job, _station = _setup(session)
    auditor, customer = make_user(session, Role.AUDITOR), make_user(session, Role.CUSTOMER)
    session.commit()
    login(client, auditor.username)
    assert client.get(f"/jobs/{job.id}/points/0/readings.json").status_code == 200
    assert client.get("/jobs/999999/points/0/readings.json").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    login(client, customer.username)
    assert client.get(f"/jobs/{job.id}/points/0/readings.json").status_code == 403


def test_saving_the_point_with_captured_readings_flags_them(client: FlaskClient, session: Session) -> None:
    setup, job, _ = _setup(session)
    record_readings(session, job.number, "P2", _readings(5), ReadingActor(setup.technician.id))
    session.commit()
    rows = bench_readings.readings_for(session, job.id, 1)
    login(client, setup.technician.username)
    url = f"/jobs/{job.id}/bench"
    response = client.post(
        f"/jobs/{job.id}/points/1",
        headers={"X-Requested-With": "fetch"},
        data={
            "csrf_token": csrf_token(client, url),
            "version": str(job.version),
            "reference_value": "10",
            **{f"reading_{i + 1}": r.value for i, r in enumerate(rows)},
            "bench_reading_ids": ",".join(str(r.id) for r in rows),
            "env_temperature": "23",
            "env_humidity": "45",
        },
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    session.expire_all()
    assert all(r.used_in_point for r in bench_readings.readings_for(session, job.id, 1))


def test_sequence_buttons_answer_the_script_or_go_back_to_the_sequence(
    client: FlaskClient, session: Session
) -> None:
    """The sequence buttons share the capture button's answer: JSON with the error (422) for the page's
    script, a flash and the bench page's sequence section without JavaScript; an unknown run is a 404."""
    setup, job, station = _setup(session)
    assert station is not None
    login(client, setup.technician.username)
    token = csrf_token(client, f"/jobs/{job.id}/bench")
    fetch = {"X-Requested-With": "fetch"}
    no_station = client.post(f"/jobs/{job.id}/sequence", headers=fetch, data={"csrf_token": token})
    assert no_station.status_code == 422
    assert no_station.get_json() == {"sequence": None, "error": "Chọn một trạm đo."}
    refused = client.post(
        f"/jobs/{job.id}/sequence", data={"csrf_token": token, "station_id": str(station.id)}
    )
    assert refused.status_code == 302 and refused.headers["Location"].endswith("#sequence")
    page = client.get(f"/jobs/{job.id}/bench").get_data(as_text=True)
    # the refusal, flashed, names the source by its label, not the driver's id "fluke-5520a"
    assert "Hãy chọn một trạm đo đang hoạt động có nguồn máy hiệu chuẩn Fluke dòng 5520A." in page
    assert "fluke-5520a" not in page
    unknown = client.post(
        f"/jobs/{job.id}/sequence/999999/command",
        headers=fetch,
        data={"csrf_token": token, "command": "pause"},
    )
    assert unknown.status_code == 404
    no_index = client.post(f"/jobs/{job.id}/sequence/999999/entry", data={"csrf_token": token, "index": "x"})
    assert no_index.status_code == 404

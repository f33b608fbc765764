"""Rooms on the web: the admin form, the chart page (server-rendered SVG, Vietnamese), the job's room on the
bench, the points' logged conditions, and the reviewer's justification that approval of an out-of-limits job
needs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from instruments.reading import InstrumentIdentity, Reading
from lims.models import Role
from lims.services.bench import measurements, rooms
from lims.services.bench.measurements import PointInput
from lims.services.jobs import jobs
from tests.factories import make_user
from tests.services import jobsetup
from tests.webutil import csrf_token, login


def test_admin_sets_up_a_room_and_its_chart_shows_the_log(client: FlaskClient, session: Session) -> None:
    admin = make_user(session, Role.ADMIN)
    session.commit()
    login(client, admin.username)
    token = csrf_token(client, "/rooms/new")
    bad = client.post("/rooms/new", data={"csrf_token": token, "code": "P-AP", "name": "Phòng áp suất",
                                           "temperature_min": "25", "temperature_max": "20", "log_period_s": "60"})
    assert bad.status_code == 200 and "Nhiệt độ tối thiểu lớn hơn nhiệt độ tối đa." in bad.get_data(as_text=True)
    assert rooms.rooms(session) == []
    saved = client.post("/rooms/new", data={"csrf_token": token, "code": "P-AP", "name": "Phòng áp suất",
                                             "temperature_min": "18", "temperature_max": "22",
                                             "humidity_max": "70", "log_period_s": "60"})
    assert saved.status_code == 302
    room = rooms.room_by_code(session, "P-AP")
    # two samples today at 09:00 and 09:01 lab time (UTC+7), the second above 22 °C
    now = datetime.now(UTC)
    local_midnight = (now + timedelta(hours=7)).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(hours=7)
    who = InstrumentIdentity("Vaisala", "HMT330", "K1")
    for i, (t, h) in enumerate((("21.4", "55.0"), ("22.6", "56.0"))):
        at = local_midnight + timedelta(hours=9, minutes=i)
        rooms.record_conditions(session, "P-AP", [
            {"idempotency_key": f"w{i}t", **Reading(t, "C", None, who, 1, at, b"f").to_json_dict()},
            {"idempotency_key": f"w{i}h", **Reading(h, "%RH", None, who, 2, at, b"f").to_json_dict()}])
    session.commit()
    page = client.get(f"/rooms/{room.id}").get_data(as_text=True)
    svg = page[page.index("<figure"):page.index("</figure>")]
    assert "<script" not in svg and 'data-samples="4"' in page
    assert "Điều kiện môi trường trong phòng P-AP" in page
    assert "Nhiệt độ (°C) — giới hạn 18 đến 22" in page and "Độ ẩm tương đối (%rh) — giới hạn — đến 70" in page
    assert "4 mẫu; 1 mẫu ngoài giới hạn" in svg and svg.count('class="outside"') == 1
    assert "09:01: 22,6" in svg  # lab local time and the Vietnamese decimal comma, never UTC
    listing = client.get("/rooms/").get_data(as_text=True)
    assert "P-AP" in listing and "Phòng áp suất" in listing
    edit = f"/rooms/{room.id}/edit"
    assert 'value="22"' in client.get(edit).get_data(as_text=True)
    changed = client.post(edit, data={"csrf_token": csrf_token(client, edit), "code": "P-AP", "name": "Phòng áp suất 2",
                                      "temperature_min": "19,5", "temperature_max": "22", "humidity_max": "70",
                                      "log_period_s": "30"})
    assert changed.status_code == 302
    session.expire_all()
    assert (room.name, room.temperature_min, room.log_period_s) == ("Phòng áp suất 2", Decimal("19.5"), 30)


def test_bench_room_logged_points_and_justification(client: FlaskClient, session: Session) -> None:
    setup = jobsetup.build(session)
    job = jobsetup.started_job(session, setup, "CAL-DMM-DCV")
    job.measured_on = jobsetup.ON
    room = rooms.save_room(session, rooms.RoomInput("P-DIEN", "Phòng điện", "18", "28", "", "80"))
    now = datetime.now(UTC)
    who = InstrumentIdentity("Vaisala", "HMT330", "K1")
    for minute in range(0, 20):
        at = now - timedelta(minutes=minute)
        t = "29.0" if minute == 3 else "23.0"
        rooms.record_conditions(session, "P-DIEN", [
            {"idempotency_key": f"b{minute}t", **Reading(t, "C", None, who, 1, at, b"f").to_json_dict()},
            {"idempotency_key": f"b{minute}h", **Reading("50.0", "%RH", None, who, 2, at, b"f").to_json_dict()}])
    session.commit()
    job_points = measurements.test_points(job)
    login(client, setup.technician.username)
    bench = f"/jobs/{job.id}/bench"
    answer = client.post(f"/jobs/{job.id}/room", data={"csrf_token": csrf_token(client, bench),
                                                          "room_id": str(room.id)})
    assert answer.status_code == 302
    page = client.get(bench).get_data(as_text=True)
    assert f'<option value="{room.id}" selected>P-DIEN' in page and f"/rooms/{room.id}" in page
    data = {"csrf_token": csrf_token(client, bench), "version": str(job.version), "reference_value": "10",
            **{f"reading_{i}": "10.002" for i in range(1, 6)}, "env_temperature": "", "env_humidity": ""}
    fragment = client.post(f"/jobs/{job.id}/points/1", data=data, headers={"X-Requested-With": "fetch"})
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200, html
    assert "Ghi tự động trong phòng P-DIEN" in html and "data-env-deviation" in html
    assert "29 °C" in html  # the logged 29.0 °C above the procedure's 28 °C, flagged on the bench
    # without a room the technician's entry is used, and the bench says so
    unlogged = client.post(f"/jobs/{job.id}/room", data={"csrf_token": csrf_token(client, bench), "room_id": ""})
    assert unlogged.status_code == 302
    session.expire_all()
    data = {**data, "csrf_token": csrf_token(client, bench), "version": str(job.version), "env_temperature": "23.5",
            "env_humidity": "50"}
    html = client.post(f"/jobs/{job.id}/points/1", data=data, headers={"X-Requested-With": "fetch"}).get_data(
        as_text=True)
    assert "Do kỹ thuật viên nhập (không có giá trị ghi tự động): nhiệt độ, độ ẩm tương đối." in html
    assert "data-env-deviation" not in html
    client.post(f"/jobs/{job.id}/room", data={"csrf_token": csrf_token(client, bench), "room_id": str(room.id)})
    session.expire_all()
    data = {**data, "csrf_token": csrf_token(client, bench), "version": str(job.version)}
    assert "data-env-deviation" in client.post(f"/jobs/{job.id}/points/1", data=data,
                                               headers={"X-Requested-With": "fetch"}).get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    reviewer = setup.reviewer
    login(client, reviewer.username)
    show = f"/jobs/{job.id}"
    refused = client.post(f"/jobs/{job.id}/environment-justification",
                          data={"csrf_token": csrf_token(client, show), "justification": "ok"})
    assert refused.status_code == 302  # the job is still in progress: refused with a message, nothing saved
    assert rooms.justification(session, job.id) is None
    session.expire_all()  # the web requests changed the job (its version)
    # the other points (CAL-DMM-DCV 2.0 has five), typed by hand: they take the log too
    for index in (i for i in range(len(job_points)) if i != 1):
        measurements.save_point(session, job.id, PointInput(index, [f"{job_points[index]:g}"] * 5,
                                str(job_points[index]), {}), user=setup.technician,
                                expected_version=job.version, on=jobsetup.ON)
    for state, who in (("measured", setup.technician), ("reviewed", reviewer)):
        jobs.transition_job(session, job.id, state, user=who, comment=None, expected_version=job.version)
    session.commit()
    page = client.get(show).get_data(as_text=True)
    assert "Kết quả không thể được phê duyệt cho đến khi người xem xét ghi nhận lý do" in page
    text = "Cửa mở 2 phút; hệ số nhiệt của 5520A đã có trong ngân sách độ không đảm bảo đo."
    done = client.post(f"/jobs/{job.id}/environment-justification",
                       data={"csrf_token": csrf_token(client, show), "justification": text})
    assert done.status_code == 302 and rooms.justification(session, job.id) == text
    page = client.get(show).get_data(as_text=True)
    assert f"<blockquote data-justification>{text}</blockquote>" in page

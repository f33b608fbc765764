"""The demo's room (issue 18 item 4): the electrical lab's logged series, gap-free, with one short excursion
while a point of the reviewed DC voltage job was measured; the chart page in Vietnamese and in English, and
the job's flagged point with the reviewer's justification."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.models import Job, JobEnvironment, JobState, Measurement, RoomCondition
from lims.services.bench import measurements, rooms
from lims.services.demo import rooms as demo_rooms
from lims.services.demo.seed import DEMO_PASSWORD
from tests.webutil import login, post_form


@pytest.mark.demo
def test_the_demo_room_is_logged_without_gaps_and_its_excursion_is_flagged_and_justified(
    client: FlaskClient, session: Session
) -> None:
    room = rooms.room_by_code(session, demo_rooms.DEMO_ROOM_CODE)
    assert (room.temperature_min, room.temperature_max, room.humidity_min, room.humidity_max) == (
        20,
        26,
        30,
        70,
    )
    env = session.scalars(select(JobEnvironment).where(JobEnvironment.room_id == room.id)).one()
    job = session.get(Job, env.job_id)
    assert job is not None and job.state == JobState.REVIEWED and job.procedure is not None
    assert job.procedure.code == "CAL-DMM-DCV" and env.justification == demo_rooms.JUSTIFICATION
    # gap-free: one temperature and one humidity every 5 minutes from the first sample to the last
    first, last, count = session.execute(
        select(func.min(RoomCondition.measured_at), func.max(RoomCondition.measured_at), func.count()).where(
            RoomCondition.room_id == room.id, RoomCondition.quantity == "temperature"
        )
    ).one()
    assert count == (last - first) // timedelta(minutes=5) + 1 and count > 10 * 288
    assert (
        session.scalar(
            select(func.count()).where(RoomCondition.room_id == room.id, RoomCondition.quantity == "humidity")
        )
        == count
    )
    # only the 3 V point (the third) was measured during the excursion: it alone is outside the limits
    points = session.scalars(
        select(Measurement).where(Measurement.job_id == job.id).order_by(Measurement.point_index)
    ).all()
    hottest = [max(float(t) for t in m.environment["temperature"]) for m in points]
    assert hottest[2] == 28.8 and all(t < 24 for i, t in enumerate(hottest) if i != 2)
    assert all(m.environment_record is not None and m.environment_record["room"] == "P-DIEN" for m in points)
    assert "temperature 28.8 °C is above the maximum 28 °C" in measurements.flags(session, job)["environment"]

    login(client, "kt.hung", DEMO_PASSWORD)
    day = (first + timedelta(days=1, hours=7)).date()  # the job's day, lab time (UTC+7): the series' 2nd day
    page = client.get(f"/rooms/{room.id}?day={day.isoformat()}").get_data(as_text=True)
    svg = page[page.index("<figure") : page.index("</figure>")]
    assert 'data-samples="576"' in page  # 288 of each quantity: a whole day, no gap
    assert "Điều kiện môi trường trong phòng P-DIEN" in page
    assert "576 mẫu; 3 mẫu ngoài giới hạn" in svg and svg.count('class="outside"') == 3
    assert "14:15: 28,8" in svg  # the peak, lab time, Vietnamese decimal comma
    job_page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert demo_rooms.JUSTIFICATION in job_page

    post_form(client, "/language", {"language": "en", "next": "/"}, token_from="/")
    page = client.get(f"/rooms/{room.id}?day={day.isoformat()}").get_data(as_text=True)
    svg = page[page.index("<figure") : page.index("</figure>")]
    assert "Conditions in room P-DIEN" in page
    assert "576 samples; 3 outside the limits" in svg and "14:15: 28.8" in svg  # English: 24-hour clock too

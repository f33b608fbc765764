"""The demo's room: the electrical laboratory with its limits, its logger and a logged series.

The series is what a Vaisala HMT330-class transmitter logging every 5 minutes would have stored since the
day the demo's reviewed DC voltage job was measured in the room, up to the start of the demo's day: gap-free,
air-conditioned (about 23 °C and 52 %rh, a slow daily swing, the transmitter's 0.1 resolution), with one
short excursion (the air conditioner stopped for about 20 minutes on the afternoon of that job) that takes the
temperature above the room's and the procedure's limits while one of the job's points was measured: that
point is flagged on the bench and the reviewer's justification is on record (ISO/IEC 17025:2017 6.3.3, 7.5.1).

The series is built here, deterministically from the dates, and stored in one bulk INSERT
(:func:`lims.services.bench.rooms.store_series`), so loading the demo stays fast.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from lims.models import Room
from lims.services.bench import rooms
from lims.services.bench.stations import StationInput, save_station

DEMO_ROOM_CODE = "P-DIEN"
DEMO_ROOM_NAME = "Phòng đo lường điện"
DEMO_LOGGER = StationInput(
    "hmt-1",
    "vaisala-hmt",
    "/tmp/lims-demo-hmt",  # noqa: S108 - a simulator link on the demo machine, as the demo DMM's
    description="Phòng đo lường điện – bộ ghi nhiệt độ, độ ẩm",
)
LOGGER_IDENTITY = "Vaisala HMT330 K1230045"
LOG_PERIOD_S = 300
#: The job measured in the room: the demo's reviewed CAL-DMM-DCV job (lims.services.demo.jobs).
ROOM_JOB = ("CAL-DMM-DCV", "reviewed")
#: Its points are saved this far apart (each read by hand: its interval is the 15 minutes before saving).
POINT_SPACING = timedelta(minutes=30)
#: The excursion starts this long after the job's first point; its temperatures (°C) and humidities (%rh),
#: 5 minutes apart. Point 3 (saved 60 minutes after the first) is measured during it, points 2 and 4 are not.
EXCURSION_START = timedelta(minutes=45)
EXCURSION = (("25.2", "49.8"), ("28.4", "46.1"), ("28.8", "45.3"), ("27.2", "47.0"), ("24.6", "50.2"))
JUSTIFICATION = (
    "Nhiệt độ phòng vượt giới hạn khoảng 20 phút khi đo điểm 3 V do điều hòa dừng. Hệ số nhiệt độ của thiết bị "
    "hiệu chuẩn đa năng (2 µV/V mỗi K) chỉ làm giá trị ra thay đổi khoảng 0,04 mV ở 3 V khi lệch 5,8 K, nhỏ hơn "
    "nhiều so với độ phân giải 1 mV của đồng hồ; kết quả vẫn có giá trị."
)


def _normal(at: datetime, rng: random.Random) -> tuple[Decimal, Decimal]:
    """An air-conditioned room: 23 °C ± 0.4 °C and 52 %rh ± 4 %rh over the day (warmest mid-afternoon in
    Hanoi, UTC+7), with the transmitter's noise, rounded to its 0.1 resolution."""
    hours = (at.hour + 7 + at.minute / 60) % 24
    swing = math.sin(2 * math.pi * (hours - 9) / 24)
    temperature = 23.0 + 0.4 * swing + rng.uniform(-0.05, 0.05)
    humidity = 52.0 - 4.0 * swing + rng.uniform(-0.3, 0.3)
    return Decimal(f"{temperature:.1f}"), Decimal(f"{humidity:.1f}")


def series(start: datetime, end: datetime, excursion_at: datetime) -> Iterator[rooms.LoggedSample]:
    """Every ``LOG_PERIOD_S`` from ``start`` to ``end`` (excluded): temperature and humidity, the excursion
    from ``excursion_at`` (rounded up to a logging instant)."""
    rng = random.Random(start.toordinal())
    step = timedelta(seconds=LOG_PERIOD_S)
    first = start + step * math.ceil((excursion_at - start) / step)
    excursion = {first + step * k: values for k, values in enumerate(EXCURSION)}
    at = start
    while at < end:
        normal = _normal(at, rng)
        temperature, humidity = excursion.get(at, (str(normal[0]), str(normal[1])))
        raw = f"RH= {float(humidity):5.1f} %RH T= {float(temperature):5.1f} 'C"
        yield rooms.LoggedSample("temperature", str(temperature), at, raw)
        yield rooms.LoggedSample("humidity", str(humidity), at, raw)
        at += step


def load_demo_room(session: Session, *, first_point_at: datetime, until: datetime) -> Room:
    """The room, its logger station and the series from the day before ``first_point_at`` to ``until``."""
    station = save_station(session, DEMO_LOGGER)
    room = rooms.save_room(
        session,
        rooms.RoomInput(
            DEMO_ROOM_CODE,
            DEMO_ROOM_NAME,
            "20",
            "26",
            "30",
            "70",
            station_id=station.id,
            log_period_s=LOG_PERIOD_S,
        ),
    )
    # from the UTC midnight before that day: the lab's whole local day (UTC+7 in the demo) is logged
    start = datetime.combine(first_point_at.date() - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    rooms.store_series(
        session,
        room,
        list(series(start, until, first_point_at + EXCURSION_START)),
        logger=LOGGER_IDENTITY,
        now=until,
    )
    return room

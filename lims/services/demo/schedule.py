"""The demo's working days: when each demo job was registered, received, measured, reviewed, approved and
issued, on weekdays within the laboratory's hours (Asia/Ho_Chi_Minh). The small demo
(:mod:`lims.services.demo.jobs`) and the grown one (:mod:`lims.services.demo.scale`) both date their
histories by it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from lims.localtime import lab_zone
from lims.services.demo import rooms as demo_rooms

#: Working days after registration each demo state's history needs (receipt and measurement on the first,
#: review, approval and issue on the second, the amendment of an issued certificate on the third).
WORKING_DAYS_NEEDED = {"requested": 0, "reviewed": 2, "approved": 2, "issued": 3, "failed": 2}


def _working_day(day: date, after: int) -> date:
    """The ``after``-th working day (Monday to Friday) after ``day``; 0: ``day`` itself, or the next one."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    for _ in range(after):
        day += timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
    return day


def registration_day(nominal: date, state: str, today: date) -> date:
    """The working day on or before ``nominal`` that leaves the state's history its working days before
    ``today``: nothing in the demo happens on the day it is loaded, at a weekend or after hours."""
    day = nominal
    needed = WORKING_DAYS_NEEDED.get(state, 1)
    while day.weekday() >= 5 or _working_day(day, needed) >= today:
        day -= timedelta(days=1)
    return day


@dataclass(frozen=True, slots=True)
class Schedule:
    """One demo job's working hours in the laboratory's zone (Asia/Ho_Chi_Minh), as UTC instants.

    Registered in the morning of ``requested_on``; received the next working day at 08:30, started at 13:00
    and measured that afternoon from 13:15 (the room's job: its points 30 minutes apart, the excursion
    mid-afternoon); reviewed the working day after, approved by the signatory that afternoon and issued an hour later; an amendment
    the next working day. ``slot`` staggers the jobs of one day by a few minutes.
    """

    requested_on: date
    slot: int

    def _at(self, working_days: int, hour: int, minute: int) -> datetime:
        day = _working_day(self.requested_on, working_days)
        local = datetime.combine(day, time(hour, minute + 5 * (self.slot % 6)), tzinfo=lab_zone())
        return local.astimezone(UTC)

    @property
    def registered(self) -> datetime:
        return self._at(0, 9, 0)

    @property
    def received(self) -> datetime:
        return self._at(1, 8, 30)

    @property
    def on_hold(self) -> datetime:
        return self._at(1, 9, 30)

    @property
    def started(self) -> datetime:
        return self._at(1, 13, 0)

    @property
    def first_point(self) -> datetime:
        return self.started + timedelta(minutes=15)

    def measured(self, points: int, in_room: bool) -> datetime:
        last = self.first_point + (demo_rooms.POINT_SPACING * (points - 1) if in_room else timedelta(hours=1))
        return last + timedelta(minutes=20)

    @property
    def reviewed(self) -> datetime:
        return self._at(2, 9, 30)

    @property
    def approved(self) -> datetime:
        return self._at(2, 14, 0)

    @property
    def issued(self) -> datetime:
        return self._at(2, 15, 0)

    @property
    def amended(self) -> datetime:
        return self._at(3, 10, 0)

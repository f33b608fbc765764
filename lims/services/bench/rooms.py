"""Rooms of the lab: their limits, the conditions logged in them, and the conditions of each measured point.

A bench station with a room logger (``vaisala-hmt``, ``modbus-rtu``) logs each room on a period through the
bench journal, exactly as readings of a job are (:mod:`instruments.agent.room_log`): every sample is journaled
on the bench PC first under an idempotency key and delivered here by :class:`RoomSink`; a database outage
loses nothing (the journal is resent after recovery, a key already held is a duplicate). The journal names a
room's series ``room:<code>``.

When a point is saved, :func:`point_conditions` takes the room's logged conditions over the point's
measurement interval (ISO/IEC 17025:2017 6.3.3 and 7.5.1: conditions monitored and recorded where they
influence the results): the span of the bench readings the point used, or for readings typed by hand the
:data:`MANUAL_WINDOW` before saving. The sample in force when the interval starts counts too. A quantity the
logger did not cover is taken from the technician's entry, which is marked ``manual`` in the record.

A point outside its procedure's limits is flagged (:func:`lims.services.bench.measurements.flags`); its job
cannot be approved until a reviewer records a justification (:func:`justify`; checked by
:func:`lims.services.certificates.signatures.sign_job`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from instruments.agent.journal import JournalEntry
from instruments.agent.sink import Delivery, SinkRefused, SinkUnavailable
from instruments.reading import Reading
from lims.errors import N_, LimsError, NotFound
from lims.models import (
    BenchReading,
    BenchStation,
    Job,
    JobEnvironment,
    JobState,
    Role,
    Room,
    RoomCondition,
    User,
)

#: The journal's job name of a room's series: ``room:<code>``.
ROOM_PREFIX = "room:"
#: The point id under which a room's samples are journaled.
ROOM_POINT = "conditions"
#: For readings typed by hand, the measurement interval is taken as this long before the point is saved.
MANUAL_WINDOW = timedelta(minutes=15)
QUANTITIES = ("temperature", "humidity")
UNITS = {"temperature": "°C", "humidity": "%rh"}
MIN_PERIOD_S, MAX_PERIOD_S = 5, 3600


class RoomError(LimsError, ValueError):
    template = N_("The room could not be saved.")


class JustificationRequired(LimsError, ValueError):
    template = N_(
        "Job %(number)s has points measured outside the procedure's environmental limits: a reviewer must "
        "record a justification before approval."
    )


def journal_name(code: str) -> str:
    """The journal's job name of room ``code``.

    >>> journal_name("P-DIEN-1"), room_code("room:P-DIEN-1"), room_code("HN-2026-0001")
    ('room:P-DIEN-1', 'P-DIEN-1', None)
    """
    return ROOM_PREFIX + code


def room_code(job_number: str) -> str | None:
    return job_number[len(ROOM_PREFIX) :] if job_number.startswith(ROOM_PREFIX) else None


def normalise(value_text: str, unit: str) -> tuple[str, str, str] | None:
    """``(quantity, value, unit)`` in the room's units (°C, %rh) of a logger's value; None for other units.

    °F is converted exactly, (F − 32)·5/9, written to 0.001 °C (a logger reads to 0.1 at best).

    >>> normalise("23.4", "C"), normalise("45.0", "%RH"), normalise("73.4", "F"), normalise("5", "g/m3")
    (('temperature', '23.4', '°C'), ('humidity', '45.0', '%rh'), ('temperature', '23.000', '°C'), None)
    """
    unit_key = unit.strip().replace("'", "").lower()
    if unit_key in {"c", "°c", "degc"}:
        return "temperature", value_text, "°C"
    if unit_key in {"f", "°f", "degf"}:
        celsius = (Decimal(value_text) - 32) * 5 / 9
        return "temperature", str(celsius.quantize(Decimal("0.001"))), "°C"
    if unit_key in {"%rh", "%"}:
        return "humidity", value_text, "%rh"
    return None


# --- rooms -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoomInput:
    code: str
    name: str
    temperature_min: str = ""
    temperature_max: str = ""
    humidity_min: str = ""
    humidity_max: str = ""
    station_id: int | None = None
    log_period_s: int = 60


def _limit(text: str) -> Decimal | None:
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise RoomError(N_("The limit %(value)s is not a number."), value=text.strip())
    return value


def save_room(session: Session, data: RoomInput, *, room_id: int | None = None) -> Room:
    """Create (or update) a room; refused with a message naming the field, nothing saved."""
    code, name = data.code.strip(), data.name.strip()
    if not code or len(code) > 20:
        raise RoomError(N_("Give the room a code of at most 20 characters."))
    if not name:
        raise RoomError(N_("Give the room a name."))
    t_min, t_max = _limit(data.temperature_min), _limit(data.temperature_max)
    h_min, h_max = _limit(data.humidity_min), _limit(data.humidity_max)
    if t_min is not None and t_max is not None and t_min > t_max:
        raise RoomError(N_("The minimum temperature is above the maximum."))
    if h_min is not None and h_max is not None and h_min > h_max:
        raise RoomError(N_("The minimum humidity is above the maximum."))
    for value in (h_min, h_max):
        if value is not None and not 0 <= value <= 100:
            raise RoomError(N_("Relative humidity limits lie between 0 and 100."))
    if not MIN_PERIOD_S <= data.log_period_s <= MAX_PERIOD_S:
        raise RoomError(
            N_("The logging period is %(low)s to %(high)s seconds."), low=MIN_PERIOD_S, high=MAX_PERIOD_S
        )
    if data.station_id is not None and session.get(BenchStation, data.station_id) is None:
        raise RoomError(N_("No such bench station."))
    clash = session.scalar(select(Room.id).where(Room.code == code))
    if clash is not None and clash != room_id:
        raise RoomError(N_("A room with code %(code)s already exists."), code=code)
    room = Room(code=code, is_active=True) if room_id is None else get_room(session, room_id)
    if room_id is None:
        session.add(room)
    room.code, room.name = code, name
    room.temperature_min, room.temperature_max, room.humidity_min, room.humidity_max = (
        t_min,
        t_max,
        h_min,
        h_max,
    )
    room.station_id, room.log_period_s = data.station_id, data.log_period_s
    session.flush()
    return room


def rooms(session: Session, *, active_only: bool = True) -> list[Room]:
    query = select(Room).order_by(Room.code)
    if active_only:
        query = query.where(Room.is_active.is_(True))
    return list(session.scalars(query))


def get_room(session: Session, room_id: int) -> Room:
    room = session.get(Room, room_id)
    if room is None:
        raise NotFound()
    return room


def room_by_code(session: Session, code: str) -> Room:
    room = session.scalar(select(Room).where(Room.code == code))
    if room is None:
        raise NotFound()
    return room


def limits(room: Room) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    return {
        "temperature": (room.temperature_min, room.temperature_max),
        "humidity": (room.humidity_min, room.humidity_max),
    }


# --- the logged series -------------------------------------------------------------------------------------


def _insert(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    if not rows:
        return set()
    module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = RoomCondition.__table__
    stmt = (
        module.insert(table)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(table.c.idempotency_key)
    )
    return set(session.connection().execute(stmt, rows).scalars())


def record_conditions(
    session: Session, code: str, entries: Sequence[Mapping[str, Any]], *, now: datetime | None = None
) -> dict[str, list[Any]]:
    """Store a batch of journaled samples of room ``code`` (wire form of :class:`JournalEntry`).

    Answers like :func:`lims.services.bench.readings.record_readings`: ``accepted``, ``duplicates`` (a key
    already held: a confirmation) and ``rejected`` (for good, with the reason: a unit that is neither a
    temperature nor a relative humidity, a value that is not a number).
    """
    room = room_by_code(session, code)
    received = now or datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    rejected: list[dict[str, str]] = []
    for entry in entries:
        key = str(entry.get("idempotency_key", ""))
        try:
            reading = Reading.from_json_dict(dict(entry))
            found = normalise(reading.value_text, reading.unit)
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            rejected.append({"idempotency_key": key, "error": f"not a reading: {exc}"})
            continue
        if found is None:
            rejected.append(
                {"idempotency_key": key, "error": f"unit {reading.unit!r} is not logged for rooms"}
            )
            continue
        quantity, value, unit = found
        who = reading.instrument
        rows.append(
            {
                "idempotency_key": key,
                "room_id": room.id,
                "quantity": quantity,
                "value": value,
                "unit": unit,
                "measured_at": reading.time,
                "raw": reading.raw.decode("latin-1")[:2000],
                "logger": f"{who.manufacturer} {who.model} {who.serial_number}".strip()[:100],
                "received_at": received,
            }
        )
    stored = _insert(session, rows)
    keys = [row["idempotency_key"] for row in rows]
    return {
        "accepted": [k for k in keys if k in stored],
        "duplicates": [k for k in keys if k not in stored],
        "rejected": rejected,
    }


@dataclass(frozen=True, slots=True)
class LoggedSample:
    """One logged value of a room, for :func:`store_series`."""

    quantity: str  # temperature or humidity
    value: str  # decimal text, in the quantity's unit (UNITS)
    measured_at: datetime  # UTC
    raw: str = ""


def store_series(
    session: Session, room: Room, samples: Sequence[LoggedSample], *, logger: str, now: datetime | None = None
) -> int:
    """Store a logger's series in one bulk INSERT (a series read back from a logger's memory, the demo's);
    keys are the room, quantity and time, so storing it again adds nothing. Returns the samples given."""
    received = now or datetime.now(UTC)
    rows = [
        {
            "idempotency_key": f"{room.code}-{s.quantity}-{s.measured_at.astimezone(UTC):%Y%m%dT%H%M%S}",
            "room_id": room.id,
            "quantity": s.quantity,
            "value": s.value,
            "unit": UNITS[s.quantity],
            "measured_at": s.measured_at,
            "raw": s.raw,
            "logger": logger[:100],
            "received_at": received,
        }
        for s in samples
        if s.quantity in UNITS
    ]
    if not rows:
        return 0
    # one executemany without RETURNING: thousands of rows in a fraction of a second on both databases
    module: Any = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = module.insert(RoomCondition.__table__).on_conflict_do_nothing(index_elements=["idempotency_key"])
    session.connection().execute(stmt, rows)
    return len(rows)


class RoomSink:
    """A bench journal sink for room series: each batch stored by :func:`record_conditions` and committed."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self.session_factory = session_factory

    def deliver(self, job_number: str, point_id: str, entries: Sequence[JournalEntry]) -> Delivery:
        code = room_code(job_number)
        if code is None:
            raise SinkRefused(422, f"{job_number} is not a room series")
        try:
            with self.session_factory() as session:
                try:
                    answer = record_conditions(session, code, [entry.to_wire() for entry in entries])
                except NotFound as exc:
                    session.rollback()
                    raise SinkRefused(404, f"no room {code}") from exc
                session.commit()
        except (OperationalError, InterfaceError) as exc:
            raise SinkUnavailable(f"database unavailable: {exc.orig or exc}") from exc
        confirmed = frozenset(answer["accepted"]) | frozenset(answer["duplicates"])
        return Delivery(confirmed, {item["idempotency_key"]: item["error"] for item in answer["rejected"]})


def series(session: Session, room_id: int, start: datetime, end: datetime) -> list[RoomCondition]:
    """The room's samples with ``start ≤ measured_at ≤ end``, in time order."""
    return list(
        session.scalars(
            select(RoomCondition)
            .where(
                RoomCondition.room_id == room_id,
                RoomCondition.measured_at >= start,
                RoomCondition.measured_at <= end,
            )
            .order_by(RoomCondition.measured_at, RoomCondition.id)
        )
    )


def last_sample(session: Session, room_id: int) -> datetime | None:
    return session.scalar(select(func.max(RoomCondition.measured_at)).where(RoomCondition.room_id == room_id))


# --- a job's room and its points ---------------------------------------------------------------------------


def job_environment(session: Session, job_id: int) -> JobEnvironment | None:
    return session.get(JobEnvironment, job_id)


def set_job_room(session: Session, job_id: int, room_id: int | None) -> JobEnvironment:
    """The room the job is measured in (from the bench page, while the job is measured)."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound()
    if job.state not in (JobState.RECEIVED, JobState.IN_PROGRESS):
        raise RoomError(N_("The room can only be chosen while the job is being measured."))
    if room_id is not None:
        get_room(session, room_id)
    row = session.get(JobEnvironment, job_id)
    if row is None:
        row = JobEnvironment(job_id=job_id)
        session.add(row)
    row.room_id = room_id
    session.flush()
    return row


def point_interval(
    session: Session, bench_reading_ids: Sequence[int], now: datetime
) -> tuple[datetime, datetime]:
    """The measurement interval of a point: its bench readings' span, else :data:`MANUAL_WINDOW` before ``now``."""
    if bench_reading_ids:
        first, last = session.execute(
            select(func.min(BenchReading.instrument_time), func.max(BenchReading.instrument_time)).where(
                BenchReading.id.in_(list(bench_reading_ids))
            )
        ).one()
        if first is not None and last is not None:
            return first, last
    return now - MANUAL_WINDOW, now


def point_conditions(
    session: Session, job_id: int, bench_reading_ids: Sequence[int], now: datetime
) -> tuple[dict[str, list[Decimal]], dict[str, Any] | None]:
    """The room's logged values per quantity over the point's interval, and the record of where they came from.

    The interval is widened backwards by one logging period so that the sample in force at its start counts.
    Nothing is returned when the job has no room; a quantity without samples in the window is left out (the
    technician's entry is then used, marked ``manual``, by the caller).
    """
    env = job_environment(session, job_id)
    if env is None or env.room_id is None:
        return {}, None
    room = get_room(session, env.room_id)
    start, end = point_interval(session, bench_reading_ids, now)
    rows = series(session, room.id, start - timedelta(seconds=room.log_period_s), end)
    values: dict[str, list[Decimal]] = {}
    for row in rows:
        values.setdefault(row.quantity, []).append(Decimal(row.value))
    record = {
        "room": room.code,
        "from": start.astimezone(UTC).isoformat(),
        "to": end.astimezone(UTC).isoformat(),
        "samples": len(rows),
        "sources": dict.fromkeys(values, "logger"),
    }
    return values, record


def justification(session: Session, job_id: int) -> str | None:
    env = job_environment(session, job_id)
    return None if env is None or not (env.justification or "").strip() else env.justification


def justify(
    session: Session, job_id: int, text: str, *, user: User, now: datetime | None = None
) -> JobEnvironment:
    """A reviewer's (or signatory's) justification for results measured outside the environmental limits."""
    if user.role not in (Role.REVIEWER, Role.SIGNATORY):
        raise RoomError(N_("Only a reviewer or a signatory records the justification."))
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound()
    if job.state not in (JobState.MEASURED, JobState.REVIEWED):
        raise RoomError(N_("The justification is recorded while the job is reviewed."))
    if job.measured_by_id == user.id or job.technician_id == user.id:
        raise RoomError(N_("Nobody justifies their own measurements."))
    if len(text.strip()) < 10:
        raise RoomError(N_("Explain why the results remain valid (at least 10 characters)."))
    row = session.get(JobEnvironment, job_id)
    if row is None:
        row = JobEnvironment(job_id=job_id)
        session.add(row)
    row.justification = text.strip()[:4000]
    row.justified_by_id, row.justified_at = user.id, now or datetime.now(UTC)
    session.flush()
    return row

"""Readings delivered by bench agents, stored exactly once and exactly as sent (docs/bench-agent.md).

:func:`record_readings` implements the contract of ``POST /api/v1/jobs/{job_number}/points/{point_id}/readings``
and of the direct database sink: every reading is answered in exactly one of ``accepted`` (stored now),
``duplicates`` (its idempotency key was already stored: a confirmation, the body is not compared) and
``rejected`` (refused for good, with the reason). Problems with the request as a whole raise instead: a
malformed batch (:class:`BatchInvalid`), an actor not authorised to perform the procedure
(:class:`~lims.services.access.authorisations.AuthorisationRefused`), an unknown job or test point
(:class:`~lims.errors.NotFound`), a job that does not accept readings (:class:`~lims.services.jobs.errors.JobLocked`).
The web layer gives each its HTTP status (:mod:`lims.web.status`).

The value is kept as the text the instrument sent (``"100.010"`` stays ``"100.010"``), never through a binary
float (ISO/IEC 17025:2017 7.5.1, original observations; 7.11.3 data integrity). The UNIQUE index on the
idempotency key is the guard against storing a reading twice, also when two deliveries of the same batch
race: the insert is ``INSERT … ON CONFLICT (idempotency_key) DO NOTHING RETURNING`` on SQLite and PostgreSQL.

Test points are named ``P1``, ``P2``… in the order of the job's test points (``P1`` is index 0, the first
point on the bench page, "Point 1").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import false, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from instruments.numbers import is_decimal
from lims.domain.authorisation import AuthorisedRole
from lims.errors import N_, LimsError, NotFound
from lims.models import BenchReading, Job, JobState, Role, User
from lims.services.access import authorisations, legal
from lims.services.jobs.errors import JobLocked, no_procedure
from lims.services.jobs.points import test_points
from lims.services.jobs.procedures import domain_procedure

MAX_BATCH = 100
KEY_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")
POINT_ID_RE = re.compile(r"P([1-9][0-9]{0,3})")
TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?Z")
MAX_VALUE_CHARS = 50
MAX_RAW_CHARS = 2000
MAX_IDENTITY_CHARS = 100
MAX_UNIT_CHARS = 20
POLL_LIMIT = 500


class BatchInvalid(LimsError, ValueError):
    """The body is not a batch of readings this contract accepts."""

    template = N_("Invalid batch of readings: %(reason)s")


@dataclass(frozen=True, slots=True)
class ReadingActor:
    """On whose authority readings are stored: the user, and the bench token when it came over the API.

    ``source`` is ``"api"``, ``"direct"`` (``lims bench capture --database``) or ``"station:<name>"``.
    """

    user_id: int
    source: str = "api"
    token_id: int | None = None
    capture_request_id: int | None = None


def point_id(point_index: int) -> str:
    """The point id of a 0-based point index: ``P1`` for the first test point.

    >>> point_id(0), point_id(4)
    ('P1', 'P5')
    """
    return f"P{point_index + 1}"


def point_index(point_id_text: str) -> int:
    """The 0-based index of a point id ``P<n>``; :class:`~lims.errors.NotFound` for anything else.

    >>> point_index("P3")
    2
    """
    match = POINT_ID_RE.fullmatch(point_id_text)
    if match is None:
        raise NotFound()
    return int(match.group(1)) - 1


def _key_of(item: Any) -> str:
    if not isinstance(item, Mapping):
        raise BatchInvalid(reason="every reading must be a JSON object")
    key = item.get("idempotency_key")
    if not isinstance(key, str) or not KEY_RE.fullmatch(key):
        raise BatchInvalid(
            reason="every reading needs an idempotency_key of 1 to 100 letters, digits or ._:-"
        )
    return key


def _keys(readings: Any) -> list[str]:
    if not isinstance(readings, list):
        raise BatchInvalid(reason="readings must be a list")
    if not readings:
        raise BatchInvalid(reason="the batch is empty")
    if len(readings) > MAX_BATCH:
        raise BatchInvalid(reason=f"a batch holds at most {MAX_BATCH} readings, got {len(readings)}")
    keys = [_key_of(item) for item in readings]
    if len(set(keys)) != len(keys):
        raise BatchInvalid(reason="an idempotency_key appears twice in the batch")
    return keys


def _text(item: Mapping[str, Any], name: str, limit: int, *, empty: bool = False) -> str:
    value = item.get(name)
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string")
    if not empty and not value.strip():
        raise ValueError(f"{name} is empty")
    if len(value) > limit:
        raise ValueError(f"{name} is longer than {limit} characters")
    return value


def parse_time(text: str) -> datetime:
    """``2026-11-22T18:43:25.068039Z`` (UTC, ``Z`` suffix, 0–6 decimals) as an aware datetime."""
    if not TIME_RE.fullmatch(text):
        raise ValueError(f"time must be UTC ISO 8601 ending in Z, got {text[:40]!r}")
    try:
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)
    except ValueError:
        raise ValueError(f"time is not a valid date and time: {text[:40]!r}") from None


def _row(item: Mapping[str, Any], key: str, *, unit: str) -> dict[str, Any]:
    """The columns of one reading, or ``ValueError`` naming the first field that is wrong."""
    value = _text(item, "value", MAX_VALUE_CHARS)
    if not is_decimal(value):
        raise ValueError(f"value {value[:MAX_VALUE_CHARS]!r} is not a decimal number")
    sent_unit = _text(item, "unit", MAX_UNIT_CHARS)
    if sent_unit != unit:
        raise ValueError(f"unit {sent_unit!r} not allowed for this test point (expected {unit!r})")
    stable = item.get("stable", "missing")
    if stable is not None and not isinstance(stable, bool):
        raise ValueError("stable must be true, false or null")
    seq = item.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq < 2**31:
        raise ValueError("seq must be a whole number from 1")
    moment = parse_time(_text(item, "time", 40))
    raw = _text(item, "raw", MAX_RAW_CHARS, empty=True)
    try:
        raw.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError("raw must be the frame decoded as Latin-1 (one character per byte)") from None
    who = item.get("instrument")
    if not isinstance(who, Mapping):
        raise ValueError("instrument must be an object")
    identity = {
        name: _text(who, name, MAX_IDENTITY_CHARS, empty=name != "manufacturer")
        for name in ("manufacturer", "model", "serial_number")
    }
    firmware = who.get("firmware", "")
    if not isinstance(firmware, str) or len(firmware) > MAX_IDENTITY_CHARS:
        raise ValueError(f"instrument.firmware must be a string of at most {MAX_IDENTITY_CHARS} characters")
    return {
        "idempotency_key": key,
        "value": value,
        "unit": sent_unit,
        "stable": stable,
        "seq": seq,
        "instrument_time": moment,
        "raw": raw,
        "firmware": firmware,
        **identity,
    }


def _job(session: Session, job_number: str) -> Job:
    job = session.scalar(select(Job).where(Job.number == job_number))
    if job is None:
        raise NotFound()
    return job


def check_can_measure(session: Session, job: Job, index: int, user: User, on: date) -> str:
    """The unit of the point's readings, once the job, the point and the person are all right.

    :raises NotFound: no such test point. :raises JobLocked: the job is not in progress.
    :raises AuthorisationRefused: ``user`` may not perform the job's procedure on ``on``.
    """
    if job.state != JobState.IN_PROGRESS:
        raise JobLocked(number=job.number, state=job.state.value)
    if job.procedure is None:
        raise no_procedure(job)
    if user.role == Role.CUSTOMER or not user.is_active:
        raise authorisations.AuthorisationRefused(
            reason=f"{user.username} may not take readings for the laboratory"
        )
    authorisations.require(session, user, job.procedure.code, AuthorisedRole.PERFORM, on)
    legal.check_transition(session, job, user, perform_or_sign=True, starting=False, on=on)
    if not 0 <= index < len(test_points(job)):
        raise NotFound()
    return domain_procedure(job.procedure).unit


def _write_first(session: Session) -> None:
    """On SQLite, take the write lock before reading, so a concurrent writer makes us wait, not fail.

    A SQLite transaction that read first and then writes after another connection committed fails at once
    with "database is locked" (its snapshot is stale; the busy timeout does not apply). A write that changes
    nothing takes the lock at the start and waits for it within the busy timeout instead.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(BenchReading).where(false()).values(seq=BenchReading.seq))


def _insert(session: Session, rows: list[dict[str, Any]]) -> set[str]:
    """Insert, skipping keys already stored (also by a concurrent transaction); the keys stored now.

    One cached statement executed with many parameter sets (SQLAlchemy batches them into multi-row
    ``INSERT … VALUES … ON CONFLICT DO NOTHING RETURNING``), so no statement is compiled per batch.
    """
    if not rows:
        return set()
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    table = BenchReading.__table__
    stmt = (
        module.insert(table)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(table.c.idempotency_key)
    )
    return set(session.connection().execute(stmt, rows).scalars())


def record_readings(
    session: Session,
    job_number: str,
    point_id: str,
    readings: list[dict[str, Any]],
    actor: ReadingActor,
    *,
    now: datetime | None = None,
) -> dict[str, list[Any]]:
    """Store a batch of readings for one job's test point; see the module docstring for the contract.

    Returns ``{"accepted": [key…], "duplicates": [key…], "rejected": [{"idempotency_key", "error"}…]}`` with
    every key of the batch in exactly one list, in the batch's order. The caller commits.
    Keys already stored are answered as duplicates before anything else is checked, so a resend after a
    lost reply is confirmed even once the job has moved on.
    """
    now = now or datetime.now(UTC)
    keys = _keys(readings)
    _write_first(session)
    held = set(
        session.scalars(select(BenchReading.idempotency_key).where(BenchReading.idempotency_key.in_(keys)))
    )
    rejected: dict[str, str] = {}
    rows: list[dict[str, Any]] = []
    if len(held) < len(keys):
        user = session.get(User, actor.user_id)
        if user is None:
            raise authorisations.AuthorisationRefused(reason=f"user {actor.user_id} does not exist")
        job = _job(session, job_number)
        index = point_index(point_id)
        unit = check_can_measure(session, job, index, user, now.date())
        for key, item in zip(keys, readings, strict=True):
            if key in held:
                continue
            try:
                row = _row(item, key, unit=unit)
            except ValueError as exc:
                rejected[key] = str(exc)
                continue
            rows.append(
                {
                    **row,
                    "job_id": job.id,
                    "point_index": index,
                    "received_at": now,
                    "user_id": user.id,
                    "token_id": actor.token_id,
                    "source": actor.source[:50],
                    "capture_request_id": actor.capture_request_id,
                    "used_in_point": False,
                }
            )
    stored = _insert(session, rows)
    return {
        "accepted": [k for k in keys if k in stored],
        "duplicates": [k for k in keys if k not in stored and k not in rejected],
        "rejected": [{"idempotency_key": k, "error": rejected[k]} for k in keys if k in rejected],
    }


def readings_for(
    session: Session, job_id: int, point_index: int, after_id: int | None = None, *, limit: int = POLL_LIMIT
) -> list[BenchReading]:
    """The point's readings in arrival order, those after ``after_id`` only when given (for polling)."""
    stmt = select(BenchReading).where(BenchReading.job_id == job_id, BenchReading.point_index == point_index)
    if after_id is not None:
        stmt = stmt.where(BenchReading.id > after_id)
    return list(session.scalars(stmt.order_by(BenchReading.id).limit(limit)))


def last_reading_id(session: Session, job_id: int, point_index: int) -> int | None:
    """The id of the point's latest reading: a capture started now shows only readings after it."""
    return session.scalar(
        select(func.max(BenchReading.id)).where(
            BenchReading.job_id == job_id, BenchReading.point_index == point_index
        )
    )


def reading_json(row: BenchReading) -> dict[str, Any]:
    """What the bench page shows of one reading (the value as sent, never reformatted)."""
    return {
        "id": row.id,
        "value": row.value,
        "unit": row.unit,
        "stable": row.stable,
        "seq": row.seq,
        "time": row.instrument_time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "instrument": f"{row.manufacturer} {row.model} {row.serial_number}".strip(),
        "used": row.used_in_point,
        "request": row.capture_request_id,
    }


def claim_used(
    session: Session, job_id: int, point_index: int, reading_ids: Sequence[int], saved: Sequence[Decimal]
) -> tuple[int, ...]:
    """The bench readings a saved point used: the ids the page filled in whose exact decimal text is among
    the saved readings (each saved reading claims one), so a value the technician retyped is not claimed.

    The comparison is exact decimal against exact decimal (the instrument's text and the form's text); no
    float is involved.
    """
    if not reading_ids:
        return ()
    wanted = {int(i) for i in reading_ids}
    remaining = list(saved)
    used: list[int] = []
    for row in readings_for(session, job_id, point_index):
        if row.id not in wanted:
            continue
        try:
            value = Decimal(row.value.strip())
        except InvalidOperation:
            continue
        for i, typed in enumerate(remaining):
            if typed == value:
                used.append(row.id)
                del remaining[i]
                break
    return tuple(used)


def mark_used(session: Session, job_id: int, point_index: int, used: Sequence[int]) -> int:
    """Flag the bench readings the saved point result lists as used (its ``bench_reading_ids``).

    The flags of the point's other readings are cleared: they show the latest save. Returns how many are set.
    """
    ids = set(used)
    session.execute(
        update(BenchReading)
        .where(BenchReading.job_id == job_id, BenchReading.point_index == point_index)
        .values(used_in_point=BenchReading.id.in_(ids) if ids else False)
        .execution_options(synchronize_session=False)
    )
    return len(ids)

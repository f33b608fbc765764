"""The bench: readings per test point, parsed and validated, stored with the live result of each point.

A point's result is computed by :func:`lims.services.bench.point_results.compute_point` with the pure rules
(the procedure's budget template, the uncertainty engine, the decision rule and the lab's CMC). Environmental
conditions outside the procedure's limits are recorded and flagged (ISO/IEC 17025:2017 6.3.3), not refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from certificates.metrology import codec as point_codec
from certificates.metrology import decimal_of
from lims.domain.authorisation import AuthorisedRole
from lims.errors import N_
from lims.models import Job, JobState, Measurement, User
from lims.services.access import authorisations, legal
from lims.services.bench import readings as bench_readings
from lims.services.bench import rooms
from lims.services.bench import weighing as bench_weighing
from lims.services.bench.point_results import compute_point
from lims.services.jobs.errors import JobConflict, JobLocked, no_procedure
from lims.services.jobs.errors import ReadingError as ReadingError  # callers catch measurements.ReadingError
from lims.services.jobs.jobs import check_version, get_job, guard_standards, job_standards
from lims.services.jobs.points import measurements as measurements  # re-exported for the bench's callers
from lims.services.jobs.points import point_frequencies
from lims.services.jobs.points import test_points as test_points  # re-exported for the bench's callers
from lims.services.jobs.procedures import domain_procedure


@dataclass(frozen=True, slots=True)
class PointInput:
    """What the bench form sends for one point: raw texts, parsed and checked here."""

    point_index: int
    readings: Sequence[str]
    reference_value: str
    environment: Mapping[str, str] = field(default_factory=dict)  # quantity -> "22.1" or "22.1; 22.4"
    as_found: bool = False
    bench_reading_ids: Sequence[int] = ()  # bench readings the page filled in (flagged used when they match)
    # A weighing method's entries, one per reading: {"zero": [...]} no-load indications before each load
    # (EURAMET cg-18) or {"added": [...]} change-point weights (OIML R 76-1 A.4.4.3), procedure unit.
    weighing: Mapping[str, Sequence[str]] = field(default_factory=dict)


def _number(text: str) -> Decimal | None:
    """The exact decimal a technician typed (comma or point); ``None`` when empty; NaN when not a number."""
    cleaned = text.strip().replace(" ", "").replace(",", ".")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return Decimal("NaN")
    return value if value.is_finite() else Decimal("NaN")


def _parse_weighing(data: PointInput, nominal: float, unit: str) -> dict[str, list[Decimal]]:
    out: dict[str, list[Decimal]] = {}
    for key, raws in data.weighing.items():
        values = []
        for raw in raws:
            value = _number(raw)
            if value is None:
                continue
            if value.is_nan():
                raise ReadingError(
                    N_("Point %(point)s: %(value)s is not a number in %(unit)s."),
                    point=f"{nominal:g}",
                    value=raw.strip(),
                    unit=unit,
                )
            values.append(value)
        out[key] = values
    return out


def _parse(
    data: PointInput, unit: str, nominal: float
) -> tuple[list[Decimal], Decimal, dict[str, list[Decimal]]]:
    readings: list[Decimal] = []
    for n, raw in enumerate(data.readings, start=1):
        value = _number(raw)
        if value is None:
            continue
        if value.is_nan():
            raise ReadingError(
                N_("Point %(point)s, reading %(n)s: %(value)s is not a number in %(unit)s."),
                point=f"{nominal:g}",
                n=n,
                value=raw.strip(),
                unit=unit,
            )
        readings.append(value)
    reference = _number(data.reference_value)
    if reference is None or reference.is_nan():
        raise ReadingError(
            N_("Point %(point)s: the reference value %(value)s is not a number in %(unit)s."),
            point=f"{nominal:g}",
            value=data.reference_value.strip() or "—",
            unit=unit,
        )
    environment: dict[str, list[Decimal]] = {}
    for quantity, raw in data.environment.items():
        values = []
        for part in raw.replace(";", " ").split():
            value = _number(part)
            if value is None or value.is_nan():
                raise ReadingError(
                    N_("Point %(point)s: %(quantity)s %(value)s is not a number."),
                    point=f"{nominal:g}",
                    quantity=quantity,
                    value=part,
                )
            values.append(value)
        if values:
            environment[quantity] = values
    return readings, reference, environment


def save_point(
    session: Session,
    job_id: int,
    data: PointInput,
    *,
    user: User,
    expected_version: int | None,
    on: date | None = None,
    now: datetime | None = None,
) -> Measurement:
    """Validate, compute and store one point; nothing is stored when anything is refused.

    Refused: a stale ``expected_version`` (:class:`JobConflict`), a job not in progress (a signed job
    cannot be edited), a technician not authorised to perform the procedure, a standard the traceability
    guard refuses, a reading that is not a number, a point outside the instrument's range, a U below the CMC.
    """
    now = now or datetime.now(UTC)
    job = get_job(session, job_id)
    check_version(job, expected_version)
    if job.state != JobState.IN_PROGRESS:
        raise JobLocked(number=job.number, state=job.state.value)
    if job.procedure is None:
        raise no_procedure(job)
    on = on or job.measured_on or now.date()
    authorisations.require(session, user, job.procedure.code, AuthorisedRole.PERFORM, on)
    legal.check_transition(session, job, user, perform_or_sign=True, starting=False, on=on)
    points = test_points(job)
    if not 0 <= data.point_index < len(points):
        raise ReadingError(N_("The job has no test point number %(n)s."), n=data.point_index + 1)
    nominal = points[data.point_index]
    frequency = point_frequencies(job)[data.point_index]
    unit = domain_procedure(job.procedure).unit
    readings, reference, environment = _parse(data, unit, nominal)
    weighing = _parse_weighing(data, nominal, unit)
    guard_standards(session, [std.id for _link, std in job_standards(session, job.id)], on)
    used_ids = bench_readings.claim_used(session, job.id, data.point_index, data.bench_reading_ids, readings)
    # the room's logged conditions over the measurement interval; the technician's entry only as a fallback
    logged, record = rooms.point_conditions(session, job.id, () if data.as_found else used_ids, now)
    sources = dict.fromkeys(environment, "manual")
    environment = {**environment, **logged}
    sources.update(dict.fromkeys(logged, "logger"))
    if record is None and sources:
        record = {"sources": sources}
    elif record is not None:
        record["sources"] = sources
    point, budget = compute_point(
        session,
        job,
        nominal,
        readings,
        reference,
        environment,
        on,
        as_found=data.as_found,
        bench_reading_ids=() if data.as_found else used_ids,
        weighing=weighing,
        frequency_hz=frequency,
    )
    stored = point_codec.encode(point, budget=budget)
    texts = [str(r) for r in readings]  # the decimal text as typed or sent, never a float
    env_texts = {q: [str(v) for v in values] for q, values in environment.items()}
    row = session.scalar(
        select(Measurement).where(Measurement.job_id == job.id, Measurement.point_index == data.point_index)
    )
    if row is None:
        row = Measurement(
            job_id=job.id,
            point_index=data.point_index,
            nominal=decimal_of(nominal),
            unit=unit,
            readings=[],
            environment={},
            result={},
            as_found={},
        )
        session.add(row)
    if data.as_found:
        row.as_found = {
            "readings": texts,
            "reference_value": str(reference),
            "environment": env_texts,
            "environment_record": record,
            "result": stored,
        }
    else:
        row.readings, row.reference_value = texts, reference
        row.environment, row.result = env_texts, stored
        row.environment_record = record
        bench_readings.mark_used(session, job.id, data.point_index, used_ids)
    if domain_procedure(job.procedure).weighing is not None:
        bench_weighing.store_entries(
            session,
            job,
            domain_procedure(job.procedure),
            data.point_index,
            nominal,
            weighing,
            as_found=data.as_found,
            user_id=user.id,
        )
    row.saved_by_id, row.updated_at = user.id, now
    job.measured_on = on
    job.updated_at = now
    if nominal == 0 and not data.as_found and domain_procedure(job.procedure).sequence_settings is not None:
        session.flush()
        # The zero point's series give f0 for every point (DKD-R 6-1): points saved before it was
        # (re-)measured are computed again, so none keeps a zero deviation that no longer holds.
        recompute_points(session, job, on, skip=row.id)
    try:
        session.flush()
    except StaleDataError:
        raise JobConflict(number=job.number, current="?", seen=expected_version) from None
    return row


def flags(session: Session, job: Job) -> dict[str, list[str]]:
    """What a reviewer must see: environmental deviations and results outside the accredited scope."""
    out: dict[str, list[str]] = {"environment": [], "outside_scope": []}
    for m in measurements(session, job.id).values():
        for point in (m.point, m.as_found_point):
            if point is None:
                continue
            out["environment"].extend(point.deviations)
            if not point.within_scope:
                out["outside_scope"].append(f"{point.nominal.normalize():f} {point.unit}")
    return out


def recompute_points(session: Session, job: Job, on: date, *, skip: int | None = None) -> int:
    """Recompute every as-left point of ``job`` (but the row ``skip``) from its stored entries, after what
    its budgets share changed: a weighing test's repeatability or eccentricity, a gauge's zero point;
    returns the number of points recomputed."""
    points = test_points(job)
    frequencies = point_frequencies(job)
    count = 0
    for index, row in measurements(session, job.id).items():
        if row.id == skip or not row.result or index >= len(points) or row.reference_value is None:
            continue
        stored = row.point
        point, budget = compute_point(
            session,
            job,
            points[index],
            [Decimal(str(r)) for r in row.readings],
            Decimal(str(row.reference_value)),
            {q: [Decimal(str(v)) for v in vs] for q, vs in (row.environment or {}).items()},
            on,
            bench_reading_ids=stored.bench_reading_ids if stored else (),
            weighing=bench_weighing.entries_of(session, job.id, index),
            frequency_hz=frequencies[index],
        )
        row.result = point_codec.encode(point, budget=budget)
        count += 1
    session.flush()
    return count

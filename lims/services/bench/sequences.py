"""Automated sequences asked for from the bench page (issue 18 item 3): queue, command, typed indications,
progress; the station worker runs them with :class:`instruments.sequence.SequenceRunner`.

A sequence runs the job's test points in order with the source the procedure declares
(:mod:`lims.domain.automation`) on a bench station using that driver. The technician may pause (the source is
made safe, the point set again on resume) or abort (made safe, the run ends) at any time; where the unit under
test has no interface the page asks for its indications at each point and the sequence waits. Typed
indications become the point's bench readings (journal first, on the technician's authority), as a capture's
would, and the technician saves the point on the bench as usual, with the reference value the sequence read.

Where the unit under test has an interface (a DMM over SCPI, a digital pressure indicator), the technician
chooses its bench station when starting: the worker then reads it ``n`` times at each point instead of asking.
A pressure gauge's points are visited in the DKD-R 6-1 order its accuracy class selects (preloads, then the
rising and falling series, one reading per point and series: :func:`instruments.sequence.plan_visits`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from instruments.sequence import Visit, plan_visits
from lims.domain.automation import SOURCE_ONLY, Automation, declared
from lims.domain.errors import DomainError
from lims.errors import N_, LimsError, NotFound
from lims.models import BenchStation, Job, Room, SequenceRun, User
from lims.services.bench import stations as bench_stations
from lims.services.bench.readings import check_can_measure
from lims.services.jobs.errors import ReadingError
from lims.services.jobs.points import instrument_under_test, test_points
from lims.services.jobs.procedures import domain_procedure

ACTIVE = ("queued", "running", "paused")
COMMANDS = ("run", "pause", "abort")


class SequenceRefused(LimsError, ValueError):
    template = N_("The sequence could not be started.")


def automation_of(job: Job) -> Automation | None:
    """The automated sequence the job's procedure declares, or None."""
    return None if job.procedure is None else declared(job.procedure.definition)


def domain_unit(job: Job) -> str:
    """The unit of the job's readings (the procedure's)."""
    if job.procedure is None:
        raise NotFound()
    return domain_procedure(job.procedure).unit


def stations_for(session: Session, job: Job) -> list[BenchStation]:
    """Active stations whose driver is the source the procedure declares."""
    plan = automation_of(job)
    if plan is None:
        return []
    return list(
        session.scalars(
            select(BenchStation)
            .where(BenchStation.driver == plan.driver, BenchStation.is_active.is_(True))
            .order_by(BenchStation.name)
        )
    )


def uut_stations_for(session: Session, job: Job) -> list[BenchStation]:
    """Stations that may read the unit under test: those the bench offers for the job's captures
    (:func:`lims.services.bench.stations.stations_for`: the procedure's quantity and unit), but neither a
    source that only reads back its own setting (a calibrator) nor a room's logger."""
    if automation_of(job) is None:
        return []
    loggers = set(session.scalars(select(Room.station_id).where(Room.station_id.is_not(None))))
    return [
        s
        for s in bench_stations.stations_for(session, job)
        if s.driver not in SOURCE_ONLY and s.id not in loggers
    ]


def visits_of(job: Job, plan: Automation) -> list[Visit]:
    """The source's settings in order: one per point read ``plan.readings`` times, or the DKD-R 6-1 sequence
    the gauge's accuracy class selects (preloads, rising and falling series, one reading each)."""
    if job.procedure is None:
        raise NotFound()
    points = [Decimal(format(Decimal(repr(p)).normalize(), "f")) for p in test_points(job)]
    proc = domain_procedure(job.procedure)
    try:
        sequence = proc.sequence_for(instrument_under_test(job))
    except DomainError as exc:
        raise ReadingError(N_("Test points: %(reason)s"), reason=str(exc)) from exc
    if sequence is None:
        return plan_visits(points, readings=plan.readings)
    return plan_visits(points, readings=1, directions=sequence.directions, preloads=sequence.preloads)


def run_visits(row: SequenceRun) -> list[Visit]:
    """The run's visits (a run queued before visits were stored: one per point, the procedure's readings)."""
    if row.visits:
        return [Visit.from_json(v) for v in row.visits]
    return [Visit(i, Decimal(p), 0) for i, p in enumerate(row.points)]


def active(session: Session, job_id: int) -> SequenceRun | None:
    return session.scalar(
        select(SequenceRun)
        .where(SequenceRun.job_id == job_id, SequenceRun.state.in_(ACTIVE))
        .order_by(SequenceRun.id.desc())
        .limit(1)
    )


def latest(session: Session, job_id: int) -> SequenceRun | None:
    return session.scalar(
        select(SequenceRun).where(SequenceRun.job_id == job_id).order_by(SequenceRun.id.desc()).limit(1)
    )


def start(
    session: Session,
    job_id: int,
    station_id: int,
    *,
    user: User,
    uut_station_id: int | None = None,
    now: datetime | None = None,
) -> SequenceRun:
    """Queue a sequence of every test point of the job (checked as readings will be: job, person); with
    ``uut_station_id`` the unit under test is read through that station instead of typed."""
    now = now or datetime.now(UTC)
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound()
    check_can_measure(session, job, 0, user, now.date())
    plan = automation_of(job)
    if plan is None:
        raise SequenceRefused(N_("The procedure of this job declares no automated sequence."))
    station = session.get(BenchStation, station_id)
    if station is None or not station.is_active or station.driver != plan.driver:
        raise SequenceRefused(
            N_("Choose an active bench station with the source %(driver)s."), driver=plan.driver
        )
    uut = None
    if uut_station_id is not None:
        uut = session.get(BenchStation, uut_station_id)
        if uut is None or uut.id == station.id or uut not in uut_stations_for(session, job):
            raise SequenceRefused(
                N_("Choose an active bench station that can read the instrument under test.")
            )
    if active(session, job_id) is not None:
        raise SequenceRefused(N_("A sequence of this job is already running."))
    visits = visits_of(job, plan)
    row = SequenceRun(
        job_id=job.id,
        station_id=station.id,
        driver=station.driver,
        port_url=station.port_url,
        requested_by_id=user.id,
        state="queued",
        command="run",
        points=[format(Decimal(repr(p)).normalize(), "f") for p in test_points(job)],
        visits=[v.to_json() for v in visits],
        visit_index=0,
        uut_station_id=None if uut is None else uut.id,
        uut_driver=None if uut is None else uut.driver,
        uut_port_url=None if uut is None else uut.port_url,
        point_index=0,
        step="queued",
        entries={},
        requested_at=now,
    )
    session.add(row)
    session.flush()
    return row


def _own(session: Session, run_id: int, job_id: int) -> SequenceRun:
    row = session.get(SequenceRun, run_id)
    if row is None or row.job_id != job_id:
        raise NotFound()
    return row


def command(session: Session, job_id: int, run_id: int, wanted: str) -> SequenceRun:
    """The technician's pause, resume (``run``) or abort; the worker acts on it at its next step."""
    if wanted not in COMMANDS:
        raise SequenceRefused(N_("Unknown command."))
    row = _own(session, run_id, job_id)
    if row.state not in ACTIVE:
        raise SequenceRefused(N_("The sequence has ended."))
    if row.state == "queued" and wanted == "abort":
        row.state, row.step, row.finished_at = "aborted", "aborted", datetime.now(UTC)
    row.command = wanted
    session.flush()
    return row


def enter(session: Session, job_id: int, run_id: int, index: int, texts: list[str]) -> SequenceRun:
    """The unit under test's indications at visit ``index`` (a point, or a point in one series of a pressure
    gauge) as typed (comma or point); all or none."""
    row = _own(session, run_id, job_id)
    job = session.get(Job, job_id)
    plan = automation_of(job) if job else None
    if row.state not in ACTIVE or plan is None:
        raise SequenceRefused(N_("The sequence has ended."))
    values = []
    for n, text in enumerate(texts, start=1):
        cleaned = text.strip().replace(" ", "").replace(",", ".")
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            raise SequenceRefused(
                N_("Indication %(n)s: %(value)s is not a number."), n=n, value=text.strip() or "—"
            )
        values.append(cleaned)
    visits = run_visits(row)
    if not 0 <= index < len(visits):
        raise NotFound()
    wanted = visits[index].readings or plan.readings
    if len(values) != wanted:
        raise SequenceRefused(N_("Give %(n)s indications."), n=wanted)
    row.entries = {**(row.entries or {}), str(index): values}
    session.flush()
    return row


def status(row: SequenceRun | None) -> dict[str, Any] | None:
    """The progress the bench page polls."""
    if row is None:
        return None
    visits = run_visits(row)
    visit = visits[row.visit_index] if 0 <= row.visit_index < len(visits) else None
    return {
        "id": row.id,
        "state": row.state,
        "command": row.command,
        "point_index": row.point_index,
        "points": row.points,
        "step": row.step,
        "reference": row.reference,
        "error": row.error,
        "visit_index": row.visit_index,
        "visits": len(visits),
        "label": visit.label if visit else "",
        "readings": visit.readings if visit else 0,
        "uut_station_id": row.uut_station_id,
        "entered": sorted(int(k) for k in (row.entries or {})),
    }


# --- the worker's side -------------------------------------------------------------------------------------


def claim_next(
    session: Session, station_id: int, *, worker: str, now: datetime | None = None
) -> SequenceRun | None:
    """Take the station's oldest queued sequence (compare-and-set on the state); the caller commits."""
    pick = (
        select(SequenceRun.id)
        .where(SequenceRun.station_id == station_id, SequenceRun.state == "queued")
        .order_by(SequenceRun.id)
        .limit(1)
    )
    candidate = session.scalar(pick)
    if candidate is None:
        return None
    taken = session.scalar(
        update(SequenceRun)
        .where(SequenceRun.id == candidate, SequenceRun.state == "queued")
        .values(state="running", claimed_by=worker[:100], started_at=now or datetime.now(UTC))
        .returning(SequenceRun.id)
        .execution_options(synchronize_session=False)
    )
    return None if taken is None else session.get(SequenceRun, taken, populate_existing=True)


def progress(
    session: Session,
    run_id: int,
    *,
    point_index: int,
    step: str,
    reference: str | None,
    visit_index: int | None = None,
) -> None:
    """The worker's progress, in one UPDATE (no read first: on SQLite a read-then-write transaction fails
    when the delivery thread wrote in between)."""
    values: dict[str, Any] = {"point_index": point_index, "step": step[:50]}
    if visit_index is not None:
        values["visit_index"] = visit_index
    if reference is not None:
        values["reference"] = reference[:50]
    values["state"] = (
        "paused"
        if step == "paused"
        else case((SequenceRun.state == "paused", "running"), else_=SequenceRun.state)
    )
    session.execute(
        update(SequenceRun)
        .where(SequenceRun.id == run_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def finish(
    session: Session, run_id: int, *, state: str, error: str | None, now: datetime | None = None
) -> None:
    session.execute(
        update(SequenceRun)
        .where(SequenceRun.id == run_id)
        .values(
            state=state,
            step=state,
            error=error[:2000] if error else None,
            finished_at=now or datetime.now(UTC),
        )
        .execution_options(synchronize_session=False)
    )


def abandon_running(session: Session, station_id: int, *, host: str, now: datetime | None = None) -> int:
    """Fail the station's sequences a worker of ``host`` left running or paused (it stopped); the caller has
    made the source safe from the journal first. Returns how many."""
    result = session.execute(
        update(SequenceRun)
        .where(
            SequenceRun.station_id == station_id,
            SequenceRun.state.in_(("running", "paused")),
            SequenceRun.claimed_by.startswith(f"{host}:", autoescape=True),
        )
        .values(
            state="failed",
            step="failed",
            finished_at=now or datetime.now(UTC),
            error="the station worker stopped before the sequence ended; the source was made safe",
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]

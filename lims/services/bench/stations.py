"""Bench stations and the capture requests queued for them from the bench page.

The web server usually has no serial port and may run several workers on several machines, so a capture
started from the page is a row in ``capture_request``; the station worker on the bench PC
(:mod:`lims.services.bench.worker`, ``lims bench station --name NAME``) claims the rows of its station.
Claiming is a compare-and-set ``UPDATE … WHERE state = 'queued' RETURNING id`` (one winner on any
database). On PostgreSQL the candidate row is first picked with ``FOR UPDATE SKIP LOCKED`` so that workers
do not queue behind each other's locks; on SQLite the pick is a subquery of the same UPDATE, which holds the
database's single write lock while it reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from instruments import registry
from instruments.errors import InstrumentError
from lims.domain.errors import DomainError
from lims.domain.unit_conversion import comparable
from lims.errors import N_, LimsError, NotFound
from lims.models import BenchStation, CaptureRequest, CaptureState, Job, Quantity, User
from lims.services.bench.readings import check_can_measure
from lims.services.jobs.errors import ReadingError, no_procedure
from lims.services.jobs.points import instrument_under_test
from lims.services.jobs.procedures import domain_procedure

MAX_COUNT = 100
MAX_INTERVAL_S = 600.0


class StationError(LimsError, ValueError):
    template = N_("The bench station could not be used: %(reason)s")


class StationUnfit(StationError):
    template = N_("Bench station %(name)s cannot read this procedure's quantity: choose another station.")


@dataclass(frozen=True, slots=True)
class StationInput:
    name: str
    driver: str
    port_url: str
    description: str | None = None
    is_active: bool = True
    unit: str | None = None  # the unit readings must carry, when not the instrument's own


def save_station(session: Session, data: StationInput) -> BenchStation:
    """Create or update the station ``data.name``; the driver must be a registered driver name."""
    name, port = data.name.strip(), data.port_url.strip()
    if not name or len(name) > 50:
        raise StationError(reason="the name must have 1 to 50 characters")
    if not port:
        raise StationError(reason="the port is required")
    try:
        registry.get(data.driver)
    except InstrumentError as exc:
        raise StationError(reason=str(exc)) from exc
    unit = (data.unit or "").strip() or None
    if unit is not None and (len(unit) > 20 or not unit.isprintable() or " " in unit):
        raise StationError(reason="the unit must be one word of at most 20 characters, e.g. g or kPa")
    row = session.scalar(select(BenchStation).where(BenchStation.name == name))
    if row is None:
        row = BenchStation(name=name, driver=data.driver, port_url=port)
        session.add(row)
    row.driver, row.port_url, row.description, row.is_active, row.unit = (
        data.driver,
        port,
        data.description,
        data.is_active,
        unit,
    )
    session.flush()
    return row


def stations(session: Session, *, active_only: bool = True) -> list[BenchStation]:
    stmt = select(BenchStation).order_by(BenchStation.name)
    if active_only:
        stmt = stmt.where(BenchStation.is_active.is_(True))
    return list(session.scalars(stmt))


# The field of measurement each bundled driver reads (instruments/registry.py names). A station whose driver
# is not listed (a lab's own line profile, Modbus) fits a procedure when its declared unit converts to the
# procedure's unit.
DRIVER_QUANTITIES: dict[str, Quantity] = {
    "mt-sics": Quantity.MASS,
    "sartorius-sbi": Quantity.MASS,
    "scpi-dmm": Quantity.ELECTRICAL,
    "fluke-5520a": Quantity.ELECTRICAL,
    "fluke-1529": Quantity.TEMPERATURE,
    "fluke-1522": Quantity.TEMPERATURE,
    "druck-pace": Quantity.PRESSURE,
}


def _unit_fits(unit: str | None, to: str) -> bool:
    return bool(unit) and comparable(unit or "", to)


def station_fits(station: BenchStation, quantity: Quantity, unit: str) -> bool:
    """Whether ``station``'s driver can read a procedure of ``quantity`` in ``unit`` (the bench offers only
    these: a thermometer job never offers the multimeter)."""
    known = DRIVER_QUANTITIES.get(station.driver)
    if known is not None:
        return known == quantity and (station.unit is None or _unit_fits(station.unit, unit))
    return _unit_fits(station.unit, unit)


def stations_for(session: Session, job: Job) -> list[BenchStation]:
    """The active stations whose driver fits the job's procedure."""
    if job.procedure is None:
        return []
    unit = domain_procedure(job.procedure).unit
    return [s for s in stations(session) if station_fits(s, job.procedure.quantity, unit)]


def station_by_name(session: Session, name: str) -> BenchStation:
    row = session.scalar(select(BenchStation).where(BenchStation.name == name))
    if row is None:
        raise StationError(reason=f"no bench station named {name!r}")
    return row


def request_capture(
    session: Session,
    job_id: int,
    point_index: int,
    station_id: int,
    *,
    user: User,
    count: int | None = None,
    interval_s: float = 0.0,
    now: datetime | None = None,
) -> CaptureRequest:
    """Queue a capture for a job's test point on a station, checked as readings will be (job, point, person).

    ``count`` defaults to the readings a point needs (the procedure's repetitions, or its DKD-R 6-1 series).
    """
    now = now or datetime.now(UTC)
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound()
    check_can_measure(session, job, point_index, user, now.date())
    station = session.get(BenchStation, station_id)
    if station is None or not station.is_active:
        raise StationError(reason="choose an active bench station")
    if job.procedure is None:
        raise no_procedure(job)
    if not station_fits(station, job.procedure.quantity, domain_procedure(job.procedure).unit):
        raise StationUnfit(name=station.name)
    if not count:
        proc = domain_procedure(job.procedure)
        try:
            count = proc.readings_per_point(instrument_under_test(job))
        except (DomainError, ReadingError):  # no class or range yet: the checks at saving will say so
            count = proc.repetitions
    if not 1 <= count <= MAX_COUNT:
        raise StationError(reason=f"the number of readings must be 1 to {MAX_COUNT}")
    if not 0 <= interval_s <= MAX_INTERVAL_S:
        raise StationError(reason=f"the interval must be 0 to {MAX_INTERVAL_S:g} s")
    row = CaptureRequest(
        job_id=job.id,
        point_index=point_index,
        station_id=station.id,
        driver=station.driver,
        port_url=station.port_url,
        count=count,
        interval_s=interval_s,
        requested_by_id=user.id,
        state=CaptureState.QUEUED,
        requested_at=now,
        readings_taken=0,
    )
    session.add(row)
    session.flush()
    return row


def claim_next(
    session: Session, station_id: int, *, worker: str, now: datetime | None = None
) -> CaptureRequest | None:
    """Take the oldest queued request of the station, or None; the caller commits at once.

    Two workers of one station never both get a request: the state only moves from ``queued`` to
    ``running`` once (compare-and-set), and PostgreSQL's ``SKIP LOCKED`` lets the loser look further.
    """
    now = now or datetime.now(UTC)
    pick = (
        select(CaptureRequest.id)
        .where(CaptureRequest.station_id == station_id, CaptureRequest.state == CaptureState.QUEUED)
        .order_by(CaptureRequest.id)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        candidate = session.scalar(pick.with_for_update(skip_locked=True))
        if candidate is None:
            return None
        target = CaptureRequest.id == candidate
    else:
        # SQLite: one UPDATE whose subquery picks the row; it takes the write lock before reading, so a
        # second worker waits for the first to commit and then finds the row no longer queued.
        target = CaptureRequest.id == pick.scalar_subquery()
    taken = session.scalar(
        update(CaptureRequest)
        .where(target, CaptureRequest.state == CaptureState.QUEUED)
        .values(state=CaptureState.RUNNING, claimed_by=worker[:100], started_at=now)
        .returning(CaptureRequest.id)
        .execution_options(synchronize_session=False)
    )
    if taken is None:
        return None
    return session.get(CaptureRequest, taken, populate_existing=True)


def abandon_running(session: Session, station_id: int, *, host: str, now: datetime | None = None) -> int:
    """Fail the station's requests left ``running`` by a worker of ``host`` that stopped (crash, power cut).

    Called when a worker starts: a station is one instrument on one PC, so a request still running for a
    worker of the same host cannot finish any more. The readings it journaled are still delivered from the
    journal. Returns how many requests were failed.
    """
    result = session.execute(
        update(CaptureRequest)
        .where(
            CaptureRequest.station_id == station_id,
            CaptureRequest.state == CaptureState.RUNNING,
            CaptureRequest.claimed_by.startswith(f"{host}:", autoescape=True),
        )
        .values(
            state=CaptureState.FAILED,
            error="the station worker stopped before the capture finished",
            finished_at=now or datetime.now(UTC),
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def finish(
    session: Session, request_id: int, *, error: str | None, readings_taken: int, now: datetime | None = None
) -> CaptureRequest:
    """Record the end of a capture: ``done``, or ``failed`` with the error the worker met."""
    row = session.get(CaptureRequest, request_id)
    if row is None:
        raise NotFound()
    row.state = CaptureState.FAILED if error else CaptureState.DONE
    row.error = error[:2000] if error else None
    row.readings_taken = readings_taken
    row.finished_at = now or datetime.now(UTC)
    session.flush()
    return row


def active_requests(session: Session, job_id: int) -> dict[int, CaptureRequest]:
    """The job's captures still queued or running, by point index (the page resumes following them)."""
    rows = session.scalars(
        select(CaptureRequest)
        .where(
            CaptureRequest.job_id == job_id,
            CaptureRequest.state.in_((CaptureState.QUEUED, CaptureState.RUNNING)),
        )
        .order_by(CaptureRequest.id)
    )
    return {row.point_index: row for row in rows}


def latest_request(session: Session, job_id: int, point_index: int) -> CaptureRequest | None:
    return session.scalar(
        select(CaptureRequest)
        .where(CaptureRequest.job_id == job_id, CaptureRequest.point_index == point_index)
        .order_by(CaptureRequest.id.desc())
        .limit(1)
    )

"""Job listings: by state, per technician, with age and overdue flags; and instruments search."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import BindParameter, ColumnElement, String, bindparam, false, or_, select
from sqlalchemy.orm import Session, joinedload

from lims.models import CustomerInstrument, Enterprise, Job, JobState, Procedure, User
from lims.services.common.pagination import Page, keyset_page

OPEN_STATES = (
    JobState.REQUESTED,
    JobState.RECEIVED,
    JobState.IN_PROGRESS,
    JobState.MEASURED,
    JobState.REVIEWED,
    JobState.APPROVED,
    JobState.ON_HOLD,
)


def list_jobs(
    session: Session,
    *,
    state: JobState | None = None,
    technician_id: int | None = None,
    enterprise_id: int | None = None,
    conditions: Sequence[ColumnElement[bool]] = (),
    after: int | None = None,
    size: int = 50,
) -> Page[Job]:
    """Jobs newest first; ``conditions`` are a work queue's (lims.services.jobs.queues)."""
    stmt = select(Job).options(
        joinedload(Job.enterprise), joinedload(Job.instrument), joinedload(Job.procedure)
    )
    if conditions:
        stmt = stmt.where(*conditions)
    if state is not None:
        stmt = stmt.where(Job.state == state)
    if technician_id is not None:
        stmt = stmt.where(Job.technician_id == technician_id)
    if enterprise_id is not None:
        stmt = stmt.where(Job.enterprise_id == enterprise_id)
    return keyset_page(session, stmt, Job.id, after=after, size=size)


def is_overdue(job: Job, today: date) -> bool:
    return job.due_on is not None and job.due_on < today and job.state in OPEN_STATES


@dataclass
class TechnicianLoad:
    technician: str
    by_state: dict[str, int] = field(default_factory=dict)
    oldest_days: int = 0
    overdue: int = 0
    jobs: list[Job] = field(default_factory=list)


def workload(session: Session, today: date, *, by: str = "technician") -> list[TechnicianLoad]:
    """Open jobs per technician (unassigned ones under "") or per lab section (the procedure's quantity:
    mass, pressure, temperature, electrical…): count by state, oldest age in days, overdue."""
    if by not in ("technician", "section"):
        raise ValueError(by)
    rows = session.execute(
        select(Job, User.full_name, Procedure.quantity)
        .outerjoin(User, User.id == Job.technician_id)
        .outerjoin(Procedure, Procedure.id == Job.procedure_id)
        .where(Job.state.in_(OPEN_STATES))
        .order_by(Job.due_on, Job.id)
        .options(joinedload(Job.instrument))
    ).all()
    loads: dict[str, TechnicianLoad] = {}
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for job, name, quantity in rows:
        key = (name or "") if by == "technician" else (quantity.value if quantity is not None else "")
        load = loads.setdefault(key, TechnicianLoad(key))
        counts[key][job.state.value] += 1
        load.oldest_days = max(load.oldest_days, (today - job.requested_on).days)
        load.overdue += is_overdue(job, today)
        load.jobs.append(job)
    for key, load in loads.items():
        load.by_state = dict(counts[key])
    return sorted(loads.values(), key=lambda t: (t.technician == "", t.technician))


ENTERPRISES_LISTED = 500
SUBSTRING_FROM = 3  # characters: shorter terms match the beginning of a field


def search_pattern(text: str) -> BindParameter[str]:
    """The ILIKE pattern of a search term, written into the SQL text itself when the statement runs.

    * Three characters or more match anywhere (``%term%``): pg_trgm's indexes serve it from the term's
      trigrams. One or two characters have no whole trigram, so ``%te%`` would read every row (1.3 s at a
      million instruments); they match the beginning of a field (``te%``), which the indexes serve.
    * The pattern is rendered as a literal (``literal_execute``, quoted by SQLAlchemy) rather than sent as
      a parameter. psycopg prepares a statement after five executions and PostgreSQL then switches to a
      generic plan, made without knowing the pattern: it walked every instrument newest first for a rare
      serial number (3 s instead of 1 ms at a million instruments). With the pattern in the text, each
      term is planned for what it is.
    """
    pattern = f"%{text}%" if len(text) >= SUBSTRING_FROM else f"{text}%"
    return bindparam("pattern", pattern, type_=String(), literal_execute=True)


def _enterprise_named(session: Session, pattern: BindParameter[str]) -> ColumnElement[bool]:
    """ "The instrument's enterprise's name matches": the matching enterprises are looked up first.

    Their ids are then written into the statement, so PostgreSQL knows how many instruments the condition
    selects. Written as ``IN (SELECT …)`` it would be estimated blindly at a few per cent of the table: a
    rare serial number would then be searched by walking every instrument newest first instead of through
    the trigram indexes (migration 0014), about 3 s instead of 2 ms at a million instruments. When very
    many enterprises match, the sub-select is kept: the planner is then right to walk newest first.
    """
    ids = session.scalars(
        select(Enterprise.id).where(Enterprise.name.ilike(pattern)).limit(ENTERPRISES_LISTED + 1)
    ).all()
    if len(ids) > ENTERPRISES_LISTED:
        return CustomerInstrument.enterprise_id.in_(
            select(Enterprise.id).where(Enterprise.name.ilike(pattern))
        )
    return CustomerInstrument.enterprise_id.in_(ids) if ids else false()


def search_instruments(
    session: Session,
    *,
    query: str = "",
    enterprise_id: int | None = None,
    legally_controlled: bool | None = None,
    due_before: date | None = None,
    after: int | None = None,
    size: int = 50,
) -> Page[CustomerInstrument]:
    stmt = select(CustomerInstrument).options(joinedload(CustomerInstrument.enterprise))
    text = query.strip().replace("%", "").replace("_", "")
    if text:
        pattern = search_pattern(text)
        stmt = stmt.where(
            or_(
                CustomerInstrument.serial_number.ilike(pattern),
                CustomerInstrument.instrument_type.ilike(pattern),
                CustomerInstrument.model.ilike(pattern),
                CustomerInstrument.manufacturer.ilike(pattern),
                _enterprise_named(session, pattern),
            )
        )
    if enterprise_id is not None:
        stmt = stmt.where(CustomerInstrument.enterprise_id == enterprise_id)
    if legally_controlled is not None:
        stmt = stmt.where(CustomerInstrument.legally_controlled.is_(legally_controlled))
    if due_before is not None:
        stmt = stmt.where(CustomerInstrument.next_due_on <= due_before)
    return keyset_page(session, stmt, CustomerInstrument.id, after=after, size=size)

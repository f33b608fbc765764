"""Job listings: by state, per technician, with age and overdue flags; and instruments search."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    String,
    and_,
    bindparam,
    false,
    func,
    not_,
    or_,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, joinedload

from lims.models import CustomerInstrument, Enterprise, Job, JobState, Procedure, User
from lims.services.common.pagination import MAX_PAGE_SIZE, Page, keyset_page

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
INSIDE_FROM_TRIGRAMS = 2  # different trigrams a term needs to be searched inside the fields


def searched_inside(text: str) -> bool:
    """Whether ``text`` is searched anywhere inside the fields, or only at their beginning.

    pg_trgm finds ``%term%`` from the term's trigrams (its three-character pieces, case-folded). With one
    trigram the index answers "every row containing these three characters", and PostgreSQL must re-read
    all of them: ``0000`` gives only ``000``, which 350 000 of a million demo instruments contain (every
    "Defender 3000"), for 1 400 matches, so it took ~0.5 s. One or two characters have no whole trigram at
    all (``%te%`` read every row: 1.3 s). Such terms match the beginning of a field (``te%``, ``0000%``),
    which the same indexes serve from the leading trigrams. Two trigrams or more (``ms-7``, ``8846``,
    ``Kern``) are searched inside.

    >>> [searched_inside(t) for t in ("SN", "213", "0000", "aAaA", "8846", "ms-7", "Kern")]
    [False, False, False, False, True, True, True]
    """
    folded = text.casefold()
    return len(folded) >= SUBSTRING_FROM and (
        len({folded[i : i + 3] for i in range(len(folded) - 2)}) >= INSIDE_FROM_TRIGRAMS
    )


def search_pattern(text: str) -> BindParameter[str]:
    """The ILIKE pattern of a search term, written into the SQL text itself when the statement runs.

    * A term with two trigrams or more matches anywhere (``%term%``): pg_trgm's indexes serve it from the
      term's trigrams. Shorter or repetitive terms (:func:`searched_inside`) match the beginning of a field
      (``te%``), which the indexes serve.
    * The pattern is rendered as a literal (``literal_execute``, quoted by SQLAlchemy) rather than sent as
      a parameter. psycopg prepares a statement after five executions and PostgreSQL then switches to a
      generic plan, made without knowing the pattern: it walked every instrument newest first for a rare
      serial number (3 s instead of 1 ms at a million instruments). With the pattern in the text, each
      term is planned for what it is.
    """
    pattern = f"%{text}%" if searched_inside(text) else f"{text}%"
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


# Relevance tiers of a search of three characters or more: a field beginning with the term (equal to it
# included), then a match anywhere (or the enterprise's name). The page cursor carries the tier:
# tier × TIER_SPAN + id.
TIER_SPAN = 10**12  # above any id


def _searched_fields() -> tuple[InstrumentedAttribute[str | None], ...]:
    return (
        CustomerInstrument.serial_number,
        CustomerInstrument.instrument_type,
        CustomerInstrument.model,
        CustomerInstrument.manufacturer,
    )


def _any_field_like(pattern: str, name: str) -> ColumnElement[bool]:
    param = bindparam(name, pattern, type_=String(), literal_execute=True)
    return or_(*(column.ilike(param) for column in _searched_fields()))


def _begins_with(
    column: InstrumentedAttribute[str | None], text: str, name: str, *, missing_as_empty: bool = False
) -> ColumnElement[bool]:
    """``lower(column) LIKE lower('text%')``: what the PostgreSQL-only b-tree indexes on ``lower(column)
    text_pattern_ops`` (migration 0031, names ending in ``_prefix``) read as a range.

    The trigram indexes answer ``ILIKE 'text%'`` only with the rows holding the term's trigrams *anywhere*,
    the beginning of any word included: ``0000%`` gave 28 000 candidate serial numbers to re-check at
    300 000 instruments ("Defender3000-0000123"), 126 ms, for none beginning with it. The pattern is folded
    by the database's own ``lower`` (a constant, folded when the statement is planned), as the column is.
    """
    param = bindparam(name, f"{text}%", type_=String(), literal_execute=True)
    value = func.coalesce(column, "") if missing_as_empty else column
    return func.lower(value).like(func.lower(param))


def _any_field_begins(text: str, name: str, *, missing_as_empty: bool = False) -> ColumnElement[bool]:
    return or_(
        *(
            _begins_with(column, text, f"{name}_{n}", missing_as_empty=missing_as_empty)
            for n, column in enumerate(_searched_fields())
        )
    )


def _none_begins(text: str, name: str) -> ColumnElement[bool]:
    """No searched field begins with the term (the rows of the first tier left out of the second); a missing
    maker or model counts as not beginning with it, not as unknown."""
    return not_(_any_field_begins(text, name, missing_as_empty=True))


def _tier_conditions(session: Session, text: str) -> list[ColumnElement[bool]]:
    """The conditions of the relevance tiers, the second excluding the rows of the first.

    Each tier is its own statement ordered newest first, so a page stops as soon as it is full; the first
    tier is served by the trigram indexes (``ILIKE 'term%'``) or by walking the primary key when many rows
    match. Two orders were measured and not kept (docs/performance.md, "Relevance-ordered search"): a tier
    of exact matches above the prefix matches (``ILIKE 'term'``: the trigram index cannot tell equality
    from containment, so "Defender" re-checked the 25 000 "Defender 3000" rows, 112 ms at 100 000
    instruments, for no row), and ``ORDER BY similarity()``, which scores every matching row before the
    first page.
    """
    prefix = _any_field_begins(text, "prefix")
    anywhere = or_(_any_field_like(f"%{text}%", "anywhere"), _enterprise_named(session, search_pattern(text)))
    return [prefix, and_(anywhere, _none_begins(text, "not_prefix"))]


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
    """Instruments matching ``query`` in their serial number, type, model, maker or enterprise's name.

    A term with two different trigrams or more (:func:`searched_inside`) is ordered by relevance: instruments
    with a field beginning with the term (or equal to it; case-insensitive), then those matching it elsewhere,
    each group newest first (:func:`_tier_conditions`). A shorter term, or a run of one repeated character
    (``0000``), matches the beginning of a field, newest first.
    """
    stmt = select(CustomerInstrument).options(joinedload(CustomerInstrument.enterprise))
    if enterprise_id is not None:
        stmt = stmt.where(CustomerInstrument.enterprise_id == enterprise_id)
    if legally_controlled is not None:
        stmt = stmt.where(CustomerInstrument.legally_controlled.is_(legally_controlled))
    if due_before is not None:
        stmt = stmt.where(CustomerInstrument.next_due_on <= due_before)
    text = query.strip().replace("%", "").replace("_", "")
    if not text:
        return keyset_page(session, stmt, CustomerInstrument.id, after=after, size=size)
    if not searched_inside(text):
        pattern = search_pattern(text)
        stmt = stmt.where(or_(_any_field_begins(text, "prefix"), _enterprise_named(session, pattern)))
        return keyset_page(session, stmt, CustomerInstrument.id, after=after, size=size)
    return _tiered_page(session, stmt, _tier_conditions(session, text), after=after, size=size)


def _tiered_page(
    session: Session, stmt: Select[Any], tiers: list[ColumnElement[bool]], *, after: int | None, size: int
) -> Page[CustomerInstrument]:
    size = max(1, min(size, MAX_PAGE_SIZE))
    start_tier, start_id = divmod(after, TIER_SPAN) if after is not None else (0, 0)
    found: list[tuple[int, CustomerInstrument]] = []
    for tier in range(start_tier, len(tiers)):
        query = stmt.where(tiers[tier])
        if tier == start_tier and start_id:
            query = query.where(CustomerInstrument.id < start_id)
        query = query.order_by(CustomerInstrument.id.desc()).limit(size + 1 - len(found))
        found += [(tier, row) for row in session.scalars(query).unique()]
        if len(found) > size:
            break
    more = len(found) > size
    found = found[:size]
    next_after = found[-1][0] * TIER_SPAN + found[-1][1].id if more and found else None
    return Page([row for _, row in found], next_after, size)

"""The tiles each role's dashboard shows: counts of the person's own work, each a link to the list it counts.

Job tiles are the work queues of :mod:`lims.services.jobs.queues` (the job list applies the same
conditions, so a tile's number and the list it opens agree). Every count is one scalar subquery of a single
statement. The tiles are data: another area adds its own by appending a :class:`Tile` (label, count, link).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import CTE, ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from lims.errors import N_
from lims.models import (
    AuditChainHead,
    Certificate,
    CustomerInstrument,
    Enterprise,
    Job,
    JobStandard,
    JobState,
    MeasurementStandard,
    OpenJobDue,
    Procedure,
    Quantity,
    RequestState,
    Role,
    ServiceRequest,
    StandardStatus,
    User,
)
from lims.services.jobs.queues import QUEUES, ROLE_QUEUES, queue_conditions
from lims.services.jobs.workload import OPEN_STATES

STANDARDS_DUE_DAYS = 30
MY_STANDARDS_DAYS = 7  # "this week"
RECENT_CERTIFICATE_DAYS = 30


@dataclass(frozen=True, slots=True)
class Tile:
    label: str  # message id, translated by the page
    value: int
    endpoint: str | None = None
    warn: bool = False
    args: Mapping[str, Any] = field(default_factory=dict)  # the link's query: the filter the count used
    detail: str | None = None  # the lab section (a Quantity value) the count is narrowed to


@dataclass(frozen=True, slots=True)
class _Pending:
    """A tile whose count is still a statement (all of a dashboard's counts go in one round trip)."""

    label: str
    count: Select[Any]
    endpoint: str | None = None
    args: Mapping[str, Any] = field(default_factory=dict)
    warn: bool = False
    detail: str | None = None
    hide_zero: bool = False


def _counts(session: Session, *stmts: Select[Any]) -> list[int]:
    """Every count of a dashboard in one statement: one round trip, each count still on its own index."""
    row = session.execute(select(*(stmt.scalar_subquery() for stmt in stmts))).one()
    return [int(value or 0) for value in row]


def _count_of(model: Any, *where: ColumnElement[bool]) -> Select[Any]:
    return select(func.count()).select_from(model).where(*where)


def _jobs_in(*states: JobState, enterprise_id: int | None = None) -> Select[Any]:
    stmt = _count_of(Job, Job.state.in_(states))
    if enterprise_id is not None:
        stmt = stmt.where(Job.enterprise_id == enterprise_id)
    return stmt


def _in_use(*, days: int, today: date) -> list[ColumnElement[bool]]:
    return [
        MeasurementStandard.status.notin_((StandardStatus.RETIRED, StandardStatus.OUT_OF_SERVICE)),
        MeasurementStandard.due_on <= today + timedelta(days=days),
    ]


def standards_of(technician_id: int) -> ColumnElement[bool]:
    """Standards recorded on the open jobs assigned to ``technician_id`` (the standards they are using)."""
    return MeasurementStandard.id.in_(
        select(JobStandard.standard_id)
        .join(Job, Job.id == JobStandard.job_id)
        .where(Job.technician_id == technician_id, Job.state.in_(OPEN_STATES))
    )


def due_standards_conditions(
    *, today: date, days: int, technician_id: int | None
) -> list[ColumnElement[bool]]:
    """The standards the "standards due" tiles count and the due-standards page lists."""
    conditions = _in_use(days=days, today=today)
    if technician_id is not None:
        conditions.append(standards_of(technician_id))
    return conditions


def overdue_by_procedure(today: date) -> CTE:
    """The overdue open jobs per procedure, from the counts the database keeps per procedure and due date
    (``open_job_due``, migration 0035): the administrator's "overdue" tile sums it and each lab section's tile
    sums its procedures' rows.

    The rows dated before today are a few thousand at most (procedures times days with open jobs), whatever
    the number of jobs: counted from ``job`` itself it was one index entry per overdue job, 200 000 read and
    grouped on every visit at a million demo instruments. The queue "overdue" (the list the tile opens) is the
    same set of jobs: open and due before today; ``tests/services/jobs/test_open_job_due.py`` checks that the
    two agree through every transition. PostgreSQL materialises a CTE that the statement reads more than once.
    """
    return (
        select(OpenJobDue.procedure_key, func.sum(OpenJobDue.jobs).label("jobs"))
        .where(OpenJobDue.due_on < today)
        .group_by(OpenJobDue.procedure_key)
        .cte("overdue_by_procedure")
    )


def _queue_tile(name: str, user: User, today: date, by_procedure: CTE) -> _Pending:
    if name == "overdue":  # the sum of the per-procedure counts the section tiles read too
        return _Pending(
            QUEUES[name].label,
            select(func.sum(by_procedure.c.jobs)),
            "jobs.index",
            {"queue": name},
            warn=QUEUES[name].warn,
        )
    queue = QUEUES[name]
    return _Pending(
        queue.label,
        _count_of(Job, *queue_conditions(name, user, today)),
        "jobs.index",
        {"queue": name},
        warn=queue.warn,
    )


def _staff_tiles(user: User, today: date) -> list[_Pending]:
    role = user.role
    by_procedure = overdue_by_procedure(today)  # one CTE object: the statement computes it once
    pending = [_queue_tile(name, user, today, by_procedure) for name in ROLE_QUEUES.get(role, ())]
    if role == Role.TECHNICIAN:
        pending.append(
            _Pending(
                N_("Standards I use that fall due this week"),
                _count_of(
                    MeasurementStandard,
                    *due_standards_conditions(today=today, days=MY_STANDARDS_DAYS, technician_id=user.id),
                ),
                "standards.due",
                {"days": MY_STANDARDS_DAYS, "mine": 1},
                warn=True,
            )
        )
    if role == Role.ADMIN:
        pending.insert(
            0,
            _Pending(
                N_("Requests waiting for a decision"),
                _count_of(ServiceRequest, ServiceRequest.state == RequestState.SUBMITTED),
                "requests.index",
                {"state": RequestState.SUBMITTED.value},
                warn=True,
            ),
        )
        pending += [
            _Pending(
                N_("Overdue jobs"),
                select(func.sum(by_procedure.c.jobs))
                .select_from(by_procedure)
                .join(Procedure, Procedure.id == by_procedure.c.procedure_key)
                .where(Procedure.quantity == quantity),
                "jobs.index",
                {"queue": "overdue", "section": quantity.value},
                warn=True,
                detail=quantity.value,
                hide_zero=True,
            )
            for quantity in Quantity
        ]
    if role in (Role.ADMIN, Role.REVIEWER, Role.SIGNATORY):
        pending.append(
            _Pending(
                N_("Standards due within 30 days"),
                _count_of(
                    MeasurementStandard,
                    *due_standards_conditions(today=today, days=STANDARDS_DUE_DAYS, technician_id=None),
                ),
                "standards.due",
                {"days": STANDARDS_DUE_DAYS},
                warn=True,
            )
        )
    if role in (Role.ADMIN, Role.AUDITOR):
        since = today - timedelta(days=RECENT_CERTIFICATE_DAYS)
        pending += [
            _Pending(
                N_("Certificates issued in the last 30 days"),
                _count_of(
                    Certificate, Certificate.issued_at >= datetime.combine(since, time.min, tzinfo=UTC)
                ),
                "certificates.index",
                {"since": since.isoformat()},
            ),
            _Pending(N_("Enterprises"), _count_of(Enterprise), "enterprises.index"),
            # The chain head's sequence number is the number of entries (they are numbered 1, 2, … without
            # gaps, which `lims audit verify` proves): one row read instead of counting millions.
            _Pending(
                N_("Audit entries"), select(AuditChainHead.seq).where(AuditChainHead.id == 1), "audit.index"
            ),
        ]
    if role == Role.ADMIN:
        pending.append(_Pending(N_("Users"), _count_of(User), "admin.users"))
    return pending


def _customer_tiles(user: User, today: date) -> list[_Pending]:
    assert user.enterprise_id is not None
    eid = user.enterprise_id
    soon = today + timedelta(days=30)
    return [
        _Pending(
            N_("Instruments"),
            _count_of(CustomerInstrument, CustomerInstrument.enterprise_id == eid),
            "portal.index",
        ),
        _Pending(
            N_("Due within 30 days"),
            _count_of(
                CustomerInstrument,
                CustomerInstrument.enterprise_id == eid,
                CustomerInstrument.next_due_on <= soon,
            ),
            "portal.due",
            {"days": 30},
            warn=True,
        ),
        _Pending(N_("Open jobs"), _jobs_in(*OPEN_STATES, enterprise_id=eid), "portal.jobs"),
        _Pending(
            N_("Certificates"),
            select(func.count())
            .select_from(Certificate)
            .join(Job, Job.id == Certificate.job_id)
            .where(Job.enterprise_id == eid),
            "portal.certificates",
        ),
    ]


def pending_tiles(user: User, *, today: date) -> list[_Pending]:
    return _customer_tiles(user, today) if user.role == Role.CUSTOMER else _staff_tiles(user, today)


def tiles_for(session: Session, user: User, *, today: date) -> list[Tile]:
    """The user's dashboard: every count in one statement, tiles that would only say "0" of a breakdown
    (a section with nothing overdue) left out."""
    pending = pending_tiles(user, today=today)
    values = _counts(session, *(p.count for p in pending)) if pending else []
    return [
        Tile(p.label, value, p.endpoint, warn=p.warn and value > 0, args=p.args, detail=p.detail)
        for p, value in zip(pending, values, strict=True)
        if value or not p.hide_zero
    ]

"""The counts each role's dashboard shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from lims.errors import N_
from lims.models import (
    AuditChainHead,
    Certificate,
    CustomerInstrument,
    Enterprise,
    Job,
    JobState,
    MeasurementStandard,
    Role,
    StandardStatus,
    User,
)


@dataclass(frozen=True, slots=True)
class Tile:
    label: str  # message id, translated by the page
    value: int
    endpoint: str | None = None
    warn: bool = False


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


def tiles_for(session: Session, user: User, *, today: date) -> list[Tile]:
    role = user.role
    soon = today + timedelta(days=30)
    if role == Role.CUSTOMER:
        assert user.enterprise_id is not None
        eid = user.enterprise_id
        instruments, due_soon, open_jobs, certificates = _counts(
            session,
            _count_of(CustomerInstrument, CustomerInstrument.enterprise_id == eid),
            _count_of(
                CustomerInstrument,
                CustomerInstrument.enterprise_id == eid,
                CustomerInstrument.next_due_on <= soon,
            ),
            _jobs_in(*_OPEN, enterprise_id=eid),
            select(func.count())
            .select_from(Certificate)
            .join(Job, Job.id == Certificate.job_id)
            .where(Job.enterprise_id == eid),
        )
        return [
            Tile(N_("Instruments"), instruments),
            Tile(N_("Due within 30 days"), due_soon, warn=due_soon > 0),
            Tile(N_("Open jobs"), open_jobs),
            Tile(N_("Certificates"), certificates),
        ]
    counts = [
        _jobs_in(JobState.RECEIVED),
        _jobs_in(JobState.IN_PROGRESS),
        _jobs_in(JobState.MEASURED),
        _jobs_in(JobState.REVIEWED),
        _count_of(
            MeasurementStandard,
            MeasurementStandard.status.notin_((StandardStatus.RETIRED, StandardStatus.OUT_OF_SERVICE)),
            MeasurementStandard.due_on <= soon,
        ),
    ]
    if role in (Role.ADMIN, Role.AUDITOR):
        counts += [
            _count_of(Enterprise),
            _count_of(Certificate),
            # The chain head's sequence number is the number of entries (they are numbered 1, 2, … without
            # gaps, which `lims audit verify` proves): one row read instead of counting millions.
            select(AuditChainHead.seq).where(AuditChainHead.id == 1),
        ]
    if role == Role.ADMIN:
        counts.append(_count_of(User))
    values = iter(_counts(session, *counts))
    received, in_progress, measured, reviewed, standards_due = (next(values) for _ in range(5))
    tiles = [
        Tile(N_("Jobs received, waiting"), received),
        Tile(N_("Jobs in progress"), in_progress),
        Tile(N_("Awaiting review"), measured),
        Tile(N_("Awaiting approval"), reviewed),
        Tile(N_("Standards due within 30 days"), standards_due, warn=standards_due > 0),
    ]
    if role in (Role.ADMIN, Role.AUDITOR):
        tiles += [
            Tile(N_("Enterprises"), next(values), "enterprises.index"),
            Tile(N_("Certificates issued"), next(values)),
            Tile(N_("Audit entries"), next(values), "audit.index"),
        ]
    if role == Role.ADMIN:
        tiles.append(Tile(N_("Users"), next(values), "admin.users"))
    return tiles


_OPEN = (
    JobState.REQUESTED,
    JobState.RECEIVED,
    JobState.IN_PROGRESS,
    JobState.MEASURED,
    JobState.REVIEWED,
    JobState.APPROVED,
    JobState.ON_HOLD,
)

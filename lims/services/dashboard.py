"""The counts each role's dashboard shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
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


def _count(session: Session, stmt: object) -> int:
    return int(session.scalar(stmt) or 0)  # type: ignore[call-overload]


def _jobs_in(session: Session, *states: JobState, enterprise_id: int | None = None) -> int:
    stmt = select(func.count()).select_from(Job).where(Job.state.in_(states))
    if enterprise_id is not None:
        stmt = stmt.where(Job.enterprise_id == enterprise_id)
    return _count(session, stmt)


def tiles_for(session: Session, user: User, *, today: date) -> list[Tile]:
    role = user.role
    if role == Role.CUSTOMER:
        assert user.enterprise_id is not None
        eid = user.enterprise_id
        due_soon = _count(
            session,
            select(func.count())
            .select_from(CustomerInstrument)
            .where(
                CustomerInstrument.enterprise_id == eid,
                CustomerInstrument.next_due_on <= today + timedelta(days=30),
            ),
        )
        return [
            Tile(
                N_("Instruments"),
                _count(
                    session,
                    select(func.count())
                    .select_from(CustomerInstrument)
                    .where(CustomerInstrument.enterprise_id == eid),
                ),
            ),
            Tile(N_("Due within 30 days"), due_soon, warn=due_soon > 0),
            Tile(N_("Open jobs"), _jobs_in(session, *_OPEN, enterprise_id=eid)),
            Tile(
                N_("Certificates"),
                _count(
                    session,
                    select(func.count())
                    .select_from(Certificate)
                    .join(Job, Job.id == Certificate.job_id)
                    .where(Job.enterprise_id == eid),
                ),
            ),
        ]
    standards_due = _count(
        session,
        select(func.count())
        .select_from(MeasurementStandard)
        .where(
            MeasurementStandard.status.notin_((StandardStatus.RETIRED, StandardStatus.OUT_OF_SERVICE)),
            MeasurementStandard.due_on <= today + timedelta(days=30),
        ),
    )
    tiles = [
        Tile(N_("Jobs received, waiting"), _jobs_in(session, JobState.RECEIVED)),
        Tile(N_("Jobs in progress"), _jobs_in(session, JobState.IN_PROGRESS)),
        Tile(N_("Awaiting review"), _jobs_in(session, JobState.MEASURED)),
        Tile(N_("Awaiting approval"), _jobs_in(session, JobState.REVIEWED)),
        Tile(N_("Standards due within 30 days"), standards_due, warn=standards_due > 0),
    ]
    if role in (Role.ADMIN, Role.AUDITOR):
        tiles += [
            Tile(
                N_("Enterprises"),
                _count(session, select(func.count()).select_from(Enterprise)),
                "enterprises.index",
            ),
            Tile(N_("Certificates issued"), _count(session, select(func.count()).select_from(Certificate))),
            Tile(
                N_("Audit entries"),
                # The chain head's sequence number is the number of entries (they are numbered 1, 2, … without
                # gaps, which `lims audit verify` proves): one row read instead of counting millions.
                _count(session, select(AuditChainHead.seq).where(AuditChainHead.id == 1)),
                "audit.index",
            ),
        ]
    if role == Role.ADMIN:
        tiles.append(
            Tile(N_("Users"), _count(session, select(func.count()).select_from(User)), "admin.users")
        )
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

"""Work queues: the named, per-person filters of the job list that the dashboard's tiles count.

A queue is a set of SQL conditions on ``job`` built for one user on one day. The dashboard counts a queue
and links to ``/jobs/?queue=<name>``, and the job list applies the very same conditions, so a tile's number
and the list it opens cannot disagree. A new queue is one more entry in :data:`QUEUES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import InstrumentedAttribute, aliased

from lims.errors import N_
from lims.models import Job, JobState, JobTransition, Procedure, Quantity, Role, User
from lims.services.jobs.workload import OPEN_STATES

# A technician can still take or be given these: measuring has not finished.
ASSIGNABLE_STATES = (JobState.REQUESTED, JobState.RECEIVED, JobState.IN_PROGRESS, JobState.ON_HOLD)

Conditions = Callable[[User, date], list[ColumnElement[bool]]]


@dataclass(frozen=True, slots=True)
class Queue:
    name: str
    label: str  # message id, translated by the page
    conditions: Conditions
    warn: bool = False  # a non-zero count is shown as needing attention


def _mine(user: User) -> ColumnElement[bool]:
    return Job.technician_id == user.id


def _not_by(column: InstrumentedAttribute[int | None], user: User) -> ColumnElement[bool]:
    # Nobody reviews or approves their own work (ISO/IEC 17025:2017 7.8.1.1; lims.domain.workflow).
    return or_(column.is_(None), column != user.id)


def _returned_by(user: User) -> ColumnElement[bool]:
    """The job is back in progress and its latest transition is a return from review by ``user``."""
    later = aliased(JobTransition)
    return exists(
        select(JobTransition.id).where(
            JobTransition.job_id == Job.id,
            JobTransition.from_state == JobState.MEASURED,
            JobTransition.to_state == JobState.IN_PROGRESS,
            JobTransition.actor_id == user.id,
            ~exists(select(later.id).where(later.job_id == JobTransition.job_id, later.id > JobTransition.id)),
        )
    )


QUEUES: dict[str, Queue] = {
    q.name: q
    for q in (
        Queue(
            "my_today",
            N_("My jobs due today"),
            lambda u, today: [_mine(u), Job.state.in_(OPEN_STATES), Job.due_on == today],
        ),
        Queue(
            "my_overdue",
            N_("My overdue jobs"),
            lambda u, today: [_mine(u), Job.state.in_(OPEN_STATES), Job.due_on < today],
            warn=True,
        ),
        Queue("my_in_progress", N_("My jobs in progress"), lambda u, _: [_mine(u), Job.state == JobState.IN_PROGRESS]),
        Queue(
            "my_waiting",
            N_("Waiting for my measurements"),
            lambda u, _: [_mine(u), Job.state == JobState.RECEIVED],
        ),
        Queue(
            "unassigned",
            N_("Jobs nobody is assigned to"),
            lambda u, _: [Job.technician_id.is_(None), Job.state.in_(ASSIGNABLE_STATES)],
            warn=True,
        ),
        Queue(
            "my_review",
            N_("Awaiting my review"),
            lambda u, _: [Job.state == JobState.MEASURED, _not_by(Job.measured_by_id, u)],
        ),
        Queue("returned", N_("Returned by me, being re-measured"), lambda u, _: [
            Job.state == JobState.IN_PROGRESS, _returned_by(u)]),
        Queue(
            "my_signature",
            N_("Awaiting my signature"),
            lambda u, _: [
                Job.state == JobState.REVIEWED,
                _not_by(Job.measured_by_id, u),
                _not_by(Job.reviewed_by_id, u),
            ],
        ),
        Queue("not_issued", N_("Approved, certificate not issued"), lambda u, _: [Job.state == JobState.APPROVED]),
        Queue(
            "overdue",
            N_("Overdue jobs"),
            lambda u, today: [Job.state.in_(OPEN_STATES), Job.due_on < today],
            warn=True,
        ),
    )
}


def queue_conditions(name: str, user: User, today: date, *, section: str = "") -> list[ColumnElement[bool]]:
    """The conditions of queue ``name`` for ``user`` (``KeyError`` for an unknown queue); ``section`` (a field
    of measurement) narrows it to jobs whose procedure belongs to that lab section."""
    conditions = QUEUES[name].conditions(user, today)
    if section:
        conditions.append(in_section(Quantity(section)))
    return conditions


def in_section(quantity: Quantity) -> ColumnElement[bool]:
    return Job.procedure_id.in_(select(Procedure.id).where(Procedure.quantity == quantity))


# The queues each staff role's dashboard shows, in this order.
ROLE_QUEUES: dict[Role, tuple[str, ...]] = {
    Role.TECHNICIAN: ("my_today", "my_overdue", "my_in_progress", "my_waiting", "unassigned"),
    Role.REVIEWER: ("my_review", "returned"),
    Role.SIGNATORY: ("my_signature", "not_issued"),
    Role.ADMIN: ("unassigned", "overdue", "not_issued"),
    Role.AUDITOR: (),
}

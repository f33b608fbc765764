"""Who performs a job: assign, take, reassign and release, with the history and a notification.

ISO/IEC 17025:2017 6.2.5 f and 6.2.6 ask the lab to authorise personnel to perform specific work; a job is
therefore given only to a technician authorised (``perform``) for its procedure on the day. The job's
``technician_id`` is the current assignee, :class:`~lims.models.JobAssignment` rows are the history, and the
workload page, the dashboards' "my jobs" and the job page's "assigned to" all read ``technician_id``.
When someone else records the measurements, the job follows the person who measured (see
:func:`follow_measurer`), so "measured by" and the workload never disagree.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.domain.authorisation import AuthorisedRole
from lims.errors import N_, NotFound
from lims.models import Job, JobAssignment, Role, User
from lims.services.access import authorisations
from lims.services.common.notifications import notify
from lims.services.jobs.errors import JobConflict, JobError
from lims.services.jobs.queues import ASSIGNABLE_STATES

ASSIGNERS = frozenset({Role.ADMIN})


class AssignmentRefused(JobError):
    template = N_("The job could not be assigned.")


def _check_version(job: Job, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != job.version:
        raise JobConflict(number=job.number, current=job.version, seen=expected_version)


def _record(session: Session, job: Job, technician: User | None, *, by: User, now: datetime,
            note: str | None) -> JobAssignment:
    before = job.technician_id
    job.technician_id = None if technician is None else technician.id
    job.updated_at = now
    row = JobAssignment(
        job_id=job.id,
        technician_id=job.technician_id,
        assigned_by_id=by.id,
        at=now,
        note=(note or "").strip()[:2000] or None,
    )
    session.add(row)
    session.flush()
    link = ("jobs.show", {"job_id": job.id})
    if technician is not None and technician.id != by.id:
        notify(
            session,
            kind="job_assigned",
            msgid=N_("Job %(number)s (%(instrument)s) was assigned to you by %(by)s."),
            params={"number": job.number, "instrument": _instrument(job), "by": by.full_name},
            link=link,
            user_id=technician.id,
            at=now,
        )
    if before is not None and before != job.technician_id and before != by.id:
        notify(
            session,
            kind="job_unassigned",
            msgid=N_("Job %(number)s (%(instrument)s) is no longer assigned to you (changed by %(by)s)."),
            params={"number": job.number, "instrument": _instrument(job), "by": by.full_name},
            link=link,
            user_id=before,
            at=now,
        )
    return row


def _instrument(job: Job) -> str:
    return f"{job.instrument.instrument_type} {job.instrument.serial_number}"


def _technician(session: Session, job: Job, technician_id: int, *, on: datetime) -> User:
    technician = session.get(User, technician_id)
    if technician is None or technician.role != Role.TECHNICIAN or not technician.is_active:
        raise AssignmentRefused(N_("Only an active technician can be given a job."))
    if job.procedure is not None:
        authorisations.require(session, technician, job.procedure.code, AuthorisedRole.PERFORM, on.date())
    return technician


def _assignable(job: Job) -> None:
    if job.state not in ASSIGNABLE_STATES:
        raise AssignmentRefused(
            N_("Job %(number)s is already measured: it can no longer be given to someone else."),
            number=job.number,
        )


def assign(
    session: Session,
    job_id: int,
    technician_id: int | None,
    *,
    by: User,
    expected_version: int | None,
    note: str | None = None,
    now: datetime | None = None,
) -> Job:
    """Give the job to ``technician_id`` (``None`` releases it); only a lab manager (admin) assigns to
    someone else. Refused for a measured job and for a technician not authorised for the procedure."""
    now = now or datetime.now(UTC)
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound()
    _check_version(job, expected_version)
    if by.role not in ASSIGNERS:
        raise AssignmentRefused(N_("Only the lab manager assigns jobs to other people."))
    _assignable(job)
    technician = None if technician_id is None else _technician(session, job, technician_id, on=now)
    if job.technician_id == (None if technician is None else technician.id):
        raise AssignmentRefused(N_("The job is already assigned that way."))
    _record(session, job, technician, by=by, now=now, note=note)
    return job


def take(
    session: Session, job_id: int, *, by: User, expected_version: int | None, now: datetime | None = None
) -> Job:
    """A technician takes an unassigned job for themselves (if authorised for its procedure)."""
    now = now or datetime.now(UTC)
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound()
    _check_version(job, expected_version)
    _assignable(job)
    if by.role != Role.TECHNICIAN:
        raise AssignmentRefused(N_("Only a technician can take a job."))
    if job.technician_id is not None:
        raise AssignmentRefused(
            N_("Job %(number)s is already assigned: ask the lab manager to reassign it."), number=job.number
        )
    _record(session, job, _technician(session, job, by.id, on=now), by=by, now=now, note=None)
    return job


def follow_measurer(session: Session, job: Job, user: User, *, now: datetime) -> JobAssignment | None:
    """Called when ``user`` starts or finishes the measurements: a job nobody holds, or held by someone else,
    becomes theirs, recorded in the history (so the workload credits the person named "measured by")."""
    if user.role != Role.TECHNICIAN or job.technician_id == user.id:
        return None
    return _record(session, job, user, by=user, now=now, note=None)


def history(session: Session, job_id: int) -> list[JobAssignment]:
    return list(
        session.scalars(
            select(JobAssignment).where(JobAssignment.job_id == job_id).order_by(JobAssignment.at, JobAssignment.id)
        )
    )


def assignable_technicians(session: Session) -> list[User]:
    """Active technicians, by name (the lab manager's choice; authorisation is checked on assigning)."""
    return list(
        session.scalars(
            select(User).where(User.role == Role.TECHNICIAN, User.is_active.is_(True)).order_by(User.full_name)
        )
    )

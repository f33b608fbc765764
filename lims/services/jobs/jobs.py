"""Calibration and verification jobs: request, numbering, intake, standards used and state transitions.

Transitions go through the pure state machine :mod:`lims.domain.workflow`; on top of the roles it checks,
this module checks each person's authorisation for the job's procedure (ISO/IEC 17025:2017 6.2.5–6.2.6).
Every change compares the job's ``version`` with the one the editor saw (optimistic locking): a stale save
raises :class:`JobConflict` and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from lims.domain import workflow as wf
from lims.domain.authorisation import AuthorisedRole
from lims.domain.guard import StandardRefused, require_usable
from lims.domain.unit_conversion import comparable
from lims.errors import N_, NotFound
from lims.models import (
    CustomerInstrument,
    Job,
    JobCounter,
    JobDamage,
    JobKind,
    JobStandard,
    JobState,
    JobTransition,
    MeasurementStandard,
    Procedure,
    User,
)
from lims.services.access import authorisations, legal
from lims.services.common.notifications import job_state_changed, notify
from lims.services.jobs import assignment, standard_choices
from lims.services.jobs.errors import (
    JobConflict,
    JobError,
    JobLocked,
    StandardNotUsable,
    WorkflowRefused,
    no_procedure,
)
from lims.services.jobs.outcome import failing_verifications
from lims.services.jobs.points import require_complete
from lims.services.jobs.procedures import domain_procedure, require_current
from lims.services.standards.traceability import lab_scope, load_graph

EDITABLE_STATES = frozenset({JobState.REQUESTED, JobState.RECEIVED, JobState.IN_PROGRESS})


@dataclass(frozen=True, slots=True)
class JobRequest:
    lab_id: int
    instrument_id: int
    procedure_id: int
    requested_on: date
    due_on: date | None = None
    on_site: bool = False
    requirements: dict[str, Any] = field(default_factory=dict)
    #: When the request was registered, for a job recorded afterwards (the demo, an import); now otherwise.
    registered_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Intake:
    condition_on_arrival: str
    accessories: str = ""
    requirements: dict[str, Any] | None = None
    damaged: bool = False
    damage_note: str = ""  # for the customer: what is damaged (required when ``damaged``)


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def next_number(session: Session, year: int) -> str:
    """The next job number of ``year``, ``JOB-2026-00001`` style, without gaps.

    The year's counter row is locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite serialises writers),
    so two concurrent requests never take the same number; a rolled-back job gives its number back.
    """
    counter = session.scalar(select(JobCounter).where(JobCounter.year == year).with_for_update())
    if counter is None:
        try:
            with session.begin_nested():
                counter = JobCounter(year=year, last_number=0)
                session.add(counter)
        except IntegrityError:
            counter = session.scalar(select(JobCounter).where(JobCounter.year == year).with_for_update())
            assert counter is not None
    counter.last_number += 1
    session.flush()
    return f"JOB-{year}-{counter.last_number:05d}"


def get_job(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound()
    return job


def jobs_by_id(session: Session, job_ids: set[int]) -> dict[int, Job]:
    """The jobs of ``job_ids`` with their enterprise and instrument loaded (for lists of certificates)."""
    if not job_ids:
        return {}
    rows = session.scalars(
        select(Job).options(joinedload(Job.enterprise), joinedload(Job.instrument)).where(Job.id.in_(job_ids))
    ).unique()
    return {job.id: job for job in rows}


def check_version(job: Job, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != job.version:
        raise JobConflict(number=job.number, current=job.version, seen=expected_version)


def create_job(session: Session, data: JobRequest) -> Job:
    """Register a request for an instrument of an enterprise under a procedure; the number is allocated."""
    instrument = session.get(CustomerInstrument, data.instrument_id)
    procedure = session.get(Procedure, data.procedure_id)
    if instrument is None or procedure is None:
        raise NotFound()
    require_current(session, procedure)
    proc = domain_procedure(procedure)
    # g and kg are the same quantity: the bench converts the instrument's data (jobs.points); V and °C are not.
    if not comparable(instrument.unit, proc.unit):
        raise JobError(
            N_("The instrument reads in %(unit)s but procedure %(code)s works in %(proc_unit)s."),
            unit=instrument.unit,
            code=procedure.code,
            proc_unit=proc.unit,
        )
    job = Job(
        number=next_number(session, data.requested_on.year),
        lab_id=data.lab_id,
        enterprise_id=instrument.enterprise_id,
        instrument_id=instrument.id,
        procedure_id=procedure.id,
        kind=JobKind(procedure.kind.value),
        state=JobState.REQUESTED,
        requested_on=data.requested_on,
        due_on=data.due_on,
        on_site=data.on_site,
        requirements=dict(data.requirements),
    )
    if data.registered_at is not None:
        job.created_at = data.registered_at
    session.add(job)
    session.flush()
    return job


def record_intake(session: Session, job_id: int, data: Intake, *, expected_version: int | None) -> Job:
    """Condition on arrival, accessories and customer requirements (ISO/IEC 17025:2017 7.1.1, 7.4.2).

    Both the condition and the accessories are required (write "none" when nothing came with the item);
    an item damaged on arrival needs a note for the customer (7.4.3: the customer is consulted).
    """
    job = get_job(session, job_id)
    check_version(job, expected_version)
    if job.state not in EDITABLE_STATES:
        raise JobLocked(number=job.number, state=job.state.value)
    if not data.condition_on_arrival.strip():
        raise JobError(N_("Record the condition of the item on arrival."))
    if not data.accessories.strip():
        raise JobError(N_("Record the accessories received with the item (write “none” if there are none)."))
    if data.damaged and not data.damage_note.strip():
        raise JobError(N_("The item is damaged: write a note for the customer describing the damage."))
    job.condition_on_arrival = data.condition_on_arrival.strip()
    job.accessories = data.accessories.strip()
    if not data.damaged:
        job.damage = None
    elif job.damage is None:
        job.damage = JobDamage(job_id=job.id, note=data.damage_note.strip())
    else:
        job.damage.note = data.damage_note.strip()
    if data.requirements is not None:
        job.requirements = dict(data.requirements)
    job.updated_at = datetime.now(UTC)
    session.flush()
    return job


def require_intake(job: Job) -> None:
    """A job is received only with its intake record complete (ISO/IEC 17025:2017 7.4.2, 7.4.3)."""
    if not (job.condition_on_arrival or "").strip() or not (job.accessories or "").strip():
        raise JobError(
            N_(
                "Job %(number)s cannot be received before its intake record (condition on arrival and "
                "accessories) is saved."
            ),
            number=job.number,
        )
    if job.arrival_damaged and not (job.damage_note or "").strip():
        raise JobError(N_("The item is damaged: write a note for the customer describing the damage."))


def _tell_damage(session: Session, job: Job, now: datetime) -> None:
    notify(
        session,
        kind="job_damaged",
        msgid=N_("Job %(number)s (%(instrument)s) was received damaged: %(note)s"),
        params={
            "number": job.number,
            "instrument": f"{job.instrument.instrument_type} {job.instrument.serial_number}",
            "note": job.damage_note or "",
        },
        link=("portal.job", {"job_id": job.id}),
        enterprise_id=job.enterprise_id,
        at=now,
    )


def snapshot(job: Job) -> wf.JobSnapshot:
    def pid(value: int | None) -> str | None:
        return None if value is None else str(value)

    return wf.JobSnapshot(
        wf.State(job.state.value),
        measured_by=pid(job.measured_by_id),
        reviewed_by=pid(job.reviewed_by_id),
        approved_by=pid(job.approved_by_id),
        held_from=None if job.held_from is None else wf.State(job.held_from.value),
    )


def actor(user: User) -> wf.Actor:
    return wf.Actor(str(user.id), frozenset({wf.Role(user.role.value)}), user.full_name)


def allowed(job: Job, user: User) -> list[wf.AllowedTransition]:
    """The transitions ``user`` may offer on the job page (approval is the signature form, issue the
    certificate form)."""
    own_forms = (wf.State.APPROVED, wf.State.ISSUED)
    return [t for t in wf.allowed_transitions(snapshot(job), actor(user)) if t.to_state not in own_forms]


def _authorisation_needed(job: Job, to: wf.State, user: User) -> AuthorisedRole | None:
    if to in (wf.State.IN_PROGRESS, wf.State.MEASURED) and job.state in (
        JobState.RECEIVED,
        JobState.IN_PROGRESS,
    ):
        return AuthorisedRole.PERFORM if user.role.value == "technician" or to == wf.State.MEASURED else None
    return {wf.State.REVIEWED: AuthorisedRole.REVIEW, wf.State.APPROVED: AuthorisedRole.SIGN}.get(to)


def apply_transition(
    session: Session, job: Job, to: wf.State, *, user: User, comment: str | None, now: datetime
) -> JobTransition:
    """Check (state machine, then authorisation) and record one transition; the caller checked the version."""
    try:
        record = wf.transition(snapshot(job), to, actor=actor(user), comment=comment, now=now)
    except wf.WorkflowError as exc:
        raise WorkflowRefused(reason=str(exc)) from exc
    needed = _authorisation_needed(job, to, user)
    if needed is not None and job.procedure is not None:
        on = job.measured_on if needed == AuthorisedRole.PERFORM and job.measured_on else now.date()
        authorisations.require(session, user, job.procedure.code, needed, on)
    # Verification (kiểm định): the lab's designation when work starts, the officer's card when a person
    # performs or signs, both as they stood on the day (lims.services.access.legal).
    legal.check_transition(
        session,
        job,
        user,
        perform_or_sign=needed in (AuthorisedRole.PERFORM, AuthorisedRole.SIGN),
        starting=to == wf.State.IN_PROGRESS and job.state == JobState.RECEIVED,
        on=job.measured_on if needed == AuthorisedRole.PERFORM and job.measured_on else now.date(),
    )
    if to == wf.State.MEASURED:
        require_complete(session, job)
    if to == wf.State.RECEIVED:
        require_intake(job)
    after = wf.apply(snapshot(job), record)
    job.state = JobState(after.state.value)
    job.held_from = None if after.held_from is None else JobState(after.held_from.value)
    job.measured_by_id = None if after.measured_by is None else int(after.measured_by)
    job.reviewed_by_id = None if after.reviewed_by is None else int(after.reviewed_by)
    job.approved_by_id = None if after.approved_by is None else int(after.approved_by)
    if to == wf.State.RECEIVED and job.received_on is None:
        job.received_on = now.date()
    if to in (wf.State.IN_PROGRESS, wf.State.MEASURED) and record.from_state != wf.State.MEASURED:
        assignment.follow_measurer(session, job, user, now=now)  # the workload credits who measures
    if to == wf.State.REVIEWED:
        job.reviewer_id = user.id
    job.updated_at = now
    row = JobTransition(
        job_id=job.id,
        from_state=JobState(record.from_state.value),
        to_state=JobState(record.to_state.value),
        actor_id=user.id,
        role=record.role.value,
        comment=record.comment,
        at=record.at,
    )
    session.add(row)
    session.flush()
    # the customer is told in plain words, dated at the transition
    failing = to == wf.State.APPROVED and job.id in failing_verifications(session, [job.id])
    job_state_changed(session, job, row.from_state, row.to_state, now=now, failing=failing)
    if to == wf.State.RECEIVED and job.arrival_damaged:
        _tell_damage(session, job, now)
    return row


def transition_job(
    session: Session,
    job_id: int,
    to: str,
    *,
    user: User,
    comment: str | None,
    expected_version: int | None,
    now: datetime | None = None,
) -> Job:
    """Move a job to ``to``. Approval is refused here: it needs an electronic signature (signatures.sign_job)."""
    job = get_job(session, job_id)
    check_version(job, expected_version)
    try:
        target = wf.State(to)
    except ValueError:
        raise JobError(N_("Unknown job state %(state)s."), state=to) from None
    if target == wf.State.APPROVED:
        raise JobError(
            N_("Approval needs an electronic signature: use the approval form and re-enter your password.")
        )
    if target == wf.State.ISSUED:
        raise JobError(N_("A job is issued by issuing its certificate: use the Issue certificate form."))
    apply_transition(session, job, target, user=user, comment=comment, now=_now(now))
    return job


def transitions(session: Session, job_id: int) -> list[JobTransition]:
    return list(
        session.scalars(
            select(JobTransition)
            .where(JobTransition.job_id == job_id)
            .order_by(JobTransition.at, JobTransition.id)
        )
    )


def guard_standards(session: Session, standard_ids: list[int], on: date) -> None:
    """Refuse, naming each standard and why, when the traceability guard blocks any of them on ``on``."""
    if not standard_ids:
        return
    loaded = load_graph(session, standard_ids, on)
    nodes = [loaded.nodes[i] for i in standard_ids if i in loaded.nodes]
    lab_id = session.scalar(
        select(MeasurementStandard.lab_id).where(MeasurementStandard.id == standard_ids[0])
    )
    try:
        require_usable(nodes, measured_on=on, graph=loaded.graph, scope=lab_scope(session, lab_id))
    except StandardRefused as exc:
        raise StandardNotUsable(reason=str(exc)) from exc


def add_standard(
    session: Session, job_id: int, standard_id: int, role: str, *, on: date, expected_version: int | None
) -> JobStandard:
    """Link a standard to the job in one of its procedure's roles, after the traceability guard agrees."""
    job = get_job(session, job_id)
    check_version(job, expected_version)
    if job.state not in EDITABLE_STATES:
        raise JobLocked(number=job.number, state=job.state.value)
    standard = session.get(MeasurementStandard, standard_id)
    if standard is None:
        raise NotFound()
    if job.procedure is None:
        raise no_procedure(job)
    roles = domain_procedure(job.procedure).standards
    if role not in roles:
        raise JobError(
            N_("Procedure %(code)s uses standards as: %(roles)s; not %(role)s."),
            code=job.procedure.code,
            roles=", ".join(roles),
            role=role,
        )
    standard_choices.require_suitable(session, job, standard, role, on=job.measured_on or on)
    guard_standards(session, [standard.id], job.measured_on or on)
    for link in session.scalars(
        select(JobStandard).where(JobStandard.job_id == job.id, JobStandard.role == role)
    ):
        session.delete(link)
    session.flush()
    link = JobStandard(job_id=job.id, standard_id=standard.id, role=role)
    session.add(link)
    job.updated_at = datetime.now(UTC)
    session.flush()
    return link


def job_standards(session: Session, job_id: int) -> list[tuple[JobStandard, MeasurementStandard]]:
    rows = session.execute(
        select(JobStandard, MeasurementStandard)
        .join(MeasurementStandard, MeasurementStandard.id == JobStandard.standard_id)
        .where(JobStandard.job_id == job_id)
        .order_by(JobStandard.role)
    ).all()
    return [(r[0], r[1]) for r in rows]


def names(session: Session, user_ids: set[int]) -> dict[int, str]:
    """Full names of users by id (for pages that show who did what)."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).tuples().all())

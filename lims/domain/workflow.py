"""The job state machine: which transitions are legal, who may make them, and on what conditions.

A job goes ``requested → received → in_progress → measured → reviewed → approved → issued``. It may also
be put
``on_hold`` (and resumed to the state it was held from), ``rejected`` at intake, or ``cancelled``. ``issued``,
``rejected`` and ``cancelled`` are terminal. The table :data:`RULES` is the single source of truth; the
web layer
asks :func:`allowed_transitions` for the buttons to show and calls :func:`transition` to record a change.

Independence (ISO/IEC 17025:2017 7.5.1 "who performed and who checked", 7.8.1.1 "results reviewed and
authorised
before release"): the reviewer must not be the technician who measured, and the signatory must not be that
technician either. Auditors read; they never transition a job.

>>> from datetime import UTC, datetime
>>> job = JobSnapshot(state=State.MEASURED, measured_by="tech-1")
>>> rec = transition(job, State.REVIEWED, actor=Actor("rev-1", frozenset({Role.REVIEWER})), comment=None,
...                  now=datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
>>> (rec.from_state, rec.to_state, rec.actor_id, rec.role)
(<State.MEASURED: 'measured'>, <State.REVIEWED: 'reviewed'>, 'rev-1', <Role.REVIEWER: 'reviewer'>)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from lims.domain.errors import DomainError


class State(StrEnum):
    """Lifecycle state of a calibration or verification job."""

    REQUESTED = "requested"
    RECEIVED = "received"
    IN_PROGRESS = "in_progress"
    MEASURED = "measured"
    REVIEWED = "reviewed"
    APPROVED = "approved"
    ISSUED = "issued"
    ON_HOLD = "on_hold"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class Role(StrEnum):
    """A role a person acts in. A person may hold several."""

    ADMIN = "admin"
    TECHNICIAN = "technician"
    REVIEWER = "reviewer"
    SIGNATORY = "signatory"
    AUDITOR = "auditor"
    CUSTOMER = "customer"


TERMINAL_STATES: frozenset[State] = frozenset({State.ISSUED, State.REJECTED, State.CANCELLED})
#: States from which a job may be put on hold (and to which it is resumed).
HOLDABLE_STATES: frozenset[State] = frozenset(
    {State.REQUESTED, State.RECEIVED, State.IN_PROGRESS, State.MEASURED, State.REVIEWED}
)


class WorkflowError(DomainError):
    """A job transition was refused; the message names the job's current state."""


class IllegalTransition(WorkflowError, ValueError):
    """No rule allows going from the current state to the requested one."""

    def __init__(self, current: State, requested: State, allowed: tuple[State, ...]) -> None:
        self.current, self.requested, self.allowed = current, requested, allowed
        if current in TERMINAL_STATES:
            why = f"the job is {current.value}, a final state"
        else:
            targets = ", ".join(s.value for s in allowed) or "none"
            why = f"from {current.value} the job can go to: {targets}"
        super().__init__(f"cannot move a job from {current.value} to {requested.value}: {why}")


class NotPermitted(WorkflowError, PermissionError):
    """The actor holds none of the roles that may make this transition."""

    def __init__(self, current: State, requested: State, actor_id: str, roles: tuple[Role, ...]) -> None:
        self.current, self.requested, self.actor_id, self.roles = current, requested, actor_id, roles
        needed = " or ".join(r.value for r in roles)
        super().__init__(
            f"{actor_id} may not move a job from {current.value} to {requested.value}: "
            f"this needs the role {needed}"
        )


class SameActorForbidden(NotPermitted):
    """Independence rule: the same person may not both measure and review (or approve)."""

    def __init__(self, current: State, requested: State, actor_id: str, reason: str) -> None:
        self.current, self.requested, self.actor_id, self.roles = current, requested, actor_id, ()
        WorkflowError.__init__(
            self, f"{actor_id} may not move a job from {current.value} to {requested.value}: {reason}"
        )


class CommentRequired(WorkflowError, ValueError):
    """This transition must carry a comment (a reason for the return, hold, rejection or cancellation)."""

    def __init__(self, current: State, requested: State) -> None:
        self.current, self.requested = current, requested
        super().__init__(
            f"moving a job from {current.value} to {requested.value} needs a comment giving the reason"
        )


class NaiveTimestamp(WorkflowError, ValueError):
    """Transition timestamps must be timezone-aware so that records from different machines compare."""

    def __init__(self) -> None:
        super().__init__("now: the transition time must be timezone-aware (e.g. datetime.now(UTC))")


@dataclass(frozen=True, slots=True)
class Actor:
    """The person asking for a transition, with the roles they hold."""

    person_id: str
    roles: frozenset[Role]
    name: str = ""


@dataclass(frozen=True, slots=True)
class JobSnapshot:
    """What the state machine needs to know about a job.

    ``held_from`` is the state a job on hold returns to; ``measured_by``/``reviewed_by``/``approved_by`` are
    person ids recorded by earlier transitions (see :func:`apply`).
    """

    state: State
    measured_by: str | None = None
    reviewed_by: str | None = None
    approved_by: str | None = None
    held_from: State | None = None


@dataclass(frozen=True, slots=True)
class TransitionRecord:
    """One recorded state change (an audit-trail row: who, in which role, when, why)."""

    from_state: State
    to_state: State
    actor_id: str
    role: Role
    comment: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class AllowedTransition:
    """A transition the actor may make now, for the UI to offer."""

    to_state: State
    comment_required: bool


# A condition returns None when satisfied, else the reason for refusal.
Condition = Callable[[JobSnapshot, Actor], "str | None"]


def _not_the_technician(job: JobSnapshot, actor: Actor) -> str | None:
    if job.measured_by is not None and job.measured_by == actor.person_id:
        return "they measured this job, and a different person must check it (ISO/IEC 17025 7.5.1)"
    return None


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the transition table; ``to_state`` ``None`` means "back to the state it was held from"."""

    from_states: frozenset[State]
    to_state: State | None
    roles: tuple[Role, ...]
    comment_required: bool = False
    condition: Condition | None = None


def _rule(frm: set[State], to: State | None, roles: tuple[Role, ...], **kw: object) -> Rule:
    return Rule(frozenset(frm), to, roles, **kw)  # type: ignore[arg-type]


_ACTIVE = {State.RECEIVED, State.IN_PROGRESS, State.MEASURED, State.REVIEWED}
_A, _T, _R, _S, _C = Role.ADMIN, Role.TECHNICIAN, Role.REVIEWER, Role.SIGNATORY, Role.CUSTOMER

#: The transition table. Roles are listed in order of preference for the recorded role.
RULES: tuple[Rule, ...] = (
    _rule({State.REQUESTED}, State.RECEIVED, (_T, _A)),
    _rule({State.REQUESTED}, State.REJECTED, (_A, _T), comment_required=True),
    _rule({State.REQUESTED}, State.CANCELLED, (_C, _A), comment_required=True),
    _rule({State.RECEIVED}, State.IN_PROGRESS, (_T, _A)),
    _rule({State.RECEIVED}, State.REJECTED, (_A, _T), comment_required=True),
    _rule({State.IN_PROGRESS}, State.MEASURED, (_T,)),
    _rule({State.MEASURED}, State.IN_PROGRESS, (_R, _T), comment_required=True),
    _rule({State.MEASURED}, State.REVIEWED, (_R,), condition=_not_the_technician),
    _rule({State.REVIEWED}, State.IN_PROGRESS, (_R, _S), comment_required=True),
    _rule({State.REVIEWED}, State.APPROVED, (_S,), condition=_not_the_technician),
    _rule({State.APPROVED}, State.ISSUED, (_S, _A)),
    _rule(_ACTIVE, State.CANCELLED, (_A,), comment_required=True),
    _rule(set(HOLDABLE_STATES), State.ON_HOLD, (_A, _T), comment_required=True),
    _rule({State.ON_HOLD}, State.CANCELLED, (_A,), comment_required=True),
    _rule({State.ON_HOLD}, None, (_A, _T)),  # resume: back to job.held_from
)


def _target(rule: Rule, job: JobSnapshot) -> State | None:
    return job.held_from if rule.to_state is None else rule.to_state


def _matching(job: JobSnapshot, to: State) -> Rule | None:
    for rule in RULES:
        if job.state in rule.from_states and _target(rule, job) == to:
            return rule
    return None


def legal_targets(state: State, *, held_from: State | None = None) -> tuple[State, ...]:
    """Every state reachable in one step from ``state``, whoever asks.

    >>> [s.value for s in legal_targets(State.MEASURED)]
    ['in_progress', 'reviewed', 'cancelled', 'on_hold']
    >>> legal_targets(State.ISSUED)
    ()
    """
    job = JobSnapshot(state=state, held_from=held_from)
    targets: list[State] = []
    for rule in RULES:
        target = _target(rule, job)
        if state in rule.from_states and target is not None and target not in targets:
            targets.append(target)
    return tuple(targets)


def _check(job: JobSnapshot, to: State, actor: Actor, comment: str | None) -> Rule:
    rule = _matching(job, to)
    if rule is None:
        raise IllegalTransition(job.state, to, legal_targets(job.state, held_from=job.held_from))
    if not any(role in actor.roles for role in rule.roles):
        raise NotPermitted(job.state, to, actor.person_id, rule.roles)
    if rule.condition is not None:
        reason = rule.condition(job, actor)
        if reason is not None:
            raise SameActorForbidden(job.state, to, actor.person_id, reason)
    if rule.comment_required and not (comment and comment.strip()):
        raise CommentRequired(job.state, to)
    return rule


def transition(
    job: JobSnapshot, to: State, *, actor: Actor, comment: str | None, now: datetime
) -> TransitionRecord:
    """Check a requested state change and return the record to store, or raise a :class:`WorkflowError`.

    Errors: :class:`IllegalTransition` (no such edge; names the current state and the legal targets),
    :class:`NotPermitted` (actor lacks the role), :class:`SameActorForbidden` (independence of review and
    approval, ISO/IEC 17025 7.5.1 / 7.8.1.1), :class:`CommentRequired`.

    >>> from datetime import UTC, datetime
    >>> now = datetime(2025, 3, 1, tzinfo=UTC)
    >>> transition(JobSnapshot(State.ISSUED), State.IN_PROGRESS,
    ...            actor=Actor("a", frozenset({Role.ADMIN})), comment=None, now=now)
    Traceback (most recent call last):
    ...
    lims.domain.workflow.IllegalTransition: cannot move a job from issued to in_progress: the job is ...
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise NaiveTimestamp()
    rule = _check(job, to, actor, comment)
    role = next(r for r in rule.roles if r in actor.roles)
    text = comment.strip() if comment and comment.strip() else None
    return TransitionRecord(job.state, to, actor.person_id, role, text, now)


def apply(job: JobSnapshot, record: TransitionRecord) -> JobSnapshot:
    """The job after ``record``: the new state plus who measured, reviewed and approved it.

    Returning to ``in_progress`` clears the review and approval, because the results will change.

    >>> from datetime import UTC, datetime
    >>> rec = TransitionRecord(State.IN_PROGRESS, State.MEASURED, "tech-1", Role.TECHNICIAN, None,
    ...                        datetime(2025, 3, 1, tzinfo=UTC))
    >>> apply(JobSnapshot(State.IN_PROGRESS), rec).measured_by
    'tech-1'
    """
    if record.from_state != job.state:
        raise IllegalTransition(job.state, record.to_state, legal_targets(job.state, held_from=job.held_from))
    to = record.to_state
    if to == State.ON_HOLD:
        return replace(job, state=to, held_from=job.state)
    if job.state == State.ON_HOLD:
        # Resuming is not measuring, reviewing or approving: who did those stays as it was.
        return replace(job, state=to, held_from=None)
    new = replace(job, state=to, held_from=None)
    if to == State.MEASURED:
        return replace(new, measured_by=record.actor_id)
    if to == State.REVIEWED:
        return replace(new, reviewed_by=record.actor_id)
    if to == State.APPROVED:
        return replace(new, approved_by=record.actor_id)
    if to == State.IN_PROGRESS and job.state in {State.MEASURED, State.REVIEWED}:
        return replace(new, reviewed_by=None, approved_by=None)
    return new


def allowed_transitions(job: JobSnapshot, actor: Actor) -> list[AllowedTransition]:
    """Transitions ``actor`` may make from the job's current state (for the buttons a page shows).

    >>> job = JobSnapshot(State.MEASURED, measured_by="tech-1")
    >>> [t.to_state.value for t in allowed_transitions(job, Actor("tech-1", frozenset({Role.TECHNICIAN,
    ...                                                                               Role.REVIEWER})))]
    ['in_progress', 'on_hold']
    >>> allowed_transitions(job, Actor("aud", frozenset({Role.AUDITOR})))
    []
    """
    found: list[AllowedTransition] = []
    for rule in RULES:
        target = _target(rule, job)
        if job.state not in rule.from_states or target is None:
            continue
        if not any(role in actor.roles for role in rule.roles):
            continue
        if rule.condition is not None and rule.condition(job, actor) is not None:
            continue
        if all(t.to_state != target for t in found):
            found.append(AllowedTransition(target, rule.comment_required))
    return found

"""Job state machine (lims.domain.workflow): legal transitions, roles, independence, comments, holds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from lims.domain.workflow import (
    HOLDABLE_STATES,
    TERMINAL_STATES,
    Actor,
    CommentRequired,
    IllegalTransition,
    JobSnapshot,
    NaiveTimestamp,
    NotPermitted,
    Role,
    SameActorForbidden,
    State,
    TransitionRecord,
    WorkflowError,
    allowed_transitions,
    apply,
    legal_targets,
    transition,
)

NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
ADMIN = Actor("admin-1", frozenset({Role.ADMIN}))
TECH = Actor("tech-1", frozenset({Role.TECHNICIAN}))
TECH2 = Actor("tech-2", frozenset({Role.TECHNICIAN}))
REVIEWER = Actor("rev-1", frozenset({Role.REVIEWER}))
SIGNATORY = Actor("sig-1", frozenset({Role.SIGNATORY}))
AUDITOR = Actor("aud-1", frozenset({Role.AUDITOR}))
CUSTOMER = Actor("cust-1", frozenset({Role.CUSTOMER}))
# A senior person holding every working role: the independence rules must still stop them.
SENIOR = Actor("senior", frozenset({Role.TECHNICIAN, Role.REVIEWER, Role.SIGNATORY}))


def step(job: JobSnapshot, to: State, actor: Actor, comment: str | None = None) -> JobSnapshot:
    return apply(job, transition(job, to, actor=actor, comment=comment, now=NOW))


def test_happy_path_from_request_to_issue_records_who_did_what() -> None:
    job = JobSnapshot(State.REQUESTED)
    for to, actor in [
        (State.RECEIVED, TECH),
        (State.IN_PROGRESS, TECH),
        (State.MEASURED, TECH),
        (State.REVIEWED, REVIEWER),
        (State.APPROVED, SIGNATORY),
        (State.ISSUED, SIGNATORY),
    ]:
        job = step(job, to, actor)
    assert job == JobSnapshot(State.ISSUED, measured_by="tech-1", reviewed_by="rev-1", approved_by="sig-1")


def test_record_carries_role_comment_and_time() -> None:
    rec = transition(
        JobSnapshot(State.MEASURED, measured_by="tech-1"),
        State.IN_PROGRESS,
        actor=REVIEWER,
        comment="  point 3 readings look transposed  ",
        now=NOW,
    )
    assert rec == TransitionRecord(
        State.MEASURED, State.IN_PROGRESS, "rev-1", Role.REVIEWER, "point 3 readings look transposed", NOW
    )


@pytest.mark.parametrize(
    ("state", "to"),
    [
        (State.REQUESTED, State.MEASURED),
        (State.REQUESTED, State.ISSUED),
        (State.RECEIVED, State.REVIEWED),
        (State.IN_PROGRESS, State.APPROVED),
        (State.MEASURED, State.APPROVED),  # approval needs a review first (ISO/IEC 17025 7.8.1.1)
        (State.REVIEWED, State.ISSUED),
        (State.APPROVED, State.IN_PROGRESS),  # a signed record is changed only by amendment
        (State.APPROVED, State.CANCELLED),
    ],
)
def test_illegal_transition_names_the_current_state(state: State, to: State) -> None:
    with pytest.raises(IllegalTransition, match=f"from {state.value} to {to.value}") as info:
        transition(JobSnapshot(state, measured_by="x"), to, actor=ADMIN, comment="why", now=NOW)
    assert info.value.current == state
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("state", sorted(TERMINAL_STATES))
def test_terminal_states_have_no_way_out(state: State) -> None:
    assert legal_targets(state) == ()
    for to in State:
        with pytest.raises(IllegalTransition, match=f"the job is {state.value}, a final state"):
            transition(JobSnapshot(state), to, actor=ADMIN, comment="reopen", now=NOW)


@pytest.mark.parametrize("state", list(State))
def test_auditor_never_transitions(state: State) -> None:
    job = JobSnapshot(
        state, measured_by="tech-1", held_from=State.RECEIVED if state == State.ON_HOLD else None
    )
    assert allowed_transitions(job, AUDITOR) == []
    for to in State:
        with pytest.raises((IllegalTransition, NotPermitted)):
            transition(job, to, actor=AUDITOR, comment="looking", now=NOW)


@pytest.mark.parametrize(
    ("state", "to", "actor"),
    [
        (State.REQUESTED, State.RECEIVED, CUSTOMER),
        (State.IN_PROGRESS, State.MEASURED, REVIEWER),
        (State.IN_PROGRESS, State.MEASURED, ADMIN),
        (State.MEASURED, State.REVIEWED, TECH2),
        (State.REVIEWED, State.APPROVED, REVIEWER),
        (State.APPROVED, State.ISSUED, TECH),
        (State.RECEIVED, State.CANCELLED, CUSTOMER),  # once received only the lab cancels
    ],
)
def test_role_not_permitted(state: State, to: State, actor: Actor) -> None:
    with pytest.raises(NotPermitted, match=f"{actor.person_id} may not move a job from {state.value}"):
        transition(JobSnapshot(state, measured_by="tech-1"), to, actor=actor, comment="x", now=NOW)


def test_reviewer_must_not_be_the_technician_who_measured() -> None:
    job = JobSnapshot(State.MEASURED, measured_by="senior")
    with pytest.raises(SameActorForbidden, match="they measured this job"):
        transition(job, State.REVIEWED, actor=SENIOR, comment=None, now=NOW)
    assert [t.to_state for t in allowed_transitions(job, SENIOR)] == [State.IN_PROGRESS, State.ON_HOLD]


def test_signatory_must_not_be_the_technician_who_measured() -> None:
    job = JobSnapshot(State.REVIEWED, measured_by="senior", reviewed_by="rev-1")
    with pytest.raises(SameActorForbidden):
        transition(job, State.APPROVED, actor=SENIOR, comment=None, now=NOW)
    assert transition(job, State.APPROVED, actor=SIGNATORY, comment=None, now=NOW).role == Role.SIGNATORY


@pytest.mark.parametrize(
    ("state", "to", "actor"),
    [
        (State.MEASURED, State.IN_PROGRESS, REVIEWER),
        (State.REVIEWED, State.IN_PROGRESS, SIGNATORY),
        (State.IN_PROGRESS, State.ON_HOLD, TECH),
        (State.REQUESTED, State.REJECTED, ADMIN),
        (State.RECEIVED, State.REJECTED, TECH),
        (State.REQUESTED, State.CANCELLED, CUSTOMER),
        (State.MEASURED, State.CANCELLED, ADMIN),
    ],
)
@pytest.mark.parametrize("comment", [None, "", "   "])
def test_returns_holds_rejections_and_cancellations_need_a_comment(
    state: State, to: State, actor: Actor, comment: str | None
) -> None:
    job = JobSnapshot(state, measured_by="tech-1")
    with pytest.raises(CommentRequired, match=f"from {state.value} to {to.value} needs a comment"):
        transition(job, to, actor=actor, comment=comment, now=NOW)
    assert transition(job, to, actor=actor, comment="reason given", now=NOW).comment == "reason given"


@pytest.mark.parametrize("held_from", sorted(HOLDABLE_STATES))
def test_on_hold_resumes_only_to_the_state_it_came_from(held_from: State) -> None:
    job = step(JobSnapshot(held_from, measured_by="tech-1"), State.ON_HOLD, ADMIN, "waiting for customer")
    assert job.held_from == held_from
    assert [t.to_state for t in allowed_transitions(job, TECH)] == [held_from]
    for other in HOLDABLE_STATES - {held_from}:
        with pytest.raises(IllegalTransition, match="from on_hold"):
            transition(job, other, actor=ADMIN, comment="resume", now=NOW)
    resumed = step(job, held_from, TECH)
    assert resumed.state == held_from and resumed.held_from is None


def test_return_to_in_progress_clears_review_and_approval() -> None:
    job = JobSnapshot(State.REVIEWED, measured_by="tech-1", reviewed_by="rev-1")
    job = step(job, State.IN_PROGRESS, SIGNATORY, "uncertainty of point 2 too small")
    assert job.reviewed_by is None and job.approved_by is None and job.measured_by == "tech-1"


def test_customer_may_cancel_only_a_request() -> None:
    assert [t.to_state for t in allowed_transitions(JobSnapshot(State.REQUESTED), CUSTOMER)] == [
        State.CANCELLED
    ]
    assert allowed_transitions(JobSnapshot(State.RECEIVED), CUSTOMER) == []


def test_allowed_transitions_flags_the_comment() -> None:
    found = allowed_transitions(JobSnapshot(State.MEASURED, measured_by="tech-1"), REVIEWER)
    assert [(t.to_state, t.comment_required) for t in found] == [
        (State.IN_PROGRESS, True),
        (State.REVIEWED, False),
    ]


def test_naive_time_is_refused() -> None:
    with pytest.raises(NaiveTimestamp, match="timezone-aware"):
        transition(
            JobSnapshot(State.REQUESTED),
            State.RECEIVED,
            actor=TECH,
            comment=None,
            now=datetime(2025, 3, 1, 9, 30),
        )


def test_resuming_from_hold_does_not_count_as_review() -> None:
    """Regression found by the property below: a technician resuming a held, reviewed job became its
    reviewer."""
    job = JobSnapshot(State.REVIEWED, measured_by="tech-1", reviewed_by="rev-1")
    job = step(step(job, State.ON_HOLD, TECH, "customer query"), State.REVIEWED, TECH)
    assert job == JobSnapshot(State.REVIEWED, measured_by="tech-1", reviewed_by="rev-1")


def test_apply_refuses_a_record_from_another_state() -> None:
    rec = transition(JobSnapshot(State.REQUESTED), State.RECEIVED, actor=TECH, comment=None, now=NOW)
    with pytest.raises(IllegalTransition):
        apply(JobSnapshot(State.MEASURED), rec)


PEOPLE = (
    Actor("p-tech", frozenset({Role.TECHNICIAN})),
    Actor("p-tech-rev", frozenset({Role.TECHNICIAN, Role.REVIEWER})),
    Actor("p-rev-sig", frozenset({Role.REVIEWER, Role.SIGNATORY})),
    Actor("p-all", frozenset({Role.TECHNICIAN, Role.REVIEWER, Role.SIGNATORY, Role.ADMIN})),
    Actor("p-admin", frozenset({Role.ADMIN})),
    Actor("p-aud", frozenset({Role.AUDITOR})),
    Actor("p-cust", frozenset({Role.CUSTOMER})),
)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_no_sequence_reaches_issued_without_independent_review_and_approval(data: st.DataObject) -> None:
    """Property (ISO/IEC 17025 7.5.1, 7.8.1.1): whenever a job is issued, the last measurement was followed by
    a
    review and an approval, each by a person other than the one who recorded that measurement."""
    job = JobSnapshot(State.REQUESTED)
    history: list[TransitionRecord] = []
    for _ in range(data.draw(st.integers(1, 30))):
        if data.draw(st.integers(0, 9)) < 8:
            # Mostly legal moves, so that many runs get as far as issuing.
            movers = [p for p in PEOPLE if allowed_transitions(job, p)]
            if not movers:
                break
            actor = data.draw(st.sampled_from(movers))
            options = allowed_transitions(job, actor)
            forward = [t for t in options if not t.comment_required]
            if forward and data.draw(st.integers(0, 4)) > 0:
                options = forward
            to = data.draw(st.sampled_from(options)).to_state
        else:
            actor = data.draw(st.sampled_from(PEOPLE))
            to = data.draw(st.sampled_from(list(State)))
        comment = data.draw(st.sampled_from([None, "reason"]))
        try:
            rec = transition(job, to, actor=actor, comment=comment, now=NOW)
        except WorkflowError:
            continue
        history.append(rec)
        job = apply(job, rec)
        if job.state == State.ISSUED:
            # Resuming from on_hold back to measured is not a measurement.
            last_measured = max(
                i
                for i, r in enumerate(history)
                if r.to_state == State.MEASURED and r.from_state == State.IN_PROGRESS
            )
            after = history[last_measured + 1 :]
            technician = history[last_measured].actor_id
            # Resuming from on_hold to reviewed/approved is not a review or an approval.
            reviews = [r for r in after if r.to_state == State.REVIEWED and r.from_state == State.MEASURED]
            approvals = [r for r in after if r.to_state == State.APPROVED and r.from_state == State.REVIEWED]
            assert reviews and approvals
            assert all(r.actor_id != technician for r in reviews + approvals)
            assert job.reviewed_by != technician and job.approved_by != technician
            event("issued")
            break

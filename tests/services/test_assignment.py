"""Job assignment (assign, take, reassign, release) with its history and notifications; intake enforced."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.domain.authorisation import AuthorisedRole
from lims.models import JobState, Notification, Role
from lims.services.access import authorisations
from lims.services.access.authorisations import AuthorisationRefused
from lims.services.jobs import assignment, jobs, queues, workload
from tests.factories import make_user
from tests.services import jobsetup

NOW = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)


def _notes(session: Session, user_id: int) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.user_id == user_id)))


def test_manager_assigns_and_reassigns_with_history_and_notifications(session: Session) -> None:
    setup = jobsetup.build(session)
    job = jobsetup.new_job(session, setup, "CAL-DMM-DCV")
    admin = make_user(session, Role.ADMIN)
    second = make_user(session, Role.TECHNICIAN)
    authorisations.grant(session, authorisations.Grant(second.id, "CAL-DMM-DCV", AuthorisedRole.PERFORM,
                                                       date(2025, 1, 1), "training record TR-2"))
    assignment.assign(session, job.id, setup.technician.id, by=admin, expected_version=job.version, now=NOW)
    assert job.technician_id == setup.technician.id
    assert [n.kind for n in _notes(session, setup.technician.id)] == ["job_assigned"]
    assert _notes(session, setup.technician.id)[0].params["number"] == job.number

    assignment.assign(session, job.id, second.id, by=admin, note="Lan nghỉ phép", expected_version=job.version,
                      now=NOW)
    assert job.technician_id == second.id
    history = assignment.history(session, job.id)
    assert [(a.technician_id, a.assigned_by_id, a.note) for a in history] == [
        (setup.technician.id, admin.id, None), (second.id, admin.id, "Lan nghỉ phép")]
    # the first technician is told the job is no longer theirs; the second that it is
    assert [n.kind for n in _notes(session, setup.technician.id)] == ["job_assigned", "job_unassigned"]
    assert [n.kind for n in _notes(session, second.id)] == ["job_assigned"]

    # the workload page credits the assignee
    loads = {load.technician: [j.id for j in load.jobs] for load in workload.workload(session, date(2025, 6, 2))}
    assert job.id in loads[second.full_name]

    assignment.assign(session, job.id, None, by=admin, expected_version=job.version, now=NOW)
    assert job.technician_id is None and assignment.history(session, job.id)[-1].technician_id is None


def test_assignment_is_refused_when_it_cannot_stand(session: Session) -> None:
    setup = jobsetup.build(session)
    job = jobsetup.new_job(session, setup, "CAL-DMM-DCV")
    admin, stranger = make_user(session, Role.ADMIN), make_user(session, Role.TECHNICIAN)
    with pytest.raises(AuthorisationRefused, match="not authorised to perform CAL-DMM-DCV"):
        assignment.assign(session, job.id, stranger.id, by=admin, expected_version=None, now=NOW)
    with pytest.raises(assignment.AssignmentRefused, match="Only an active technician"):
        assignment.assign(session, job.id, setup.reviewer.id, by=admin, expected_version=None, now=NOW)
    with pytest.raises(assignment.AssignmentRefused, match="Only the lab manager"):
        assignment.assign(session, job.id, setup.technician.id, by=setup.technician, expected_version=None,
                          now=NOW)
    with pytest.raises(jobs.JobConflict):
        assignment.assign(session, job.id, setup.technician.id, by=admin, expected_version=job.version + 1,
                          now=NOW)
    assert job.technician_id is None and assignment.history(session, job.id) == []


def test_technician_takes_an_unassigned_job_once(session: Session) -> None:
    setup = jobsetup.build(session)
    job = jobsetup.new_job(session, setup, "CAL-DMM-DCV")
    assignment.take(session, job.id, by=setup.technician, expected_version=job.version, now=NOW)
    assert job.technician_id == setup.technician.id
    assert _notes(session, setup.technician.id) == []  # nobody tells you what you did yourself
    other = make_user(session, Role.TECHNICIAN)
    with pytest.raises(assignment.AssignmentRefused, match="already assigned"):
        assignment.take(session, job.id, by=other, expected_version=None, now=NOW)
    mine = queues.queue_conditions("my_waiting", setup.technician, date(2025, 6, 2))
    assert job.id not in [j.id for j in workload.list_jobs(session, conditions=mine).items]  # still requested


def test_measured_by_and_assignee_agree(session: Session) -> None:
    """Another authorised technician who starts the job takes it over (recorded); "measured by" is then the
    assignee the workload credits."""
    setup = jobsetup.build(session)
    admin = make_user(session, Role.ADMIN)
    job = jobsetup.new_job(session, setup, "CAL-DMM-DCV")
    other = make_user(session, Role.TECHNICIAN)
    authorisations.grant(session, authorisations.Grant(other.id, "CAL-DMM-DCV", AuthorisedRole.PERFORM,
                                                       date(2025, 1, 1), "training record TR-3"))
    assignment.assign(session, job.id, other.id, by=admin, expected_version=None, now=NOW)
    jobsetup.start(session, setup, job)  # setup.technician receives and starts it
    assert job.state == JobState.IN_PROGRESS and job.technician_id == setup.technician.id
    assert [a.technician_id for a in assignment.history(session, job.id)] == [other.id, setup.technician.id]
    with pytest.raises(assignment.AssignmentRefused):
        job.state = JobState.MEASURED
        assignment.assign(session, job.id, other.id, by=admin, expected_version=None, now=NOW)


def test_intake_is_required_before_receipt_and_damage_reaches_the_customer(session: Session) -> None:
    setup = jobsetup.build(session)
    job = jobsetup.new_job(session, setup, "CAL-DMM-DCV")
    with pytest.raises(jobs.JobError, match="before its intake record"):
        jobs.transition_job(session, job.id, "received", user=setup.technician, comment=None,
                            expected_version=None, now=NOW)
    with pytest.raises(jobs.JobError, match="accessories"):
        jobs.record_intake(session, job.id, jobs.Intake("vỏ nguyên vẹn", "  "), expected_version=None)
    with pytest.raises(jobs.JobError, match="note for the customer"):
        jobs.record_intake(session, job.id, jobs.Intake("vỡ màn hình", "không có", damaged=True),
                           expected_version=None)
    assert job.state == JobState.REQUESTED and job.condition_on_arrival is None
    jobs.record_intake(session, job.id, jobs.Intake("vỡ màn hình", "không có", damaged=True,
                                                     damage_note="Màn hình nứt góc trái; vẫn đọc được"),
                       expected_version=None)
    jobs.transition_job(session, job.id, "received", user=setup.technician, comment=None,
                        expected_version=None, now=NOW)
    assert job.state == JobState.RECEIVED
    told = list(session.scalars(select(Notification).where(Notification.enterprise_id == job.enterprise_id,
                                                           Notification.kind == "job_damaged")))
    assert [n.params["note"] for n in told] == ["Màn hình nứt góc trái; vẫn đọc được"]

"""In-app notifications: addressing, read state per reader, and the job-state hook in plain words."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.errors import N_, NotFound
from lims.models import LAB_AUDIENCE, JobState, Notification, Role
from lims.services.common import notifications
from tests.factories import make_enterprise, make_user
from tests.services.jobsetup import build, new_job, start

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_addressing_user_enterprise_and_lab_audience(session: Session) -> None:
    one, two = make_enterprise(session), make_enterprise(session)
    alice = make_user(session, Role.CUSTOMER, enterprise_id=one.id)
    bob = make_user(session, Role.CUSTOMER, enterprise_id=one.id)
    carol = make_user(session, Role.CUSTOMER, enterprise_id=two.id)
    admin, tech, auditor = (make_user(session, r) for r in (Role.ADMIN, Role.TECHNICIAN, Role.AUDITOR))
    for_one = notifications.notify(
        session, kind="t", msgid=N_("Request %(number)s"), params={"number": "YC-1"}, enterprise_id=one.id
    )
    for_lab = notifications.notify(session, kind="t", msgid="x", audience=LAB_AUDIENCE)
    for_carol = notifications.notify(session, kind="t", msgid="x", user_id=carol.id)
    seen = {
        u.username: {i.notification.id for i in notifications.list_for(session, u).items}
        for u in (alice, bob, carol, admin, tech, auditor)
    }
    assert seen[alice.username] == seen[bob.username] == {for_one.id}
    assert seen[carol.username] == {for_carol.id}
    assert seen[admin.username] == seen[tech.username] == {for_lab.id}
    assert seen[auditor.username] == set()
    with pytest.raises(NotFound):
        notifications.get_for(session, carol, for_one.id)
    with pytest.raises(ValueError):
        notifications.notify(session, kind="t", msgid="x", user_id=alice.id, enterprise_id=one.id)


def test_read_state_is_per_reader(session: Session) -> None:
    ent = make_enterprise(session)
    alice = make_user(session, Role.CUSTOMER, enterprise_id=ent.id)
    bob = make_user(session, Role.CUSTOMER, enterprise_id=ent.id)
    outsider = make_user(session, Role.CUSTOMER)
    first = notifications.notify(session, kind="t", msgid="a", enterprise_id=ent.id)
    notifications.notify(session, kind="t", msgid="b", enterprise_id=ent.id)
    assert notifications.unread_count(session, alice) == notifications.unread_count(session, bob) == 2
    assert notifications.mark_read(session, outsider, [first.id], now=NOW) == 0  # not addressed to them
    assert notifications.mark_read(session, alice, [first.id], now=NOW) == 1
    assert notifications.mark_read(session, alice, [first.id], now=NOW) == 0  # already read: no second row
    assert notifications.unread_count(session, alice) == 1 and notifications.unread_count(session, bob) == 2
    listed = {i.notification.id: i.read_at for i in notifications.list_for(session, alice).items}
    assert listed[first.id] is not None
    unread = notifications.list_for(session, alice, unread_only=True).items
    assert [i.notification.msgid for i in unread] == ["b"]
    assert notifications.mark_all_read(session, bob, now=NOW) == 2
    assert notifications.unread_count(session, bob) == 0


def test_job_state_changes_reach_the_customer_in_plain_words(session: Session) -> None:
    setup = build(session)
    job = new_job(session, setup, "CAL-DMM-DCV")
    start(session, setup, job)  # requested → received → in_progress
    rows = list(
        session.scalars(
            select(Notification).where(Notification.kind == "job_state").order_by(Notification.id)
        )
    )
    assert [r.params["status"] for r in rows] == ["received at the lab", "being calibrated"]
    assert all(r.enterprise_id == job.enterprise_id and r.translated_params == ["status"] for r in rows)
    assert rows[0].link_endpoint == "portal.job" and rows[0].link_args == {"job_id": job.id}
    assert job.number in rows[0].params["number"]


def test_internal_steps_with_the_same_plain_status_are_not_repeated(session: Session) -> None:
    setup = build(session)
    job = new_job(session, setup, "CAL-DMM-DCV")
    assert notifications.job_state_changed(session, job, JobState.MEASURED, JobState.REVIEWED) is None
    assert notifications.job_state_changed(session, job, JobState.REVIEWED, JobState.APPROVED) is not None


def test_bell_counts_among_the_newest_only(session: Session) -> None:
    ent = make_enterprise(session)
    alice = make_user(session, Role.CUSTOMER, enterprise_id=ent.id)
    made = [notifications.notify(session, kind="t", msgid=f"m{n}", enterprise_id=ent.id) for n in range(5)]
    notifications.notify(session, kind="t", msgid="own", user_id=alice.id)
    notifications.mark_read(session, alice, [made[-1].id], now=NOW)
    assert notifications.unread_count(session, alice) == 5
    assert notifications.unread_count(session, alice, recent=3) == 3  # m2, m3 unread, own; m4 read
    assert notifications.unread_count(session, alice, recent=100) == 5


def test_a_verification_job_reads_being_verified_not_being_calibrated() -> None:
    from lims.services.common.notifications import customer_status

    assert customer_status(JobState.IN_PROGRESS) == "being calibrated"
    assert customer_status(JobState.IN_PROGRESS, verification=True) == "being verified"
    assert customer_status(JobState.RECEIVED, verification=True) == "received at the lab"
    assert customer_status(JobState.ISSUED, True, verification=True) == (
        "verification failed: notice issued, no certificate"
    )
    assert customer_status(JobState.APPROVED, True, verification=True) == (
        "approved, notice of failed verification being prepared"
    )
    assert customer_status(JobState.APPROVED, verification=True) == "approved, certificate being prepared"

"""Every demo job's history reads as a laboratory would have lived it (auditors read every timeline).

Registered on the day the job says it was requested, received after that, measured on the day it says it was
measured during working hours, reviewed later, approved later, issued after approval; the certificate or the
notice of failed verification dated on or after the decision it records; no two steps at the same minute; all
of it on working days (Monday to Friday, 08:00–17:00 in Hà Nội) before the day the demo is loaded.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.localtime import lab_zone
from lims.models import (
    Certificate,
    ElectronicSignature,
    Job,
    JobAssignment,
    JobState,
    JobTransition,
    Measurement,
    Notification,
    VerificationFailureNotice,
)
from tests.conftest import DEMO_TODAY

ORDER = [
    JobState.RECEIVED,
    JobState.IN_PROGRESS,
    JobState.MEASURED,
    JobState.REVIEWED,
    JobState.APPROVED,
    JobState.ISSUED,
]


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _local(moment: datetime) -> datetime:
    return _utc(moment).astimezone(lab_zone())


def _working_hours(moments: Iterable[datetime], where: str) -> None:
    for moment in moments:
        local = _local(moment)
        assert local.weekday() < 5, f"{where}: {local:%a %d/%m %H:%M} is a weekend"
        assert time(8) <= local.time() <= time(17), f"{where}: {local:%d/%m %H:%M} is outside working hours"
        assert local.date() < DEMO_TODAY, f"{where}: {local:%d/%m %H:%M} is not before the demo's day"


@pytest.mark.demo
def test_every_demo_job_history_is_ordered_and_matches_its_dates(session: Session) -> None:
    _check_histories(session, minimum=40)


@pytest.mark.demo
def test_the_customers_notifications_are_dated_at_the_steps_they_tell_of(session: Session) -> None:
    """ "Job … received at the lab" is dated when the job was received, not when the demo was loaded."""
    steps: dict[int, set[datetime]] = {}
    for job_id, at in session.execute(select(JobTransition.job_id, JobTransition.at)):
        steps.setdefault(job_id, set()).add(_utc(at))
    told = session.scalars(
        select(Notification).where(Notification.kind.in_(("job_state", "verification_failed")))
    ).all()
    assert len(told) >= 40
    for n in told:
        assert _utc(n.created_at) in steps[int(n.link_args["job_id"])], (n.kind, n.params)


@pytest.mark.demo(scale=400, seed=7, today=DEMO_TODAY)  # the data set tests/services/test_demo_scale.py grows
def test_every_generated_job_history_is_ordered_and_matches_its_dates(session: Session) -> None:
    """``lims demo --scale``'s generated jobs follow the same working-day schedule as the demo's own."""
    _check_histories(session, minimum=400)


def _check_histories(session: Session, *, minimum: int) -> None:
    jobs = session.scalars(select(Job).order_by(Job.id)).all()
    assert len(jobs) >= minimum
    for job in jobs:
        where = f"{job.number} ({job.state.value})"
        if job.requested_on == DEMO_TODAY:  # converted from a customer's request as the demo loads
            assert job.state == JobState.REQUESTED and job.received_on is None, where
            continue
        registered = _utc(job.created_at)
        assert _local(registered).date() == job.requested_on, where
        steps = session.scalars(
            select(JobTransition).where(JobTransition.job_id == job.id).order_by(JobTransition.id)
        ).all()
        moments = [registered, *(_utc(t.at) for t in steps)]
        # recorded in order, each step at least a few minutes after the one before (no two at one minute)
        assert all(b - a >= timedelta(minutes=5) for a, b in itertools.pairwise(moments)), where
        _working_hours(moments, where)
        at = {t.to_state: _utc(t.at) for t in steps}
        if steps:  # received, or turned down before receipt
            assert steps[0].to_state in (JobState.RECEIVED, JobState.CANCELLED, JobState.REJECTED), where
        reached = [s for s in ORDER if s in at]
        assert reached == ORDER[: len(reached)], where  # the workflow's order, none skipped
        if JobState.RECEIVED in at:
            assert job.received_on == _local(at[JobState.RECEIVED]).date(), where
            assert at[JobState.RECEIVED] - registered >= timedelta(hours=3), where
        else:
            assert job.received_on is None, where
        if JobState.ON_HOLD in at:
            assert job.state == JobState.ON_HOLD and at[JobState.ON_HOLD] > at[JobState.RECEIVED], where
        points = session.scalars(select(Measurement).where(Measurement.job_id == job.id)).all()
        if JobState.IN_PROGRESS in at:
            assert points and job.measured_on is not None, where
            saved = [_utc(p.updated_at) for p in points if p.updated_at is not None]
            assert saved, where
            _working_hours(saved, f"{where} points")
            assert all(at[JobState.IN_PROGRESS] < s for s in saved), where
            assert all(_local(s).date() == job.measured_on for s in saved), where
            if JobState.MEASURED in at:
                assert all(s < at[JobState.MEASURED] for s in saved), where
                assert _local(at[JobState.MEASURED]).date() == job.measured_on, where
        else:
            assert not points and job.measured_on is None, where
        assignments = session.scalars(select(JobAssignment).where(JobAssignment.job_id == job.id)).all()
        assert all(registered < _utc(a.at) for a in assignments), where
        signatures = session.scalars(
            select(ElectronicSignature).where(ElectronicSignature.job_id == job.id)
        ).all()
        if JobState.APPROVED in at:
            assert [_utc(s.signed_at) for s in signatures] == [at[JobState.APPROVED]], where
        else:
            assert not signatures, where
        certificates = session.scalars(
            select(Certificate).where(Certificate.job_id == job.id).order_by(Certificate.revision)
        ).all()
        notice = session.scalar(
            select(VerificationFailureNotice).where(VerificationFailureNotice.job_id == job.id)
        )
        if JobState.ISSUED in at:
            issued = at[JobState.ISSUED]
            assert bool(certificates) != (notice is not None), where  # a certificate, or the notice
            for cert in certificates:
                when = _utc(cert.issued_at)
                _working_hours([when], f"{where} {cert.number}")
                if cert.revision == 0:
                    assert when == issued, where
                else:  # an amendment: a later working day
                    assert _local(when).date() > _local(issued).date(), where
            if notice is not None:
                assert _utc(notice.issued_at) == issued, where
                assert notice.verified_on == job.measured_on, where
                assert _local(notice.issued_at).date() >= _local(at[JobState.APPROVED]).date(), where
        else:
            assert not certificates and notice is None, where


@pytest.mark.demo
def test_the_failed_verification_reads_in_order_on_the_portal(session: Session) -> None:
    """The customer's progress table of the failed scale (JOB-…-00009 in the screenshots): registered on
    the day in the header, each status at its own time, "being verified" (not calibrated), the notice last."""
    from lims.models import User
    from lims.services.customers.portal_jobs import history

    notice = session.scalars(select(VerificationFailureNotice)).one()
    job = session.get_one(Job, notice.job_id)
    customer = session.scalars(
        select(User).where(User.enterprise_id == job.enterprise_id).order_by(User.id)
    ).first()
    assert customer is not None
    changes = history(session, customer, job.id)
    assert [c.status for c in changes] == [
        "registered, waiting for the instrument",
        "received at the lab",
        "being verified",
        "results being checked",
        "approved, notice of failed verification being prepared",
        "verification failed: notice issued, no certificate",
    ]
    assert _local(changes[0].at).date() == job.requested_on
    assert all(a.at < b.at for a, b in itertools.pairwise(changes))
    assert changes[-1].at == _utc(notice.issued_at)


@pytest.mark.demo
def test_the_failed_verification_approval_told_the_customer_a_notice_is_prepared(session: Session) -> None:
    """The customer's notification of the failed scale's approval named the notice, not a certificate (the
    results failed when they were approved)."""
    notice = session.scalars(select(VerificationFailureNotice)).one()
    job = session.get_one(Job, notice.job_id)
    told = [
        n.params["status"]
        for n in session.scalars(select(Notification).where(Notification.enterprise_id == job.enterprise_id))
        if n.kind == "job_state" and n.params.get("number") == job.number
    ]
    assert "approved, notice of failed verification being prepared" in told
    assert "approved, certificate being prepared" not in told

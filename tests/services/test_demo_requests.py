"""The demo data set's service requests and notifications: every new portal page has something to show."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.models import Job, RequestState, ServiceRequest, User
from lims.services.common import notifications
from lims.services.customers import portal_jobs
from lims.services.customers import service_requests as sr


@pytest.mark.demo
def test_demo_requests_in_every_state_and_unread_notifications(session: Session) -> None:
    annam = session.scalar(select(User).where(User.username == "kh.annam"))
    admin = session.scalar(select(User).where(User.username == "admin"))
    auditor = session.scalar(select(User).where(User.username == "dg.mai"))
    assert annam is not None and admin is not None and auditor is not None
    mine = sr.list_requests(session, annam).items
    assert {r.state for r in mine} == set(RequestState)
    rejected = next(r for r in mine if r.state == RequestState.REJECTED)
    assert rejected.rejection_reason
    converted = next(r for r in mine if r.state == RequestState.CONVERTED)
    jobs = session.scalars(select(Job).where(Job.id.in_([i.job_id for i in converted.items]))).all()
    assert len(jobs) == 2 and all(j.requirements["decision_rule"] == "simple" for j in jobs)
    assert portal_jobs.list_jobs(session, annam).items
    assert portal_jobs.history(session, annam, jobs[0].id)
    kinds = {i.notification.kind for i in notifications.list_for(session, annam, unread_only=True).items}
    # and their complaint acknowledged by the lab (lims/services/demo/quality.py)
    assert kinds == {"request_accepted", "request_scheduled", "request_rejected", "request_converted", "complaint"}
    # the two requests still waiting for the lab, the record the failed check of CDL-KL-003 opened, the complaint
    assert notifications.unread_count(session, admin) == 4
    assert notifications.unread_count(session, auditor) == 0
    waiting = session.scalar(
        select(func.count()).select_from(ServiceRequest).where(ServiceRequest.state == RequestState.SUBMITTED)
    )
    assert waiting == 2

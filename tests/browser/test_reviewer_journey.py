"""The reviewer checks a measured job and passes it on to the signatory (ISO/IEC 17025:2017 7.8.1.1: results
are reviewed before release); the move, its comment and the reviewer's name are recorded."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def test_reviewer_reviews_a_measured_job(page: Any, live_server: str, live_database: Any) -> None:
    from sqlalchemy import select

    from lims.models import Job, JobState, JobTransition, User

    with live_database.session() as session:
        job = session.scalar(select(Job).where(Job.state == JobState.MEASURED).order_by(Job.id).limit(1))
        assert job is not None, "the demo holds a measured job"
        job_id, number = job.id, job.number

    log_in(page, live_server, "kt.hung")
    page.goto(live_server + "/jobs/?state=measured")
    page.locator(f"a:has-text('{number}')").first.click()
    assert page.locator("form[action$='/approve']").count() == 0  # a reviewer does not sign
    page.fill("#comment", "Đã kiểm tra ngân sách độ không đảm bảo đo và kết quả")
    page.locator("button[name=to][value=reviewed]").click()
    page.wait_for_load_state()
    assert number in page.locator(".flash").first.inner_text()

    with live_database.session() as session:
        job = session.get(Job, job_id)
        reviewer = session.scalar(select(User).where(User.username == "kt.hung"))
        assert job.state == JobState.REVIEWED and job.reviewed_by_id == reviewer.id
        last = session.scalar(
            select(JobTransition)
            .where(JobTransition.job_id == job_id)
            .order_by(JobTransition.id.desc())
            .limit(1)
        )
        assert (last.to_state, last.actor_id) == (JobState.REVIEWED, reviewer.id)
        assert last.comment == "Đã kiểm tra ngân sách độ không đảm bảo đo và kết quả"

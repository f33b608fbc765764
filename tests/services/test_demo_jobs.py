"""The demo data set's jobs, loaded through the real services on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.models import ElectronicSignature, Job, JobStandard, Measurement, PersonnelAuthorisation


@pytest.mark.demo
def test_demo_jobs_span_the_lifecycle_with_results(session: Session) -> None:
    states = dict(session.execute(select(Job.state, func.count()).group_by(Job.state)).all())
    assert len(states) >= 5 and states.keys() >= {"requested", "in_progress", "measured", "approved"}
    approved = session.scalars(select(Job).where(Job.state == "approved")).all()
    assert {j.procedure.code for j in approved if j.procedure} == {
        "VER-NAWI-R76", "CAL-NAWI-CG18", "CAL-PG-DKD", "CAL-TH-BATH", "CAL-DMM-DCV"}
    for job in approved:
        rows = session.scalars(select(Measurement).where(Measurement.job_id == job.id)).all()
        assert rows and all(r.point and r.point.expanded_uncertainty > 0 and r.point.coverage_factor >= 2 for r in rows)
        assert session.scalar(select(func.count()).select_from(JobStandard).where(JobStandard.job_id == job.id))
        assert session.scalar(select(ElectronicSignature.printed_name).where(ElectronicSignature.job_id == job.id))
    assert session.scalar(select(func.count()).select_from(PersonnelAuthorisation)) == 20

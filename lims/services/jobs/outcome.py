"""A verification job's outcome as its approved results tell it, before any notice or certificate exists.

Known once the results are approved: the customer is told a notice of failed verification (not a
certificate) is being prepared (:func:`lims.services.common.notifications.job_state_changed`), the portal
reads the job as failed (:mod:`lims.services.customers.permitted_use`), and the notice names the failing
points (:mod:`lims.services.certificates.failure`).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from certificates.metrology.decision import Verdict
from lims.models import Job, JobKind, Measurement, WeighingTest

#: Point verdicts that make a verification fail (lims.services.certificates.failure names them on the notice):
#: a failed point, and a point on which no statement of conformity can be made (not a pass, ILAC-G8 4.2.1).
FAILING_VERDICTS = frozenset({Verdict.FAIL, Verdict.CONDITIONAL_FAIL, Verdict.NO_STATEMENT})


def failing_verifications(session: Session, job_ids: Iterable[int]) -> set[int]:
    """Those of ``job_ids`` that are verification jobs whose recorded results fail: a point the decision rule
    failed or could make no statement on, or a weighing test not passed. Known once the results are
    approved, before the notice of failed verification is issued, so that the customer is told a notice
    (not a certificate) is being prepared."""
    ids = sorted(set(job_ids))
    if not ids:
        return set()
    verification = set(
        session.scalars(select(Job.id).where(Job.id.in_(ids), Job.kind == JobKind.VERIFICATION))
    )
    if not verification:
        return set()
    failing: set[int] = set()
    for m in session.scalars(select(Measurement).where(Measurement.job_id.in_(sorted(verification)))):
        point = m.point
        if point is not None and point.verdict in FAILING_VERDICTS:
            failing.add(m.job_id)
    tests = session.execute(
        select(WeighingTest.job_id, WeighingTest.result).where(
            WeighingTest.job_id.in_(sorted(verification - failing)), WeighingTest.point_index == -1
        )
    ).all()
    failing.update(job_id for job_id, result in tests if (result or {}).get("passed") is False)
    return failing

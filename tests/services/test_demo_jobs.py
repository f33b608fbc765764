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
        "VER-NAWI-R76",
        "CAL-NAWI-CG18",
        "CAL-PG-DKD",
        "CAL-TH-BATH",
        "CAL-DMM-DCV",
    }
    for job in approved:
        rows = session.scalars(select(Measurement).where(Measurement.job_id == job.id)).all()
        # k ≥ 1: a Monte Carlo interval (JCGM 101 clause 8) of rectangular-dominated budgets gives k = U/u < 2
        assert rows and all(
            r.point and r.point.expanded_uncertainty > 0 and r.point.coverage_factor >= 1 for r in rows
        )
        assert session.scalar(
            select(func.count()).select_from(JobStandard).where(JobStandard.job_id == job.id)
        )
        assert session.scalar(
            select(ElectronicSignature.printed_name).where(ElectronicSignature.job_id == job.id)
        )
    # 4 grants for each of the 5 procedures with demo jobs and of the 3 other DMM functions (EURAMET cg-15)
    assert session.scalar(select(func.count()).select_from(PersonnelAuthorisation)) == 32


#: The scale verification demo jobs follow OIML R 76-1 annex A with change-point weights (VER-NAWI-R76 2.0):
#: U ≤ MPE/3, so their points earn a simple-acceptance statement.
@pytest.mark.demo
def test_every_demo_point_has_k_at_most_3_and_earns_its_statement(session: Session) -> None:
    """Done-when of issue 16: ``lims jobs show`` on every demo job gives k ≤ 3 at every point unless the
    point's note explains a small ν_eff, and every pass/fail under simple acceptance has U ≤ MPE/3."""
    from decimal import Decimal

    from certificates.metrology import RuleKind, Verdict

    checked = 0
    for m in session.scalars(select(Measurement)):
        for point in (m.point, m.as_found_point):
            if point is None:
                continue
            checked += 1
            where = f"job {m.job_id} point {m.point_index}"
            assert point.coverage_factor <= 3 or any("ν_eff" in n for n in point.notes), where
            stated = point.verdict not in (None, Verdict.NO_STATEMENT)
            if stated and point.decision_rule is not None and point.decision_rule.kind is RuleKind.SIMPLE:
                # U ≤ MPE/3, or (issue 17) a fail beyond the limit by more than U, certain whatever the TUR
                assert point.mpe is not None, where
                beyond = (
                    point.verdict is Verdict.FAIL
                    and abs(point.error) - point.expanded_uncertainty > point.mpe
                )
                assert point.expanded_uncertainty * 3 <= point.mpe or beyond, where
            if point.verdict is Verdict.NO_STATEMENT:
                assert point.no_statement_reason is not None, where
            if point.quantity in ("temperature", "DC voltage"):
                # re-done with CAL-TH-BATH 2.0 and CAL-DMM-DCV 2.0: k ≤ 3 with no exception for a small ν_eff
                assert point.coverage_factor <= 3, where
            if point.quantity.endswith("pressure"):
                # re-done with CAL-PG-DKD 2.0: hysteresis reported, never a Type A sample of two
                assert point.hysteresis is not None and point.hysteresis >= Decimal(0), where
                assert point.coverage_factor <= Decimal("2.0"), where
    assert checked > 50


@pytest.mark.demo
def test_demo_verifications_pass_only_where_every_point_earned_it(session: Session) -> None:
    """Issue 16 with the VER-NAWI-R76 1.0 exception gone: no demo job is on a withdrawn procedure version, every
    verification certificate of the demo is for a job whose every point the decision engine passed (a point
    without a statement is not a pass), and every notice of failed verification is for a job with a point
    failed or without a statement."""
    from certificates.metrology import Verdict
    from lims.models import Certificate, JobKind, Procedure, VerificationFailureNotice

    withdrawn = session.scalars(
        select(Job.number)
        .join(Procedure, Job.procedure_id == Procedure.id)
        .where(Procedure.is_active.is_(False))
    ).all()
    assert withdrawn == []

    def verdicts(job_id: int) -> set[Verdict | None]:
        rows = session.scalars(select(Measurement).where(Measurement.job_id == job_id)).all()
        assert rows and all(r.point is not None for r in rows), job_id
        return {r.point.verdict for r in rows if r.point is not None}

    certified = session.scalars(
        select(Certificate.job_id).where(Certificate.kind == JobKind.VERIFICATION)
    ).all()
    noticed = session.scalars(select(VerificationFailureNotice.job_id)).all()
    assert certified and noticed
    for job_id in certified:
        assert verdicts(job_id) == {Verdict.PASS}, job_id
    for job_id in noticed:
        assert verdicts(job_id) & {Verdict.FAIL, Verdict.CONDITIONAL_FAIL, Verdict.NO_STATEMENT}, job_id


@pytest.mark.demo
def test_demo_thermometer_and_dmm_jobs_use_the_rebuilt_methods(session: Session) -> None:
    """Issue 16: the thermometer jobs use CAL-TH-BATH 2.0 (SPRT, readout and bath inside its usable range),
    the multimeter jobs CAL-DMM-DCV 2.0 (EURAMET cg-15: zero, +10/50/90 % and −90 % of the range), each
    point's budget with the calibrator's drift relative to its output."""
    from lims.models import Procedure

    rows = session.execute(
        select(Job, Procedure)
        .join(Procedure, Job.procedure_id == Procedure.id)
        .where(Procedure.code.in_(("CAL-TH-BATH", "CAL-DMM-DCV")))
    ).all()
    assert rows and {p.version for _, p in rows} == {"2.0"}
    dmm_points: set[float] = set()
    errors: set[float] = set()
    for job, proc in rows:
        for m in session.scalars(select(Measurement).where(Measurement.job_id == job.id)):
            assert m.point is not None
            if proc.code == "CAL-DMM-DCV":
                dmm_points.add(float(m.point.nominal))
                errors.add(float(m.point.error))
            else:
                assert -40 <= float(m.point.nominal) <= 150  # the oil bath's usable range
        roles = {s.role for s in session.scalars(select(JobStandard).where(JobStandard.job_id == job.id))}
        if roles:
            expected = {"reference", "readout", "bath"} if proc.code == "CAL-TH-BATH" else {"calibrator"}
            assert roles == expected, job.id
    assert dmm_points == {0.0, 0.6, 3.0, 5.4, -5.4}
    assert len(errors) > 2  # errors differ from point to point

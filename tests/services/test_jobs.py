"""Jobs from request to approval for every shipped procedure, on SQLite and PostgreSQL.

Each point checked here is worked by hand in its test's docstring: standard uncertainties per GUM 4.2.3
(type A s/√n), 4.3.7 (rectangular a/√3) and 4.3.3 (certificate U/k); u_c = √Σu_i² for the unit-sensitivity
linear models (GUM 5.1.2); ν_eff by Welch–Satterthwaite (GUM G.4.1) with the type A input's ν = n − 1 and
every type B input taken as exactly known; k = t_95.45(⌊ν_eff⌋) (GUM G.3.4, table G.2); U = k·u_c.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from scipy import special
from sqlalchemy.orm import Session

from certificates.metrology import RuleKind, Verdict
from lims.domain.workflow import State
from lims.models import JobState, Measurement
from lims.services.bench import measurements
from lims.services.bench.measurements import PointInput
from lims.services.certificates import signatures
from lims.services.jobs import jobs
from lims.services.jobs.errors import ReadingError
from tests.services import jobsetup

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def k_95(u_c: float, u_a: float, n: int) -> float:
    """GUM G.4.1 with one type A input (ν = n − 1), then G.3.4 for p = 95.45 %."""
    nu = (n - 1) * (u_c / u_a) ** 4
    return round(float(special.stdtrit(math.floor(nu), 0.97725)), 2)


def save_all(
    session: Session,
    setup: jobsetup.Lab4,
    job: Any,
    special_point: dict[int, tuple[list[str], str, dict[str, str]]],
    environment: dict[str, str],
) -> dict[int, Measurement]:
    points = measurements.test_points(job)
    for index, nominal in enumerate(points):
        readings, reference, env = special_point.get(
            index, ([f"{nominal + 0.002 * (i % 2):.4f}" for i in range(5)], f"{nominal:.4f}", environment)
        )
        jobsetup.save_point(
            session, job, PointInput(index, readings, reference, env), setup.technician, now=NOW
        )
    return measurements.measurements(session, job.id)


def lpu_of(m: Measurement) -> Any:
    """The law-of-propagation result of a point's stored budget (the hand calculations are of this)."""
    from lims.domain.uncertainty import evaluate_budget, parse_budget

    assert m.budget is not None
    return evaluate_budget(parse_budget(m.budget)).propagation


def check_interval(m: Measurement) -> None:
    """The bench ran JCGM 101 clause 8: a validated propagation is reported as computed, otherwise the
    Monte Carlo interval, and the point says which."""
    point, lpu = m.point, lpu_of(m)
    assert point is not None
    if point.interval_method == "lpu_validated":
        assert float(point.expanded_uncertainty) == pytest.approx(lpu.expanded_uncertainty, rel=1e-9)
    else:
        assert point.interval_method == "mcm" and any("Monte Carlo" in n for n in point.notes)
        assert float(point.expanded_uncertainty) == pytest.approx(lpu.expanded_uncertainty, rel=0.25)


def finish(session: Session, setup: jobsetup.Lab4, job: Any) -> None:
    jobsetup.measure_and_review(session, setup, job, now=NOW)
    sig = jobsetup.sign(session, job, setup.signatory, meaning="Approval of the results", now=NOW)
    assert job.state == JobState.APPROVED
    assert (job.measured_by_id, job.reviewed_by_id, job.approved_by_id) == (
        setup.technician.id,
        setup.reviewer.id,
        setup.signatory.id,
    )
    assert sig.printed_name == setup.signatory.full_name and sig.signed_at == NOW
    assert len(sig.content_sha256) == 64
    assert [t.to_state.value for t in jobs.transitions(session, job.id)] == [
        "received",
        "in_progress",
        "measured",
        "reviewed",
        "approved",
    ]


def test_numbers_are_per_year_and_gap_free(session: Session) -> None:
    setup = jobsetup.build(session)
    first = jobsetup.new_job(session, setup, "CAL-DMM-DCV")
    second = jobsetup.new_job(session, setup, "CAL-DMM-DCV")
    assert first.number == "JOB-2025-00001" and second.number == "JOB-2025-00002"
    assert jobs.next_number(session, 2026) == "JOB-2026-00001"


def test_nawi_verification_request_to_approval(session: Session) -> None:
    """VER-NAWI-R76 2.0 (OIML R 76-1 annex A) on a 30 kg × 5 g class III scale, F2 weights certified in grams
    (0.08 g, k = 2; drift 0.05 g), after the annex A tests of ``jobsetup.SCALE_TESTS`` (E_0 = 0; six weighings
    at 15 kg, s_rep = 0.20412 g, ν = 5).

    At 15 kg against 15.0001 kg: increasing I = 15.005 kg with change-point weights ΔL = 4.5 g gives
    P = I + ½e − ΔL − E_0 = 15.003 kg; decreasing I = 15.005 kg with ΔL = 3.0 g gives 15.0045 kg, the worse one:
    E_c = 15.0045 − 15.0001 = 4.4 g (A.4.4.3). u(P) = s_rep = 0.20412 g; u(dP_L) = u(dP_0) = 0.25 g/√3 =
    0.14434 g (steps of 0.1 e = 0.5 g); u(m_ref) = 0.04 g; u(dm_D) = 0.05 g/√3 = 0.028868 g;
    u_c = √(0.041667 + 2 × 0.020833 + 0.0016 + 0.00083333) = 0.29286 g; ν_eff = 5·(0.29286/0.20412)⁴ = 21.2 →
    k = t(21) = 2.13, U = 0.62 g. MPE = 1.5 e = 7.5 g (R 76-1 table 6, 3 000 e): U ≤ MPE/3 = 2.5 g, so simple
    acceptance earns its statement (issue 16), and |E_c| ≤ MPE passes.
    """
    setup = jobsetup.build(session)
    job = jobsetup.started_job(session, setup, "VER-NAWI-R76")
    assert (job.procedure.version, measurements.test_points(job)) == ("2.0", (0.1, 2.5, 10.0, 15.0, 30.0))
    with pytest.raises(ReadingError, match="zero-setting test"):  # annex A: the tests come first
        jobsetup.save_point(
            session,
            job,
            PointInput(
                3,
                ["15.005", "15.005"],
                "15.0001",
                {"temperature": "24"},
                weighing={"added": ["0.0045", "0.003"]},
            ),
            setup.technician,
            now=NOW,
        )
    jobsetup.record_scale_tests(session, setup, job, now=NOW)
    for index, nominal in enumerate(measurements.test_points(job)):
        readings, reference, added = [f"{nominal:g}"] * 2, f"{nominal:g}", [jobsetup.CHANGE_POINT_KG] * 2
        if index == 3:
            readings, reference, added = ["15.005", "15.005"], "15.0001", ["0.0045", "0.003"]
        jobsetup.save_point(
            session,
            job,
            PointInput(index, readings, reference, {"temperature": "24"}, weighing={"added": added}),
            setup.technician,
            now=NOW,
        )
    done = measurements.measurements(session, job.id)
    r = done[3].point
    assert r is not None
    assert r.indication == Decimal("15.0045") and float(r.error) == pytest.approx(0.0044, abs=1e-9)
    assert [i["name"] for i in done[3].budget["inputs"]] == ["P", "dP_L", "dP_0", "m_ref", "dm_D"]
    lpu = lpu_of(done[3])
    assert lpu.standard_uncertainty == pytest.approx(0.29286e-3, rel=1e-4)
    assert lpu.coverage_factor == k_95(0.29286e-3, 0.20412e-3, 6) == 2.13
    check_interval(done[3])
    assert float(r.mpe) == 0.0075 and r.decision_rule is not None and r.decision_rule.kind is RuleKind.SIMPLE
    assert (r.verdict, r.no_statement_reason) == (Verdict.PASS, None) and 3 * r.expanded_uncertainty <= r.mpe
    finish(session, setup, job)


def test_pressure_gauge_request_to_approval(session: Session) -> None:
    """CAL-PG-DKD 2.0 (DKD-R 6-1): 0–16 bar class 1.6 gauge read to 0.1 bar → sequence C (M1 ↑, M2 ↓), the
    customer asked for a statement against EN 837-1 class 1.6; lab at 21.5–22.0 °C; the controller's reference
    level 0.15 m above the gauge (air, ρ₀ = 1.2 kg/m³).

    Zero point M1 0.0, M2 0.1 → f0 = 0.1 bar. At 8 bar M1 ↑ 8.1, M2 ↓ 8.2: x̄ = 8.15, h = 0.1 bar.
    u(p_ind) = s_p/√2 = (0.05 % × 16 bar)/√2 = 0.008/1.41421 = 0.0056569 bar (pooled, ν = 30)
    u(δp_res) = u(δp_zero) = u(δp_hys) = 0.05/√3 = 0.028868 bar; u(δp_rep) = 0 (no repeated series)
    u(p_ref) = 0.0016/2 = 0.0008; u(δp_D) = 0.0008/√3 = 0.00046188; u(δp_T) = 0.0128/√3 = 0.0073901
    ρ = 1.2 × (101325 + 8e5)/101325 = 10.674 kg/m³; Δp_h = 10.674 × 9.7866 × 0.15 = 15.670 Pa = 0.00015670 bar
    u_c² = 0.0056569² + 3 × 0.028868² + 0.0008² + 0.00046188² + 0.0073901² (+ 7e-11) = 0.0025875 → u_c = 0.050867
    E = 8.15 − 8.002 − 0.0001567 = 0.147843 bar; ν_eff ≈ 2·10⁵ → k = 2, U(LPU) = 0.10173 bar.
    MPE = 0.256 bar: TUR = 0.256/0.1017 = 2.5 < 3, so no simple acceptance; the procedure's guarded rule
    (w = U) accepts inside ±0.154 bar and states the probability of false acceptance.
    Issue 16: version 1.0 took 8.1 and 8.2 as a Type A sample of two (ν = 1, k = 13.97, U = 0.81 bar: "fail").
    """
    setup = jobsetup.build(session)
    job = jobsetup.started_job(
        session, setup, "CAL-PG-DKD", conformity_statement=True, specification="EN 837-1 class 1.6"
    )
    env = {"temperature": "21.5 22.0", "humidity": "55", "height_difference": "0.15"}
    series = {
        0: ["0.0", "0.1"],
        1: ["4.1", "4.1"],
        2: ["8.1", "8.2"],
        3: ["12.0", "12.1"],
        4: ["16.0", "16.0"],
    }
    references = {0: "0", 1: "4.001", 2: "8.002", 3: "12.003", 4: "15.998"}
    done = save_all(session, setup, job, {i: (series[i], references[i], env) for i in series}, env)
    r = done[2].point
    assert r is not None
    assert float(r.error) == pytest.approx(0.147843, abs=1e-6) and float(r.hysteresis or 0) == 0.1
    assert r.quantity == "gauge pressure"  # the certificate's series reads "Áp suất dư / Gauge pressure"
    budget = {i["name"]: i for i in done[2].budget["inputs"]}  # type: ignore[index]
    assert budget["p_ind"]["distribution"] == {
        "kind": "type_a",
        "readings": [8.1, 8.2],
        "pooled_sd": 0.008,
        "pooled_dof": 30.0,
    }
    assert budget["dp_zero"]["distribution"]["half_width"] == 0.05
    assert budget["dp_hys"]["distribution"]["half_width"] == 0.05
    assert budget["dp_rep"]["distribution"]["half_width"] == 0.0
    assert budget["dp_h"]["value"] == pytest.approx(0.00015670, rel=1e-4)
    from lims.domain.uncertainty import evaluate_budget, parse_budget

    lpu = evaluate_budget(parse_budget(done[2].budget)).propagation
    assert lpu.standard_uncertainty == pytest.approx(0.050867, rel=1e-4) and lpu.coverage_factor == 2.0
    # JCGM 101 clause 8 on the bench: three equal rectangular terms dominate, so the 2·u_c interval is wider
    # than the Monte Carlo one by more than δ = 0.0005 bar: the Monte Carlo interval is reported, and said.
    assert r.interval_method == "mcm" and any("Monte Carlo" in n for n in r.notes)
    assert 0.095 < float(r.expanded_uncertainty) < 0.10173 and 1.9 < float(r.coverage_factor) <= 2.0
    assert float(r.mpe) == 0.256 and r.decision_rule is not None and r.decision_rule.kind == "guarded"
    assert r.verdict == "pass" and r.probability_of_false_acceptance is not None
    assert 0 < float(r.probability_of_false_acceptance) < 0.05
    finish(session, setup, job)


def test_pressure_gauge_without_a_requested_statement_states_none(session: Session) -> None:
    """No statement was asked for: every point says so (ISO/IEC 17025:2017 7.8.6.1), whatever the error."""
    setup = jobsetup.build(session)
    job = jobsetup.started_job(session, setup, "CAL-PG-DKD")
    env = {"temperature": "22", "humidity": "55", "height_difference": "0"}
    points = {i: ([f"{p:g}", f"{p + 0.1:g}"], f"{p:g}", env) for i, p in enumerate((0, 4, 8, 12, 16))}
    done = save_all(session, setup, job, points, env)
    assert {m.point.verdict for m in done.values() if m.point} == {"no_statement"}
    assert {m.point.no_statement_reason for m in done.values() if m.point} == {"not_requested"}


def test_pressure_zero_point_first(session: Session) -> None:
    """The zero deviation f0 comes from the zero point's series, so it is measured first (DKD-R 6-1)."""
    setup = jobsetup.build(session)
    job = jobsetup.started_job(session, setup, "CAL-PG-DKD")
    env = {"temperature": "22", "humidity": "55", "height_difference": "0"}
    with pytest.raises(measurements.ReadingError, match="measure the zero point first"):
        jobsetup.save_point(
            session, job, PointInput(2, ["8.1", "8.2"], "8.002", env), setup.technician, now=NOW
        )


def test_thermometer_request_to_approval(session: Session) -> None:
    """−50…200 °C digital thermometer at 50 °C against a PRT in a bath (stability 0.005, uniformity 0.010).

    u(t_ix) = 0.024495 °C (ν = 4); u(δt_res) = 0.028868; u(t_ref) = 0.010; u(δt_D) = 0.0057735;
    u(δt_stab) = 0.0028868; u(δt_unif) = 0.0057735; u(δt_RO) = 0.001/√3 = 0.00057735 (the SPRT's readout);
    u(δt_SH) = 0.001/√3 = 0.00057735 (self-heating, CAL-TH-BATH 2.0); no emergent stem (digital): 0;
    u_c = √(0.040104² + 2 × 0.00057735²) = 0.040112 °C; ν_eff = 4·(0.040112/0.024495)⁴ = 28.8
    → k = t(28) = 2.09. E = 50.14 − 50.012 = 0.128 °C; MPE 0.5 °C, simple acceptance → pass.
    """
    setup = jobsetup.build(session)
    job = jobsetup.started_job(
        session, setup, "CAL-TH-BATH", conformity_statement=True, specification="manufacturer's ±0.5 °C"
    )
    env = {"temperature": "23", "humidity": "50"}
    done = save_all(session, setup, job, {2: (["50.1", "50.2", "50.1", "50.1", "50.2"], "50.012", env)}, env)
    r = done[2].point
    assert r is not None
    assert (float(r.indication), float(r.reference_value)) == (50.14, 50.012) and float(
        r.error
    ) == pytest.approx(0.128)
    lpu = lpu_of(done[2])
    assert lpu.standard_uncertainty == pytest.approx(0.040112, rel=1e-5)
    assert lpu.coverage_factor == k_95(0.040112, 0.024495, 5) == 2.09
    check_interval(done[2])
    # TUR = 0.5/U ≈ 0.5/0.09 > 3: simple acceptance is allowed
    assert r.verdict == "pass" and r.deviations == ()
    finish(session, setup, job)


def test_dmm_request_to_approval_with_as_found(session: Session) -> None:
    """DMM on its 20 V range at 10 V (CAL-DMM-DCV 2.0, point 3 of 0, 2, 10, 18, −18 V), calibrator U = 40 µV
    (k = 2) at the setting, calibrated 2025-01-10, used 2025-06-02 (143 days = 0.39151 year), drift
    specification 5 ppm of output + 1 µV per year, lab at 23.5 °C.

    u(V_ix) = 0.24495 mV (ν = 4); u(δV_res) = 0.28868 mV; u(V_s) = 20 µV;
    u(δV_S) = (5e-6 × 10 + 1e-6) × 0.39151 / √3 = 19.967 µV/√3 = 11.528 µV; u(δV_T) = 5.7735 µV;
    u_c = √(0.24495² + 0.28868² + 0.020² + 0.011528² + 0.0057735²) mV = 0.37934 mV;
    ν_eff = 4·(0.37934/0.24495)⁴ = 23.0 → k = t(23) = 2.11;
    E = 2.4 mV; MPE = 0.09 % × 10 V + 2 mV = 11 mV; guarded (w = U = 0.80 mV) → pass.
    As found (before adjustment) the error was 11.2 mV → fail; both sets are kept (ISO/IEC 17025 7.8.4.1 d).
    """
    setup = jobsetup.build(session)
    job = jobsetup.started_job(
        session, setup, "CAL-DMM-DCV", conformity_statement=True, specification="Fluke 179 ±(0.09 % + 2)"
    )
    env = {"temperature": "23.5", "humidity": "45"}
    assert measurements.test_points(job) == (0.0, 2.0, 10.0, 18.0, -18.0)
    jobsetup.save_point(
        session,
        job,
        PointInput(2, ["10.0112"] * 2 + ["10.0111", "10.0113", "10.0112"], "10.0000", env, as_found=True),
        setup.technician,
        now=NOW,
    )
    done = save_all(
        session, setup, job, {2: (["10.002", "10.003", "10.002", "10.002", "10.003"], "10", env)}, env
    )
    r = done[2].point
    assert r is not None
    lpu = lpu_of(done[2])
    assert float(r.error) == pytest.approx(0.0024) and lpu.standard_uncertainty == pytest.approx(
        3.7934e-4, rel=1e-4
    )
    assert lpu.coverage_factor == k_95(3.7934e-4, 2.4495e-4, 5) == 2.11
    check_interval(done[2])
    assert (float(r.mpe), r.verdict) == (0.011, "pass")
    found = done[2].as_found_point
    assert found is not None and float(found.error) == pytest.approx(0.0112) and found.verdict == "fail"
    finish(session, setup, job)
    with pytest.raises(jobs.JobLocked, match="approved"):
        jobsetup.save_point(session, job, PointInput(1, ["10.002"] * 5, "10", env), setup.technician, now=NOW)


def test_illegal_transition_names_the_current_state(session: Session) -> None:
    setup = jobsetup.build(session)
    job = jobsetup.new_job(session, setup, "CAL-DMM-DCV")
    with pytest.raises(
        jobs.WorkflowRefused, match="cannot move a job from requested to measured: from requested"
    ):
        jobsetup.move(session, job, "measured", setup.technician, now=NOW)
    assert job.state == JobState.REQUESTED


def test_same_person_measuring_and_approving_is_refused(session: Session) -> None:
    from lims.domain.authorisation import AuthorisedRole
    from lims.models import Role
    from lims.services.access import authorisations
    from tests.factories import make_user

    setup = jobsetup.build(session)
    job = jobsetup.started_job(session, setup, "CAL-DMM-DCV")
    save_all(session, setup, job, {}, {"temperature": "23", "humidity": "45"})
    jobsetup.measure_and_review(session, setup, job, now=NOW)
    # The technician who measured has been made a signatory since: still not allowed to approve.
    setup.technician.role = Role.SIGNATORY
    authorisations.grant(
        session,
        authorisations.Grant(
            setup.technician.id, "CAL-DMM-DCV", AuthorisedRole.SIGN, jobsetup.ON, "signatory training"
        ),
    )
    with pytest.raises(jobs.WorkflowRefused, match="they measured this job"):
        jobsetup.sign(session, job, setup.technician, meaning="Approval", now=NOW)
    assert job.state == JobState.REVIEWED and signatures.signatures(session, job.id) == []
    with pytest.raises(signatures.SignatureRefused):
        jobsetup.sign(session, job, setup.signatory, meaning="Approval", now=NOW, password="wrong password")
    other = make_user(session, Role.SIGNATORY)
    with pytest.raises(Exception, match="no authorisation recorded"):
        jobsetup.sign(session, job, other, meaning="Approval", now=NOW)
    assert job.state == JobState.REVIEWED


def test_unauthorised_technician_is_refused_naming_what_is_missing(session: Session) -> None:
    from lims.services.access.authorisations import AuthorisationRefused

    setup = jobsetup.build(session, authorise=False)
    job = jobsetup.new_job(session, setup, "CAL-PG-DKD")
    jobs.record_intake(session, job.id, jobs.Intake("no visible damage", "none"), expected_version=None)
    jobsetup.move(session, job, "received", setup.technician, now=NOW)
    with pytest.raises(
        AuthorisationRefused,
        match=f"{setup.technician.username} is not authorised to perform CAL-PG-DKD on 2025-06-02",
    ):
        jobsetup.move(session, job, "in_progress", setup.technician, now=NOW)
    assert job.state == JobState.RECEIVED


def test_stale_version_is_a_conflict_and_nothing_is_lost(session: Session) -> None:
    setup = jobsetup.build(session)
    job = jobsetup.started_job(session, setup, "CAL-DMM-DCV")
    seen = job.version
    env = {"temperature": "23", "humidity": "45"}
    measurements.save_point(
        session,
        job.id,
        PointInput(0, ["2.001"] * 5, "2", env),
        user=setup.technician,
        expected_version=seen,
        on=jobsetup.ON,
        now=NOW,
    )
    first = dict(measurements.measurements(session, job.id)[0].result)
    with pytest.raises(jobs.JobConflict, match=f"you edited version {seen}"):
        measurements.save_point(
            session,
            job.id,
            PointInput(0, ["2.009"] * 5, "2", env),
            user=setup.technician,
            expected_version=seen,
            on=jobsetup.ON,
            now=NOW,
        )
    assert measurements.measurements(session, job.id)[0].result == first


def test_guard_refuses_an_expired_standard(session: Session) -> None:
    setup = jobsetup.build(session)
    job = jobsetup.new_job(session, setup, "CAL-DMM-DCV")
    jobs.record_intake(session, job.id, jobs.Intake("no visible damage", "none"), expected_version=None)
    jobsetup.move(session, job, "received", setup.technician, now=NOW)
    std = setup.standards["CAL-DMM-DCV"]["calibrator"]
    with pytest.raises(jobs.StandardNotUsable, match=std.asset_number):
        jobs.add_standard(
            session,
            job.id,
            std.id,
            "calibrator",
            on=datetime(2026, 3, 1).date(),
            expected_version=job.version,
        )
    assert jobs.job_standards(session, job.id) == []


@pytest.mark.parametrize(
    ("readings", "reference", "env", "message"),
    [
        (
            ["10.002", "abc", "10.002", "10.002", "10.003"],
            "10",
            {"temperature": "23"},
            "reading 2: abc is not a number in V",
        ),
        (["10.002"] * 5, "ten", {"temperature": "23"}, "reference value ten is not a number in V"),
        (["10.002"] * 2, "10", {"temperature": "23"}, "needs 5 readings"),
        (["10.002"] * 5, "10", {"temperature": "warm"}, "temperature warm is not a number"),
    ],
)
def test_bad_readings_are_refused_and_nothing_is_saved(
    session: Session, readings: list[str], reference: str, env: dict[str, str], message: str
) -> None:
    setup = jobsetup.build(session)
    job = jobsetup.started_job(session, setup, "CAL-DMM-DCV")
    with pytest.raises(measurements.ReadingError, match=message):
        jobsetup.save_point(session, job, PointInput(1, readings, reference, env), setup.technician, now=NOW)
    assert measurements.measurements(session, job.id) == {}


def test_point_outside_the_range_and_environment_outside_limits(session: Session) -> None:
    setup = jobsetup.build(session)
    job = jobsetup.started_job(session, setup, "CAL-DMM-DCV", points=[5, 25])
    with pytest.raises(measurements.ReadingError, match="outside the instrument's range"):
        measurements.test_points(job)
    job.requirements = {"points": [5]}
    row = jobsetup.save_point(
        session, job, PointInput(0, ["5.001"] * 5, "5", {"temperature": "31"}), setup.technician, now=NOW
    )
    assert row.point is not None and "temperature 31 °C is above the maximum 28 °C" in row.point.deviations
    assert (
        "humidity was not recorded; the procedure requires it"
        in measurements.flags(session, job)["environment"]
    )


def test_uncertainty_below_the_cmc_is_refused_and_outside_scope_flagged(session: Session) -> None:
    from decimal import Decimal

    from lims.models import CmcEntry

    setup = jobsetup.build(session)
    job = jobsetup.started_job(session, setup, "CAL-DMM-DCV")
    session.add(
        CmcEntry(
            lab_id=setup.lab.id,
            quantity="DC voltage",
            unit="V",
            range_min=Decimal(0),
            range_max=Decimal(11),
            fixed_uncertainty=Decimal("0.01"),
        )
    )
    session.flush()
    env = {"temperature": "23", "humidity": "45"}
    with pytest.raises(measurements.ReadingError, match="smaller than the lab's CMC"):
        jobsetup.save_point(session, job, PointInput(1, ["2.001"] * 5, "2", env), setup.technician, now=NOW)
    row = jobsetup.save_point(
        session, job, PointInput(3, ["18.001"] * 5, "18", env), setup.technician, now=NOW
    )
    assert row.point is not None and row.point.within_scope is False
    assert measurements.flags(session, job)["outside_scope"] == ["18 V"]


def test_measured_needs_every_point(session: Session) -> None:
    setup = jobsetup.build(session)
    job = jobsetup.started_job(session, setup, "CAL-DMM-DCV")
    with pytest.raises(measurements.ReadingError, match="Points without results: 0, 2, 10, 18, -18"):
        jobsetup.move(session, job, "measured", setup.technician, now=NOW)
    assert State(job.state.value) == State.IN_PROGRESS


def test_decision_rule_agreed_at_intake_replaces_the_procedures(session: Session) -> None:
    """DMM point 10 V with E = 10.5 mV, MPE = 0.09 % × 10 V + 2 mV = 11 mV, U ≈ 0.8 mV: the procedure's guarded
    rule (w = U, ILAC-G8 4.2.2) gives fail because 10.5 > 11 − 0.8; simple acceptance agreed with the customer
    (4.2.1; TUR = 11/0.8 > 3) gives pass."""
    setup = jobsetup.build(session)
    env = {"temperature": "23.5", "humidity": "45"}
    readings = ["10.010", "10.011", "10.010", "10.011", "10.0105"]
    verdicts = {}
    for rule in ("procedure", "simple"):
        job = jobsetup.started_job(
            session,
            setup,
            "CAL-DMM-DCV",
            decision_rule=rule,
            conformity_statement=True,
            specification="Fluke 179 ±(0.09 % + 2)",
        )
        row = jobsetup.save_point(session, job, PointInput(2, readings, "10", env), setup.technician, now=NOW)
        point = row.point
        assert point is not None and point.decision_rule is not None
        assert float(point.error) == pytest.approx(0.0105)
        verdicts[rule] = (point.verdict, point.decision_rule.describe("en"))
    assert verdicts["procedure"] == (
        "fail",
        "ILAC-G8:09/2019 4.2.2, binary statement with guard band w = 1·U",
    )
    assert verdicts["simple"][0] == "pass" and "4.2.1" in verdicts["simple"][1]


def test_pressure_zero_point_measured_again_recomputes_the_others(session: Session) -> None:
    """f0 from the zero point holds for every point: measuring the zero point again (0.0/0.1 → f0 = 0.1 bar,
    then 0.0/0.0 → f0 = 0) recomputes the 8 bar point from its stored readings (δp_zero half-width 0.05 → 0)."""
    setup = jobsetup.build(session)
    job = jobsetup.started_job(session, setup, "CAL-PG-DKD")
    env = {"temperature": "22", "humidity": "55", "height_difference": "0"}

    def save(index: int, readings: list[str], reference: str) -> None:
        jobsetup.save_point(
            session, job, PointInput(index, readings, reference, env), setup.technician, now=NOW
        )

    save(0, ["0.0", "0.1"], "0")
    save(2, ["8.1", "8.2"], "8.002")
    before = measurements.measurements(session, job.id)[2]
    half = {i["name"]: i for i in before.budget["inputs"]}["dp_zero"]["distribution"]["half_width"]  # type: ignore[index]
    u_before, error_before = before.point.standard_uncertainty, before.point.error  # type: ignore[union-attr]
    assert half == 0.05
    save(0, ["0.0", "0.0"], "0")
    after = measurements.measurements(session, job.id)[2]
    assert {i["name"]: i for i in after.budget["inputs"]}["dp_zero"]["distribution"]["half_width"] == 0.0  # type: ignore[index]
    assert after.point is not None and after.point.standard_uncertainty < u_before
    assert after.readings == ["8.1", "8.2"] and after.point.error == error_before

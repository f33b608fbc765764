"""Weighing methods: EURAMET cg-18 calibration and OIML R 76-1 annex A verification, by hand calculation.

The worked examples of cg-18 Appendix H could not be obtained (only the guide's front matter is reachable
from here), so each test writes its hand calculation out; the formulas follow cg-18 v4.0 section 7 and
OIML R 76-1 annex A as cited (from memory) in :mod:`lims.domain.weighing`.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from scipy import stats

from certificates.metrology.decision import (
    DecisionRule,
    NoStatementReason,
    RuleKind,
    Specification,
    Verdict,
    statement,
)
from lims.domain.procedure_files import find_procedure, load_procedures
from lims.domain.procedures import (
    InstrumentUnderTest,
    ProcedureError,
    StandardUsed,
    instantiate_budget,
    point_result,
    procedure_from_dict,
)
from lims.domain.uncertainty import evaluate_budget, parse_budget
from lims.domain.weighing import cg18, r76, weights
from lims.domain.weighing.cg18 import WeighingDataError
from lims.domain.weighing.method import WeighingMethodError, method_from_dict

PROCEDURES = load_procedures()
CG18 = find_procedure(PROCEDURES, "CAL-NAWI-CG18")
R76 = find_procedure(PROCEDURES, "VER-NAWI-R76", "2.0")
BALANCE = InstrumentUnderTest("g", 0.0, 220.0, 0.0001, accuracy_class="I", verification_interval=0.001)
SCALE = InstrumentUnderTest("kg", 0.0, 30.0, 0.01, accuracy_class="III", verification_interval=0.01)


def test_cg18_error_of_indication_at_200_g_by_hand() -> None:
    """220 g × 0.1 mg analytical balance, E2 weights, 200 g test load (all figures in mg unless stated).

    Repeatability at 100 g, six readings 100.0001, .0002, .0000, .0001, .0002, .0001 g:
        mean 100.000 1167 g; Σ(I − Ī)² = 2.8333·(0.1 mg)² = 0.028333 mg²; s = √(0.028333/5) = 0.075277 mg, ν = 5
    Eccentricity at 100 g, centre 100.0000 then 100.0001, 99.9999, 100.0002, 100.0001 g: |ΔI|max = 0.2 mg
        at L = 200 g: half-width 0.2 · 200/(2 · 100) = 0.2 mg, u = 0.2/√3 = 0.115470 mg    (cg-18 7.1.1.4)
    Rounding d/(2√3) = 0.1/3.4641 = 0.028868 mg, no-load and load each               (cg-18 7.1.1.1-2)
    Weights 200 g E2: m_c = 200.000 02 g, U = 0.10 mg (k = 2) → u = 0.05 mg           (cg-18 7.1.2.1)
    Buoyancy, ρ_c = 8 000 ± 190 kg/m³ (E2), Δρ_a = 0.12 kg/m³:
        a = 200 g · 0.12 · 190/(8 000 · 8 000) = 0.071 25 mg, u = 0.041 136 mg          (cg-18 7.1.2.2)
    Drift D = 0.05 mg → u = 0.028 868 mg                                              (cg-18 7.1.2.3)
    u²(E) = 0.0056667 + 0.0133333 + 2·0.00083333 + 0.0025 + 0.0016922 + 0.00083333 = 0.0256922 mg²
    u(E) = 0.160 288 mg; ν_eff = 0.0256922²/(0.0056667²/5) = 102.8; k = t₉₅.₄₅(102.8) ≈ 2.03;
    I = 200.0003 − 0.0000 g; E = I − m_c = 0.28 mg.
    """
    rep = cg18.repeatability(100.0, [100.0001, 100.0002, 100.0000, 100.0001, 100.0002, 100.0001])
    assert rep.standard_deviation == pytest.approx(0.075277e-3, rel=1e-4) and rep.degrees_of_freedom == 5
    ecc = cg18.eccentricity(
        D("100"), [D(x) for x in ("100.0000", "100.0001", "99.9999", "100.0002", "100.0001")]
    )
    assert ecc.max_deviation == D("0.0002")
    rho, tol = weights.density_half_width_kg_m3("E2", {})
    half = weights.buoyancy_half_width(200.0, density_kg_m3=rho, density_tolerance_kg_m3=tol)
    assert half == pytest.approx(0.07125e-3, rel=1e-9)
    indication = cg18.indication_at_load([200.0003], [0.0])
    supplied = cg18.supplied_inputs(
        indication=indication, repeat=rep, eccentric=ecc, load=200.0, buoyancy_half_width=half
    )
    standard = StandardUsed("E2 200 g", 200.00002, "g", 0.0001, 2.0, drift_limit=0.00005)
    budget = instantiate_budget(
        CG18, 200.0, [200.0003], {"weights": standard}, BALANCE, {"temperature": 21.0}, supplied=supplied
    )
    result = evaluate_budget(parse_budget(budget)).propagation
    assert result.value == pytest.approx(0.00028, abs=1e-10)
    assert result.standard_uncertainty == pytest.approx(0.160288e-3, rel=1e-4)
    assert result.effective_dof == pytest.approx(102.8, abs=0.1)
    k = stats.t.ppf((1 + 0.9545) / 2, result.effective_dof)
    assert result.coverage_factor == pytest.approx(k, abs=0.01)
    assert result.expanded_uncertainty == pytest.approx(result.coverage_factor * 0.160288e-3, rel=1e-4)
    # In service, class I, e = 1 mg: 200 g = 200 000 e → 1 e on verification, 2 e = 2 mg in service
    point = point_result(
        CG18,
        200.0,
        [200.0003],
        {"weights": standard},
        BALANCE,
        expanded_uncertainty=result.expanded_uncertainty,
        indication=indication,
    )
    assert (point.error, point.mpe, point.verdict) == (pytest.approx(0.00028), 0.002, Verdict.PASS)


def test_cg18_bad_input_is_named() -> None:
    with pytest.raises(WeighingDataError, match="repeatability: needs at least 6"):
        cg18.repeatability(100.0, [100.0, 100.0001], minimum=6)
    with pytest.raises(WeighingDataError, match="eccentricity: needs at least 5"):
        cg18.eccentricity(D(100), [D("100.0"), D("100.0001"), D("100.0")])
    with pytest.raises(weights.WeightsError, match="OIML R 111 class"):
        weights.density_half_width_kg_m3(None, {})
    with pytest.raises(ProcedureError, match=r"budget.inputs \(I\): supplied by the procedure's method"):
        instantiate_budget(
            CG18, 200.0, [200.0003], {"weights": StandardUsed("w", 200.0, "g", 1e-4, 2.0)}, BALANCE, {}
        )


def test_r76_load_plan_includes_min_and_the_mpe_change_points() -> None:
    # 30 kg × 10 g class III: Min = 20 e = 0.2 kg, 500 e = 5 kg, 2 000 e = 20 kg, ½ Max = 15 kg, Max
    assert R76.points_for(SCALE) == (0.2, 5.0, 15.0, 20.0, 30.0)
    # 220 g × 0.1 mg class I with e = 1 mg: Min = 100 e = 0.1 g; 50 000 e = 50 g; 200 000 e = 200 g
    assert r76.load_plan("I", 0.001, 220.0) == (0.1, 50.0, 110.0, 200.0, 220.0)
    with pytest.raises(ProcedureError, match="accuracy_class"):
        R76.points_for(InstrumentUnderTest("kg", 0.0, 30.0, 0.01))


def test_r76_change_point_error_and_its_uncertainty_by_hand() -> None:
    """30 kg × 10 g class III scale, point 5 kg (500 e: MPE = 0.5 e = 5 g on verification).

    Zero: I_0 = 0.00 kg, ΔL_0 = 4 g → E_0 = 0 + 5 − 4 − 0 = 1 g (|E_0| ≤ 0.25 e = 2.5 g)       (A.4.2.3)
    Increasing: I = 5.00 kg, ΔL = 3 g → E = 5 + 5 − 3 − 5 000.04 ... with m_ref = 5 000.04 g:
        P = I + ½e − ΔL − E_0 = 5 000 + 5 − 3 − 1 = 5 001 g; E_c = 5 001 − 5 000.04 = 0.96 g
    Decreasing: I = 5.00 kg, ΔL = 2 g → P = 5 002 g; E_c = 1.96 g (the worse: the point states it)
    Repeatability at 15 kg, six weighings free of rounding 15.001 ×5, 15.002 kg:
        spread 1 g ≤ MPE(15 kg = 1 500 e) = 10 g; s = √((5·(1/6)² + (5/6)²)/5) g = 0.408 25 g, ν = 5
    u² = 2·(1 g)²/12 (change-point steps of 0.1 e at load and zero) + 0.408 25² + (0.08/2)² + 0.05²/3
       = 0.166 67 + 0.166 67 + 0.0016 + 0.000 833 = 0.335 77 g²; u = 0.579 46 g
    ν_eff = 0.335 77²/(0.166 67²/5) = 20.3; k = t₉₅.₄₅(20.3) ≈ 2.13; U ≈ 1.23 g; MPE/U ≈ 4.1 ≥ 3 → simple
    acceptance; |E_c| = 1.96 g ≤ 5 g → pass.
    """
    e = D("0.01")
    zero = r76.change_point_error(D("0.00"), D("0.004"), D(0), e)
    assert zero == D("0.001") and r76.zero_setting(zero, e).passed
    m_ref = 5.00004
    corrected = [
        r76.change_point_error(D("5.00"), a, D("5.00004"), e) - zero + D("5.00004")
        for a in (D("0.003"), D("0.002"))
    ]
    assert corrected == [D("5.001"), D("5.002")]
    free = [D("15.001")] * 5 + [D("15.002")]
    rep = r76.repeatability_check(free, r76.mpe_at_load(D(15), "III", e))
    assert (rep.value, rep.limit, rep.passed) == (D("0.001"), D("0.01"), True)
    s = r76.spread_sd(free)
    assert s == pytest.approx(0.00040825, rel=1e-4)
    supplied = r76.supplied_inputs(
        corrected_indication=5.002, repeatability_sd=s, repeatability_dof=5, step=0.001
    )
    weights_5kg = StandardUsed("M1 5 kg", m_ref, "kg", 0.00008, 2.0, drift_limit=0.00005)
    budget = instantiate_budget(
        R76, 5.0, [5.0, 5.0], {"weights": weights_5kg}, SCALE, {"temperature": 24.0}, supplied=supplied
    )
    result = evaluate_budget(parse_budget(budget)).propagation
    assert result.value == pytest.approx(0.00196, abs=1e-9)
    assert result.standard_uncertainty == pytest.approx(0.00057946, rel=1e-4)
    assert result.effective_dof == pytest.approx(20.3, abs=0.1)
    point = point_result(
        R76,
        5.0,
        [5.0, 5.0],
        {"weights": weights_5kg},
        SCALE,
        expanded_uncertainty=result.expanded_uncertainty,
        indication=5.002,
    )
    assert point.mpe == 0.005
    # the one decision path of every procedure: simple acceptance with MPE/U ≥ the procedure's minimum_tur
    assert R76.decision_rule.kind is RuleKind.SIMPLE and R76.minimum_tur == 3.0
    said = statement(
        point.error,
        result.expanded_uncertainty,
        Specification.symmetric(point.mpe),
        rule=R76.decision_rule,
        minimum_tur=R76.minimum_tur,
    )
    assert said.verdict is Verdict.PASS and said.test_uncertainty_ratio == pytest.approx(4.1, abs=0.1)


def test_r76_without_change_point_weights_is_not_passed_on_simple_acceptance() -> None:
    """Rounding not eliminated (KĐ-2026-00001 as found): U = 2.35 × MPE cannot pass.

    MPE = 5 g, U = 11.75 g → MPE/U = 0.43 < 3 (the procedure's minimum_tur) → no statement under simple
    acceptance, whatever the error (and a verification without a statement is not passed); a guard band w = U
    would leave no acceptance interval ±(5 − 11.75) either.
    """
    said = statement(
        0.0,
        0.01175,
        Specification.symmetric(0.005),
        rule=DecisionRule(RuleKind.SIMPLE),
        minimum_tur=R76.minimum_tur,
    )
    assert said.verdict is Verdict.NO_STATEMENT and said.reason is NoStatementReason.TUR_BELOW_MINIMUM


def test_r76_tests_eccentricity_discrimination_zero() -> None:
    # Eccentricity at 10 kg (1 000 e → MPE 1 e = 10 g): worst 6 g passes, 12 g fails
    e = D("0.01")
    assert r76.eccentricity_check([D(x) for x in ("0.002", "-0.006", "0.004", "0", "0.001")], e).passed
    assert not r76.eccentricity_check([D("0.002"), D("0.012")], e).passed
    # Discrimination: 15.00 → 15.01 kg after 1.4 d = 14 g added: changed by d; no change fails
    assert r76.discrimination_check(D("15.00"), D("15.01"), e).passed
    assert not r76.discrimination_check(D("15.00"), D("15.00"), e).passed
    # Zero-setting: |E_0| = 3 g > 0.25 e = 2.5 g fails
    assert not r76.zero_setting(D("0.003"), e).passed
    with pytest.raises(WeighingDataError, match="change-point weights"):
        r76.change_point_error(D("5.0"), D("0.02"), D("5.0"), e)
    with pytest.raises(WeighingDataError, match="accuracy_class"):
        r76.minimum_capacity("V", 0.01)


def test_weighing_block_is_validated() -> None:
    with pytest.raises(WeighingMethodError, match="change_point_step_e"):
        method_from_dict({"method": "oiml_r76", "change_point_step_e": 0.5})
    with pytest.raises(WeighingMethodError, match="repeatability_readings"):
        method_from_dict({"method": "euramet_cg18", "repeatability_readings": 1})
    data = {
        "code": "X",
        "version": "1.0",
        "title": {"vi": "x", "en": "x"},
        "quantity": "mass",
        "unit": "g",
        "kind": "calibration",
        "test_points": {"kind": "explicit", "nominals": [1.0]},
        "repetitions": 1,
        "acceptance": {"kind": "fixed", "value": 1},
        "decision_rule": {"kind": "simple"},
        "uncertainty_budget": {
            "measurand": "E",
            "model": "I - m",
            "inputs": [
                {"name": "I", "source": "supplied", "role": "indication"},
                {"name": "m", "source": "standard", "standard": "weights", "role": "reference"},
            ],
        },
    }
    with pytest.raises(ProcedureError, match="need a method that supplies them"):
        procedure_from_dict(data)
    assert procedure_from_dict({**data, "weighing": {"method": "euramet_cg18"}}).repetitions == 1
    # one owner for the ratio of simple acceptance: the procedure's minimum_tur, not the weighing block
    with pytest.raises(WeighingMethodError, match="procedure's minimum_tur"):
        method_from_dict({"method": "oiml_r76", "minimum_tur": 3})


def _old_float_text(indication: float, added: float, load: float, zero_error: float, e: float) -> str:
    """What the bench stored before: E = I + ½e − ΔL − L to 12 digits, + L, − L − E_0, to 12 digits."""
    free = float(f"{indication + e / 2 - added - load:.12g}") + load
    return f"{free - load - zero_error:.12g}"


def test_eccentricity_is_exact_where_binary_floating_point_was_not() -> None:
    """Issue 16 review: eccentricity errors were computed in binary floating point and stored to 12 digits, so
    pages showed 0.000999999999999 or 6.11056344413e-16 instead of 0.001 or 0. Now exact decimals.

    R 76-1 A.4.7 with A.4.4.3, E_c = I + ½e − ΔL − L − E_0 at each position:
    - the demo's scale, e = 0.005 kg, E_0 = 0.0005 kg, L = 5 kg, I = 5.000 kg, ΔL = 2.0, 1.5, 2.5, 1.5, 2.0 g:
      E_c = 5 + 0.0025 − ΔL − 5 − 0.0005 = 0, +0.0005, −0.0005, +0.0005, 0 kg (floats: 6.11056344413e-16);
    - e = 0.01 kg, E_0 = 0, L = 15 kg, I = 15.00 kg, ΔL = 4 g: E_c = 15 + 0.005 − 0.004 − 15 = 0.001 kg
      (floats: 0.000999999999999).
    EURAMET cg-18 5.3: ΔI_ecc = 100.0002 − 100.0000 g = 0.0002 g (floats: 0.000200000000007)."""
    e, zero_error, load = D("0.005"), D("0.0005"), D("5")
    added = ("0.0020", "0.0015", "0.0025", "0.0015", "0.0020")
    errors = [r76.change_point_error(D("5.000"), D(a), load, e) - zero_error for a in added]
    assert errors == [0, D("0.0005"), D("-0.0005"), D("0.0005"), 0]
    assert _old_float_text(5.0, 0.002, 5.0, 0.0005, 0.005) == "6.11056344413e-16"
    check = r76.eccentricity_check(errors, r76.mpe_at_load(load, "III", e))
    assert (check.value, check.limit, check.passed) == (D("0.0005"), D("0.005"), True)
    assert r76.change_point_error(D("15.00"), D("0.004"), D("15"), D("0.01")) - 0 == D("0.001")
    assert _old_float_text(15.0, 0.004, 15.0, 0.0, 0.01) == "0.000999999999999"
    readings = [D(x) for x in ("100.0000", "100.0002", "99.9999", "100.0001", "100.0000")]
    ecc = cg18.eccentricity(D("100"), readings)
    assert ecc.deviations == (D("0.0002"), D("-0.0001"), D("0.0001"), D("0")) and ecc.max_deviation == D(
        "0.0002"
    )
    assert f"{100.0002 - 100.0000:.12g}" == "0.000200000000007"

"""Budgets that tell the truth (issue 16, item 2): JCGM 101 6.4.9.4, clause 8, and zero sensitivities."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from certificates.metrology.display import note_text
from lims.domain.uncertainty import MonteCarloError, evaluate_budget, parse_budget
from lims.domain.uncertainty.errors import BudgetFormatError, PropagationNotApplicable
from lims.domain.uncertainty.evaluation import point_interval
from lims.domain.uncertainty.montecarlo import monte_carlo, numerical_tolerance


def _budget(readings: list[float], **extra: Any) -> dict[str, Any]:
    return {
        "model": "x - s",
        "inputs": [
            {"name": "x", "distribution": {"kind": "type_a", "readings": readings, **extra}},
            {"name": "s", "value": 1.0, "distribution": {"kind": "normal", "u": 0.001}},
        ],
    }


@pytest.mark.parametrize("n", [2, 3])
def test_type_a_of_fewer_than_four_readings_is_refused_for_monte_carlo(n: int) -> None:
    """JCGM 101 6.4.9.4 (t with n − 1 ≤ 2 degrees of freedom has no finite variance)."""
    spec = parse_budget(_budget([1.01, 1.03, 1.02][:n]))
    with pytest.raises(MonteCarloError, match=r"inputs\[0\]\.distribution: 'x' is a Type A evaluation of"):
        evaluate_budget(spec, method="both", trials=10_000, seed=1)
    lpu = evaluate_budget(spec)  # the propagation still runs, flagged
    assert lpu.warnings and "Monte Carlo is refused (JCGM 101:2008 6.4.9.4)" in lpu.warnings[0]


def test_four_readings_or_a_pooled_sd_may_go_to_monte_carlo() -> None:
    for budget in (_budget([1.01, 1.03, 1.02, 1.02]), _budget([1.01, 1.03], pooled_sd=0.01, pooled_dof=20)):
        result = evaluate_budget(parse_budget(budget), method="both", trials=10_000, seed=1)
        assert result.monte_carlo is not None and result.warnings == ()


def test_all_sensitivities_zero_is_not_applicable_instead_of_zero_uncertainty() -> None:
    """y = x² at x = 0: c = 2x = 0, so the first-order u_c is 0 whatever u(x) (JCGM 100 5.1.2 Note).
    Monte Carlo gives the real dispersion: for x ~ N(0, 1), y = x² is χ²₁ with standard deviation √2."""
    spec = parse_budget(
        {
            "model": "x**2",
            "inputs": [{"name": "x", "value": 0.0, "distribution": {"kind": "normal", "u": 1.0}}],
        }
    )
    with pytest.raises(PropagationNotApplicable, match="law of propagation is not applicable"):
        evaluate_budget(spec)
    mcm = evaluate_budget(spec, method="mcm", trials=200_000, seed=3)
    assert not mcm.propagation_applicable and mcm.validation is None
    assert mcm.monte_carlo is not None and mcm.monte_carlo.standard_uncertainty == pytest.approx(
        math.sqrt(2), rel=0.02
    )
    assert mcm.reported.text() != "0 ± 0"
    _, interval = point_interval(spec, trials=200_000, seed=3)
    assert interval.method == "mcm" and "not applicable" in interval.notes[0]


def test_point_interval_keeps_a_validated_propagation() -> None:
    """Two normal inputs: the GUM interval is exact, so Monte Carlo validates it (JCGM 101 8.2)."""
    spec = parse_budget(
        {
            "model": "a + b",
            "inputs": [
                {"name": "a", "value": 0.0, "distribution": {"kind": "normal", "u": 1.0}},
                {"name": "b", "value": 0.0, "distribution": {"kind": "normal", "u": 1.0}},
            ],
        }
    )
    result, interval = point_interval(spec, trials=200_000, seed=1)
    assert (
        interval.method == "lpu_validated" and interval.validation is not None and interval.validation.passed
    )
    assert interval.expanded_uncertainty == result.propagation.expanded_uncertainty


def test_point_interval_uses_monte_carlo_when_not_validated() -> None:
    """One dominant rectangular input of half-width 1: the LPU gives U = 2 × 1/√3 = 1.1547 for 95.45 %,
    the true interval is ±0.9545 (JCGM 101 8.2 fails, δ = 0.005): the point reports about 0.9545."""
    spec = parse_budget(
        {
            "model": "r",
            "inputs": [
                {"name": "r", "value": 0.0, "distribution": {"kind": "rectangular", "half_width": 1.0}}
            ],
        }
    )
    _, interval = point_interval(spec, trials=200_000, seed=1)
    assert interval.method == "mcm" and "was not validated" in interval.notes[0]
    assert interval.expanded_uncertainty == pytest.approx(0.9545, abs=0.005)
    assert interval.coverage_factor == pytest.approx(0.9545 / (1 / math.sqrt(3)), rel=0.01)


def test_point_interval_keeps_the_propagation_flagged_for_few_type_a_readings() -> None:
    _, interval = point_interval(parse_budget(_budget([1.01, 1.03, 1.02])), trials=10_000, seed=1)
    assert interval.method == "lpu" and "6.4.9.4" in interval.notes[0]


def test_budget_evaluate_refuses_a_guard_band_with_no_acceptance_interval() -> None:
    """The engine the job uses: U = 0.3 against ±0.25 with w = U leaves nothing to accept (ILAC-G8 4.2.2)."""
    budget = {
        "model": "x",
        "inputs": [{"name": "x", "value": 0.0, "distribution": {"kind": "normal", "u": 0.15}}],
        "specification": {"lower": -0.25, "upper": 0.25},
        "decision_rule": {"kind": "guarded"},
    }
    with pytest.raises(
        BudgetFormatError, match=r"decision_rule: the guard band w = 0\.3 leaves no acceptance"
    ):
        evaluate_budget(parse_budget(budget))


def test_budget_evaluate_gives_no_simple_acceptance_below_tur_three(tmp_path: Path) -> None:
    """U = 0.2 against ±0.5: TUR = 2.5 < 3, simple acceptance is not stated (the job's rule, same engine); the
    command line prints the reason. A refused guard band exits 2 with one line."""
    budget = {
        "model": "x",
        "inputs": [{"name": "x", "value": 0.1, "distribution": {"kind": "normal", "u": 0.1}}],
        "specification": {"lower": -0.5, "upper": 0.5},
        "decision_rule": {"kind": "simple"},
    }
    path = tmp_path / "b.json"
    path.write_text(json.dumps(budget), encoding="utf-8")
    run = [sys.executable, "-c", "from lims.cli import main; main()", "budget", "evaluate", str(path)]
    out = subprocess.run(run, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    said = json.loads(out.stdout)["conformity"]
    assert said["statement"] == "no_statement" and said["test_uncertainty_ratio"] == pytest.approx(2.5)
    assert "MPE/3" in said["reason"]
    budget["decision_rule"] = {"kind": "guarded"}
    budget["inputs"][0]["distribution"]["u"] = 0.3  # type: ignore[index]
    path.write_text(json.dumps(budget), encoding="utf-8")
    out = subprocess.run(run, capture_output=True, text=True, check=False)
    assert out.returncode == 2 and out.stderr.count("\n") == 1 and "no acceptance interval" in out.stderr


def _declared(dof: float, *, u: float = 1.0, p: float = 0.95) -> dict[str, Any]:
    """One normal input x = 0, u(x) = ``u``, that declares ``dof`` degrees of freedom (e.g. a certificate's ν_eff)."""
    return {
        "model": "x",
        "coverage_probability": p,
        "inputs": [{"name": "x", "value": 0.0, "dof": dof, "distribution": {"kind": "normal", "u": u}}],
    }


def test_a_normal_input_with_declared_dof_is_drawn_from_its_t_distribution() -> None:
    """JCGM 101:2008 6.4.9.3 (a certificate's x, u = U/k and ν_eff) assigns t_ν(x, u²), drawn as x + u·t_ν
    (6.4.9.7); its standard deviation is u·√(ν/(ν − 2)) (6.4.9.4). Hand calculation for ν = 5, u = 1:
    u_MC = √(5/3) = 1.2910; the 95 % probabilistically symmetric interval is ±t_0.975(5)·u = ±2.5706, the
    GUM's U = k·u_c with k = t_0.975(5) = 2.57 (JCGM 100 table G.2). Checked within the numerical tolerance
    δ of two significant digits of u (JCGM 101 7.9.2: δ = 0.05 for u_MC = 1.3). A Gaussian draw (the old
    behaviour) gives u = 1 and ±1.96, outside δ on both counts."""
    spec = parse_budget(_declared(5))
    mcm = monte_carlo(spec, trials=200_000, seed=16)
    delta = numerical_tolerance(mcm.standard_uncertainty)
    assert delta == 0.05
    assert mcm.standard_uncertainty == pytest.approx(math.sqrt(5 / 3), abs=delta)
    assert -mcm.interval[0] == pytest.approx(2.5706, abs=delta)
    assert mcm.interval[1] == pytest.approx(2.5706, abs=delta)
    # the GUM interval 0 ± 2.57·1 is therefore validated (JCGM 101 8.2) and reported with k from ν
    result, interval = point_interval(spec, trials=200_000, seed=16)
    assert result.propagation.coverage_factor == 2.57 and result.propagation.effective_dof == 5
    assert interval.method == "lpu_validated" and interval.coverage_factor == 2.57
    assert interval.expanded_uncertainty == pytest.approx(2.57)


def test_monte_carlo_u_is_never_below_the_t_interval_of_a_type_a_dominated_budget() -> None:
    """The defect of issue 16 (budgets that tell the truth): a repeatability input given as s with ν = 5
    (VER-NAWI-R76 2.0 and CAL-NAWI-CG18 supply it so) plus a small normal reference. Hand calculation, at
    p = 95.45 %: u_c = √(1² + 0.1²) = 1.00499, ν_eff = 5·(1.00499/1)⁴ = 5.10 → 5, k = t_0.9545(5) = 2.65
    (JCGM 100 table G.2), U = 2.663. Monte Carlo's 95.45 % interval of x + u·t_5 (+ the reference) has the same
    half-width within δ = 0.05: before the fix it was ±2·1.005 = 2.01, 25 % short of U."""
    spec = parse_budget(
        {
            "model": "I - m",
            "inputs": [
                {"name": "I", "value": 0.0, "dof": 5, "distribution": {"kind": "normal", "u": 1.0}},
                {"name": "m", "value": 0.0, "distribution": {"kind": "normal", "u": 0.1}},
            ],
        }
    )
    result = evaluate_budget(spec, method="both", trials=200_000, seed=7)
    lpu, mcm = result.propagation, result.monte_carlo
    assert mcm is not None
    assert lpu.coverage_factor == 2.65 and lpu.expanded_uncertainty == pytest.approx(2.663, abs=5e-4)
    half = max(-mcm.interval[0], mcm.interval[1])
    assert half == pytest.approx(lpu.expanded_uncertainty, abs=numerical_tolerance(lpu.standard_uncertainty))


@pytest.mark.parametrize("dof", [1, 2])
def test_a_declared_dof_of_two_or_less_is_refused_for_monte_carlo(dof: int) -> None:
    """JCGM 101:2008 6.4.9.4: t_ν has variance u²·ν/(ν − 2) only for ν > 2. Monte Carlo refuses the input,
    naming it and its dof field; the point keeps the law of propagation, flagged, with k = t_0.9545(ν)
    (ν = 2: k = 4.53, JCGM 100 table G.2), and the flag reads in the user's language."""
    spec = parse_budget(_declared(dof, p=0.9545))
    with pytest.raises(MonteCarloError, match=rf"inputs\[0\]\.dof: 'x' has ν = {dof} degrees of freedom"):
        evaluate_budget(spec, method="both", trials=10_000, seed=1)
    result, interval = point_interval(spec, trials=10_000, seed=1)
    assert result.monte_carlo is None and interval.method == "lpu"
    assert interval.coverage_factor == result.propagation.coverage_factor == (13.97 if dof == 1 else 4.53)
    assert (
        "6.4.9.4" in interval.notes[0]
        and f"ν = {dof} degrees of freedom, no finite variance" in interval.notes[0]
    )
    assert note_text(interval.notes[0], "vi").startswith("một đại lượng đầu vào có ν ≤ 2 bậc tự do")
    assert note_text(interval.notes[0], "en").startswith("an input has ν ≤ 2 degrees of freedom")


def test_a_pooled_sd_with_two_or_fewer_dof_is_refused_too() -> None:
    """A pooled s_p with ν_p = 2 (JCGM 100 4.2.4) is t_2 for Monte Carlo: no finite variance (6.4.9.4)."""
    spec = parse_budget(_budget([1.01, 1.03], pooled_sd=0.01, pooled_dof=2))
    with pytest.raises(MonteCarloError, match=r"inputs\[0\]\.dof: 'x' has ν = 2 degrees of freedom"):
        evaluate_budget(spec, method="both", trials=10_000, seed=1)


def test_a_correlated_input_with_finite_dof_is_refused_for_monte_carlo() -> None:
    """JCGM 101 6.4.8 correlates Gaussian inputs only; a t_ν input cannot join the multivariate Gaussian."""
    budget = _declared(5)
    budget["inputs"].append({"name": "s", "value": 0.0, "distribution": {"kind": "normal", "u": 1.0}})
    budget["model"] = "x + s"
    budget["correlations"] = [{"between": ["x", "s"], "r": 0.5}]
    with pytest.raises(MonteCarloError, match="a t distribution with ν = 5"):
        evaluate_budget(parse_budget(budget), method="mcm", trials=10_000, seed=1)

"""Budgets that tell the truth (issue 16, item 2): JCGM 101 6.4.9.4, clause 8, and zero sensitivities."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lims.domain.uncertainty import MonteCarloError, evaluate_budget, parse_budget
from lims.domain.uncertainty.errors import BudgetFormatError, PropagationNotApplicable
from lims.domain.uncertainty.evaluation import point_interval


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

"""Monte Carlo details of JCGM 101:2008: intervals (7.7), adaptive procedure (7.9), sampling (6.4)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from lims.domain.uncertainty import MonteCarloError, parse_budget, propagate
from lims.domain.uncertainty.montecarlo import monte_carlo, monte_carlo_adaptive


def _spec(model: str, inputs: list[dict], p: float = 0.95, correlations: list | None = None):
    return parse_budget(
        {"model": model, "coverage_probability": p, "inputs": inputs, "correlations": correlations or []}
    )


def _normal(name: str, value: float = 0.0, u: float = 1.0) -> dict:
    return {"name": name, "value": value, "distribution": {"kind": "normal", "u": u}}


def test_symmetric_and_shortest_intervals_of_a_skewed_output() -> None:
    """Y = exp(X), X ~ N(0, 1): the probabilistically symmetric 95 % interval is [e^-1.96, e^1.96] (JCGM 101
    7.7.1); the shortest (7.7.2) is shorter and starts lower, since the density is skewed to the right."""
    result = monte_carlo(_spec("exp(x)", [_normal("x")]), trials=400_000, seed=11)
    low, high = result.interval
    assert low == pytest.approx(math.exp(-1.959964), rel=0.01)
    assert high == pytest.approx(math.exp(1.959964), rel=0.02)
    short_low, short_high = result.shortest_interval
    assert short_high - short_low < high - low
    assert short_low < low
    assert result.value == pytest.approx(math.exp(0.5), rel=0.01)  # mean of the log-normal


def test_rectangular_output_interval() -> None:
    result = monte_carlo(
        _spec("x", [{"name": "x", "value": 5.0, "distribution": {"kind": "rectangular", "half_width": 1.0}}]),
        trials=200_000,
        seed=2,
    )
    assert result.interval == pytest.approx((4.05, 5.95), abs=0.01)
    assert result.shortest_interval[1] - result.shortest_interval[0] == pytest.approx(1.9, abs=0.01)
    assert result.standard_uncertainty == pytest.approx(1 / math.sqrt(3), rel=0.01)


@pytest.mark.parametrize(
    ("kind", "params", "u"),
    [
        ("triangular", {"half_width": 3.0}, 3 / math.sqrt(6)),
        ("arcsine", {"half_width": 2.0}, 2 / math.sqrt(2)),
        ("student_t", {"scale": 1.0, "dof": 5}, math.sqrt(5 / 3)),
    ],
)
def test_each_distribution_samples_its_standard_uncertainty(kind: str, params: dict, u: float) -> None:
    """JCGM 101 6.4.5 (triangular), 6.4.6 (arcsine), 6.4.9 (t): the sample standard deviation matches the
    standard uncertainty the law of propagation uses."""
    spec = _spec("x", [{"name": "x", "value": 1.0, "distribution": {"kind": kind, **params}}])
    assert propagate(spec).standard_uncertainty == pytest.approx(u)
    assert monte_carlo(spec, trials=300_000, seed=5).standard_uncertainty == pytest.approx(u, rel=0.02)


def test_type_a_is_sampled_from_the_t_distribution() -> None:
    """JCGM 101 6.4.9.7: n = 6 readings give t_5(x̄, s²/n), whose standard deviation is √(5/3)·s/√n."""
    readings = [10.1, 10.3, 9.9, 10.0, 10.2, 10.4]
    spec = _spec("x", [{"name": "x", "distribution": {"kind": "type_a", "readings": readings}}])
    lpu = propagate(spec)
    s = float(np.std(readings, ddof=1))
    assert lpu.standard_uncertainty == pytest.approx(s / math.sqrt(6))
    assert lpu.effective_dof == 5
    assert lpu.coverage_factor == pytest.approx(round(float(stats.t.ppf(0.975, 5)), 2))
    mcm = monte_carlo(spec, trials=400_000, seed=8)
    assert mcm.standard_uncertainty == pytest.approx(math.sqrt(5 / 3) * s / math.sqrt(6), rel=0.02)
    # For one t input the MCM interval is x̄ ± t_0.975(5)·s/√n, the GUM one with k from t (JCGM 101 9.2 note).
    expected = float(stats.t.ppf(0.975, 5)) * s / math.sqrt(6)
    assert mcm.interval[1] - np.mean(readings) == pytest.approx(expected, rel=0.02)


def test_correlated_gaussian_inputs() -> None:
    """JCGM 101 6.4.8: correlated inputs are jointly Gaussian; y = a − b with r = 0.9 gives u = √0.2."""
    spec = _spec(
        "a - b", [_normal("a", 1.0), _normal("b", 2.0)], correlations=[{"between": ["a", "b"], "r": 0.9}]
    )
    assert propagate(spec).standard_uncertainty == pytest.approx(math.sqrt(0.2))
    assert propagate(spec).correlation_terms[0].term == pytest.approx(-1.8)
    result = monte_carlo(spec, trials=200_000, seed=3)
    assert result.standard_uncertainty == pytest.approx(math.sqrt(0.2), rel=0.01)
    assert result.value == pytest.approx(-1.0, abs=0.01)


def test_fully_correlated_inputs_are_positive_semi_definite_and_sampled() -> None:
    spec = _spec("a + b", [_normal("a"), _normal("b")], correlations=[{"between": ["a", "b"], "r": 1.0}])
    assert monte_carlo(spec, trials=100_000, seed=1).standard_uncertainty == pytest.approx(2.0, rel=0.01)


def test_correlated_non_gaussian_input_is_refused() -> None:
    spec = _spec(
        "a + b",
        [_normal("a"), {"name": "b", "value": 0, "distribution": {"kind": "rectangular", "half_width": 1}}],
        correlations=[{"between": ["a", "b"], "r": 0.5}],
    )
    with pytest.raises(MonteCarloError, match="correlations: 'b' is correlated but its distribution is rect"):
        monte_carlo(spec, trials=10_000, seed=1)


def test_block_size_does_not_change_the_statistics() -> None:
    spec = _spec("a * b", [_normal("a", 3.0), _normal("b", 2.0, 0.5)])
    small = monte_carlo(spec, trials=100_000, seed=9, block_size=7_919)
    large = monte_carlo(spec, trials=100_000, seed=9, block_size=100_000)
    assert small.trials == large.trials == 100_000
    assert small.standard_uncertainty == pytest.approx(large.standard_uncertainty, rel=0.02)


def test_adaptive_procedure_converges() -> None:
    """JCGM 101 7.9.4 on the additive model of 9.2.2: u(y) = 2.0, δ = 0.05 for two significant digits."""
    spec = _spec("x1 + x2 + x3 + x4", [_normal(f"x{i}") for i in range(1, 5)])
    result = monte_carlo_adaptive(spec, significant_digits=2, seed=4)
    assert result.adaptive is not None and result.adaptive.converged
    assert result.adaptive.tolerance == 0.05
    assert result.adaptive.sequences >= 2
    assert result.trials == result.adaptive.sequences * 10_000
    assert result.standard_uncertainty == pytest.approx(2.0, abs=0.05)


def test_adaptive_procedure_reports_when_it_runs_out_of_trials() -> None:
    spec = _spec("x1 + x2", [_normal("x1"), _normal("x2")])
    result = monte_carlo_adaptive(spec, significant_digits=4, seed=4, max_trials=30_000)
    assert result.adaptive is not None and not result.adaptive.converged
    assert result.trials == 30_000


def test_seed_is_drawn_and_reported_when_not_given() -> None:
    spec = _spec("x", [_normal("x")])
    first = monte_carlo(spec, trials=10_000)
    assert isinstance(first.seed, int)
    assert monte_carlo(spec, trials=10_000, seed=first.seed) == first

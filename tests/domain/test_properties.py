"""Property tests (hypothesis) of the propagation and Monte Carlo results."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lims.domain.uncertainty import parse_budget, propagate
from lims.domain.uncertainty.montecarlo import monte_carlo

finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)
coefficient = st.floats(min_value=0.1, max_value=10.0) | st.floats(min_value=-10.0, max_value=-0.1)
positive = st.floats(min_value=1e-3, max_value=1e3)


@st.composite
def linear_normal_budgets(draw: st.DrawFn) -> dict:
    size = draw(st.integers(min_value=1, max_value=5))
    coefficients = [draw(coefficient) for _ in range(size)]
    model = " + ".join(f"({c!r}) * x{i}" for i, c in enumerate(coefficients))
    inputs = [
        {"name": f"x{i}", "value": draw(finite), "distribution": {"kind": "normal", "u": draw(positive)}}
        for i in range(size)
    ]
    return {"model": model, "coverage_probability": 0.95, "inputs": inputs}


@settings(max_examples=25, deadline=None)
@given(budget=linear_normal_budgets())
def test_lpu_and_mcm_agree_for_linear_models_with_normal_inputs(budget: dict) -> None:
    """For a linear model with Gaussian inputs the output is Gaussian and the GUM is exact (JCGM 101 5.7):
    Monte Carlo agrees within six standard errors of its own noise: 1/√M for the mean, 1/√(2M) (relative)
    for s, and √(p(1 − p)/M)/φ(z) for an end of the 95 % interval, all in units of u_c."""
    spec = parse_budget(budget)
    lpu = propagate(spec)
    mcm = monte_carlo(spec, trials=20_000, seed=20_000)
    trials = mcm.trials
    assert mcm.value == pytest.approx(lpu.value, abs=6 * lpu.standard_uncertainty / math.sqrt(trials))
    assert mcm.standard_uncertainty == pytest.approx(lpu.standard_uncertainty, rel=6 / math.sqrt(2 * trials))
    z = 1.959964
    half_width = z * lpu.standard_uncertainty
    end_error = math.sqrt(0.025 * 0.975 / trials) / (math.exp(-z * z / 2) / math.sqrt(2 * math.pi))
    for end, expected in zip(mcm.interval, (lpu.value - half_width, lpu.value + half_width), strict=True):
        assert end == pytest.approx(expected, abs=6 * end_error * lpu.standard_uncertainty)


@st.composite
def linear_budgets_any_distribution(draw: st.DrawFn) -> dict:
    size = draw(st.integers(min_value=1, max_value=5))
    model = " + ".join(f"({draw(coefficient)!r}) * x{i}" for i in range(size))
    inputs = []
    for i in range(size):
        kind = draw(st.sampled_from(["normal", "rectangular", "triangular", "arcsine", "student_t"]))
        width = draw(positive)
        params = {"normal": {"u": width}, "student_t": {"scale": width, "dof": 5}}.get(
            kind, {"half_width": width}
        )
        inputs.append(
            {
                "name": f"x{i}",
                "value": draw(finite),
                "distribution": {"kind": kind, **params},
                "dof": draw(st.none() | st.floats(min_value=1, max_value=100)),
            }
        )
    return {"model": model, "inputs": inputs}


def _scaled(budget: dict, factor: float) -> dict:
    scaled = {**budget, "inputs": []}
    for item in budget["inputs"]:
        distribution = {
            key: (value * abs(factor) if key in ("u", "half_width", "scale") else value)
            for key, value in item["distribution"].items()
        }
        scaled["inputs"].append({**item, "value": item["value"] * factor, "distribution": distribution})
    return scaled


@settings(max_examples=50, deadline=None)
@given(
    budget=linear_budgets_any_distribution(),
    factor=st.floats(min_value=1e-6, max_value=1e6) | st.floats(min_value=-1e6, max_value=-1e-6),
)
def test_scaling_every_input_scales_the_result(budget: dict, factor: float) -> None:
    """For a linear model, x_i → s·x_i and u(x_i) → |s|·u(x_i) give y → s·y and u_c → |s|·u_c, with the same
    ν_eff and k (JCGM 100 5.1.2 is linear in the u(x_i))."""
    base = propagate(parse_budget(budget))
    scaled = propagate(parse_budget(_scaled(budget, factor)))
    assert scaled.value == pytest.approx(
        factor * base.value,
        rel=1e-9,
        abs=1e-9 * abs(factor) * max(1.0, *(abs(i["value"]) for i in budget["inputs"])),
    )
    assert scaled.standard_uncertainty == pytest.approx(abs(factor) * base.standard_uncertainty, rel=1e-9)
    assert scaled.effective_dof == pytest.approx(base.effective_dof, rel=1e-9)
    assert scaled.coverage_factor == base.coverage_factor

"""Exact higher derivatives for the second-order terms of JCGM 100 5.1.2 Note."""

from __future__ import annotations

import math

import pytest

from lims.domain.uncertainty import BudgetFormatError, parse_budget, propagate
from lims.domain.uncertainty.higher_order import second_order_variance


def _one(model: str, value: float, u: float) -> dict:
    return {
        "model": model,
        "inputs": [{"name": "x", "value": value, "distribution": {"kind": "normal", "u": u}}],
    }


@pytest.mark.parametrize(
    ("model", "value", "u", "expected"),
    [
        # y = x²: ½·(2)²·u⁴ = 2u⁴, the exact excess of Var(x²) over the first order for a normal x.
        ("x ** 2", 3.0, 0.5, 2 * 0.5**4),
        # y = x³: ½(6x)²u⁴ + 3x²·6·u⁴.
        ("x * x * x", 2.0, 0.1, (0.5 * 12**2 + 12 * 6) * 0.1**4),
        # y = exp(x): ½e^{2x}u⁴ + e^{2x}u⁴.
        ("exp(x)", 0.3, 0.2, 1.5 * math.exp(0.6) * 0.2**4),
        # y = 1/x: ½(2/x³)²u⁴ + (−1/x²)(−6/x⁴)u⁴.
        ("1 / x", 2.0, 0.1, (0.5 * (2 / 8) ** 2 + (1 / 4) * (6 / 16)) * 0.1**4),
        # y = sqrt(x): f' = ½x^-½, f'' = −¼x^-3/2, f''' = ⅜x^-5/2.
        ("sqrt(x)", 4.0, 0.3, (0.5 * (0.25 / 8) ** 2 + 0.25 * (0.375 / 32)) * 0.3**4),
        # y = sin(x): ½sin²x·u⁴ − cos²x·u⁴.
        ("sin(x)", 0.7, 0.1, (0.5 * math.sin(0.7) ** 2 - math.cos(0.7) ** 2) * 0.1**4),
        # y = x ** x: checked against f = exp(x·log x) written out.
        ("x ** x", 1.5, 0.1, None),
    ],
)
def test_single_input_second_order_terms(model: str, value: float, u: float, expected: float | None) -> None:
    got = second_order_variance(parse_budget(_one(model, value, u)))
    if expected is None:
        expected = second_order_variance(parse_budget(_one("exp(x * log(x))", value, u)))
    assert got == pytest.approx(expected, rel=1e-12)


def test_second_order_needs_independent_inputs() -> None:
    spec = parse_budget(
        {
            "model": "a * b",
            "inputs": [
                {"name": "a", "value": 1, "distribution": {"kind": "normal", "u": 1}},
                {"name": "b", "value": 1, "distribution": {"kind": "normal", "u": 1}},
            ],
            "correlations": [{"between": ["a", "b"], "r": 0.5}],
        }
    )
    with pytest.raises(BudgetFormatError, match="correlations: second-order terms need uncorrelated inputs"):
        propagate(spec, second_order=True)


def test_linear_model_has_no_second_order_terms() -> None:
    spec = parse_budget(
        {
            "model": "2 * a - 3 * b + 1",
            "inputs": [
                {"name": "a", "value": 1, "distribution": {"kind": "normal", "u": 1}},
                {"name": "b", "value": 1, "distribution": {"kind": "rectangular", "half_width": 1}},
            ],
        }
    )
    assert propagate(spec, second_order=True).higher_order_variance == 0.0
    assert propagate(spec).higher_order_variance is None

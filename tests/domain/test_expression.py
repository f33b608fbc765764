"""The model parser (ast whitelist) and exact derivatives through `uncertainties` (JCGM 100 5.1.3)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lims.domain.uncertainty.errors import ModelSyntaxError
from lims.domain.uncertainty.expression import parse_expression
from lims.domain.uncertainty.montecarlo import NUMPY_FUNCTIONS
from lims.domain.uncertainty.sensitivity import UMATH_FUNCTIONS, linearise


def test_names_in_order_of_appearance_and_constants() -> None:
    model = parse_expression("b * sqrt(a) + pi * b - 2 ** c")
    assert model.names == ("b", "a", "c")
    assert model.evaluate({"a": 4.0, "b": 1.0, "c": 3.0}, UMATH_FUNCTIONS) == pytest.approx(2 + math.pi - 8)


def test_same_expression_on_numpy_arrays() -> None:
    model = parse_expression("log10(x) + atan(y) / 2")
    x = np.array([1.0, 10.0, 100.0])
    y = np.array([0.0, 1.0, -1.0])
    assert model.evaluate({"x": x, "y": y}, NUMPY_FUNCTIONS) == pytest.approx(
        [0.0, 1.0 + math.pi / 8, 2.0 - math.pi / 8]
    )


@pytest.mark.parametrize(
    "text",
    [
        "x.__class__",
        "__import__('os')",
        "open('f')",
        "lambda: 1",
        "x[0]",
        "x < 1",
        "x and y",
        "[x]",
        "(x, y)",
        "{x: 1}",
        "f'{x}'",
        "x if y else 1",
        "(z := 1)",
        "sqrt(x, y)",
        "sqrt(x=1)",
        "sqrt",
        "1j * x",
        "True + x",
        "sqrt(*x)",
        "None",
        "...",
    ],
)
def test_forbidden_syntax_is_refused_without_evaluating(text: str) -> None:
    with pytest.raises(ModelSyntaxError) as caught:
        parse_expression(text)
    assert str(caught.value).startswith("model: ")


def test_integer_powers_are_evaluated_as_floats() -> None:
    """9**9**9 would build an integer of 370 million digits; as floats it overflows at once."""
    model = parse_expression("9 ** 9 ** 9")
    with pytest.raises(OverflowError):
        model.evaluate({}, UMATH_FUNCTIONS)


def test_deeply_nested_model_is_refused() -> None:
    with pytest.raises(ModelSyntaxError, match=r"nested too deeply|invalid syntax"):
        parse_expression("-" * 9000 + "x")


@pytest.mark.parametrize(
    ("name", "x", "derivative"),
    [
        ("sqrt", 4.0, 0.25),
        ("exp", 1.0, math.e),
        ("log", 2.0, 0.5),
        ("log10", 10.0, 1 / (10 * math.log(10))),
        ("sin", 0.5, math.cos(0.5)),
        ("cos", 0.5, -math.sin(0.5)),
        ("tan", 0.5, 1 / math.cos(0.5) ** 2),
        ("asin", 0.5, 1 / math.sqrt(0.75)),
        ("acos", 0.5, -1 / math.sqrt(0.75)),
        ("atan", 2.0, 0.2),
    ],
)
def test_derivatives_of_every_function_are_exact(name: str, x: float, derivative: float) -> None:
    result = linearise(parse_expression(f"{name}(x)"), ("x",), (x,))
    assert result.value == pytest.approx(getattr(math, name)(x), rel=1e-15)
    assert result.sensitivity_coefficients[0] == pytest.approx(derivative, rel=1e-14)


def test_derivatives_of_operators() -> None:
    model = parse_expression("a / b - b ** a + 2 ** a + a ** 3 - (-a) + 1 / b")
    result = linearise(model, ("a", "b"), (2.0, 3.0))
    da = 1 / 3 - 3**2 * math.log(3) + 2**2 * math.log(2) + 3 * 2**2 + 1
    db = -2 / 9 - 2 * 3 + 0 - 1 / 9
    assert result.value == pytest.approx(2 / 3 - 9 + 4 + 8 + 2 + 1 / 3)
    assert result.sensitivity_coefficients == pytest.approx([da, db], rel=1e-14)


def test_derivative_does_not_drift_with_scale() -> None:
    """A finite difference with a fixed step fails for x ~ 1e-9; the exact derivative does not."""
    model = parse_expression("x ** 2")
    for x in (1e-9, 1.0, 1e9):
        result = linearise(model, ("x",), (x,))
        assert result.sensitivity_coefficients[0] == pytest.approx(2 * x, rel=1e-15)

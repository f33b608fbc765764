"""Reporting rounding (JCGM 100 7.2.6, ILAC-P14; the one rounding of certificates.metrology) and the Python API the jobs module calls."""

from __future__ import annotations

from decimal import Decimal

import pytest

from certificates.metrology import round_result
from lims.domain.uncertainty import (
    BudgetSpec,
    Correlation,
    FunctionModel,
    InputQuantity,
    Normal,
    Rectangular,
    TypeA,
    evaluate_budget,
    parse_expression,
)


@pytest.mark.parametrize(
    ("value", "expanded", "text"),
    [
        (10000.0250001, 0.0585235, "10000.025 ± 0.059"),  # EA-4/02 S2
        (10000.1780077, 0.016656, "10000.178 ± 0.017"),  # EA-4/02 S3
        (49.999926, 0.0000728, "49.999926 ± 0.000073"),  # EA-4/02 S4
        (1.23456, 0.0996, "1.23 ± 0.10"),  # rounding up to a new decade keeps two digits
        (123456.0, 1234.0, "123500 ± 1200"),
    ],
)
def test_rounding_for_the_report(value: float, expanded: float, text: str) -> None:
    assert round_result(value, expanded).text() == text


def test_rounding_keeps_the_unrounded_values_apart() -> None:
    spec = BudgetSpec(
        model=parse_expression("a + b"),
        inputs=(
            InputQuantity("a", Normal(0.0123456), value=1.0),
            InputQuantity("b", Rectangular(0.01), value=2.0),
        ),
    )
    result = evaluate_budget(spec)
    assert result.propagation.expanded_uncertainty == pytest.approx(2 * (0.0123456**2 + 0.01**2 / 3) ** 0.5)
    assert result.reported.expanded_uncertainty == Decimal("0.027")
    assert result.reported.value == Decimal("3.000")


def test_python_function_model_gives_the_same_result_as_the_text_model() -> None:
    inputs = (
        InputQuantity("V", Normal(0.001), value=10.0, unit="V"),
        InputQuantity("I", TypeA((1.001, 0.999, 1.002, 0.998)), unit="A"),
    )
    text = evaluate_budget(
        BudgetSpec(model=parse_expression("V / I * sqrt(1)"), inputs=inputs),
        method="both",
        trials=20_000,
        seed=1,
    )
    model = FunctionModel(lambda m, V, I: V / I * m.sqrt(1.0), ("V", "I"))  # noqa: E741
    code = evaluate_budget(BudgetSpec(model=model, inputs=inputs), method="both", trials=20_000, seed=1)
    assert code.propagation == text.propagation
    assert code.monte_carlo == text.monte_carlo
    assert text.unit == "V / A"


def test_correlations_from_code() -> None:
    spec = BudgetSpec(
        model=parse_expression("a + b"),
        inputs=(InputQuantity("a", Normal(1.0), value=0.0), InputQuantity("b", Normal(1.0), value=0.0)),
        correlations=(Correlation("a", "b", -1.0),),
    )
    assert evaluate_budget(spec).propagation.standard_uncertainty == pytest.approx(0.0, abs=1e-12)

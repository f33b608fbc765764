"""Dimensional checks with pint (issue 3, item 4)."""

from __future__ import annotations

import pytest

from lims.domain.uncertainty import DimensionError, evaluate_budget, parse_budget


def _budget(model: str, units: dict[str, str | None], measurand_unit: str | None = None) -> dict:
    return {
        "measurand": {"name": "Y", "unit": measurand_unit},
        "model": model,
        "inputs": [
            {"name": n, "value": 1.0, "unit": u, "distribution": {"kind": "normal", "u": 0.1}}
            for n, u in units.items()
        ],
    }


@pytest.mark.parametrize(
    ("model", "units", "expected"),
    [
        ("U / I", {"U": "V", "I": "A"}, "V / A"),
        ("R0 * (1 + alpha * (t - 20))", {"R0": "Ω", "alpha": "1/°C", "t": "°C"}, "Ω"),
        ("sqrt(a ** 2 + b ** 2)", {"a": "mm", "b": "mm"}, "mm"),
        ("m * exp(-x / x0)", {"m": "kg", "x": "m", "x0": "m"}, "kg"),
        ("l * sin(phi)", {"l": "m", "phi": "rad"}, "m"),
    ],
)
def test_the_measurand_unit_is_derived(model: str, units: dict[str, str], expected: str) -> None:
    assert evaluate_budget(parse_budget(_budget(model, units))).unit == expected


def test_the_stated_measurand_unit_may_be_an_equivalent_label() -> None:
    result = evaluate_budget(parse_budget(_budget("U / I", {"U": "V", "I": "A"}, "ohm")))
    assert result.unit == "ohm"


@pytest.mark.parametrize(
    ("model", "units", "measurand_unit", "message"),
    [
        ("a + b", {"a": "mm", "b": "s"}, None, "model: cannot compute 'a' + 'b': units mm and s differ"),
        (
            "a - b * c",
            {"a": "mm", "b": "nm", "c": "1"},
            None,
            "model: cannot compute 'a' - 'b * c': units mm and nm",
        ),
        ("exp(a)", {"a": "mm"}, None, "model: exp() needs a dimensionless number; 'a' is in mm"),
        (
            "sin(a)",
            {"a": "deg"},
            None,
            "model: sin() needs an angle in rad or a dimensionless number; 'a' is in deg",
        ),
        ("a ** b", {"a": "mm", "b": "s"}, None, "model: the exponent 'b' must be dimensionless"),
        ("a * b", {"a": "g", "b": "1"}, "kg", "measurand.unit: the model gives g, not kg"),
        ("a * b", {"a": "g", "b": "wombats"}, None, "inputs[1].unit: unknown unit 'wombats'"),
        ("a * b", {"a": "g", "b": None}, None, "inputs[1].unit: is required when other inputs carry units"),
    ],
)
def test_inconsistent_models_name_the_term(
    model: str, units: dict, measurand_unit: str | None, message: str
) -> None:
    with pytest.raises(DimensionError) as caught:
        evaluate_budget(parse_budget(_budget(model, units, measurand_unit)))
    assert str(caught.value).startswith(message)


def test_budgets_without_units_are_not_checked() -> None:
    result = evaluate_budget(parse_budget(_budget("a + b", {"a": None, "b": None})))
    assert result.unit is None

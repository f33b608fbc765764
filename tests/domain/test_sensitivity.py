"""Sensitivity coefficients from the `uncertainties` package (JCGM 100:2008 5.1.3), checked by hand.

The reference example is JCGM 100:2008 Annex H.2, simultaneous measurement of resistance and reactance:
R = V/I·cos φ, X = V/I·sin φ, Z = V/I from the means of five sets of V, I, φ (Table H.2), whose correlation
coefficients are r(V, I) = −0.36, r(V, φ) = 0.86, r(I, φ) = −0.65 (H.2.3).
"""

from __future__ import annotations

import math

import pytest
import uncertainties
from uncertainties import umath

from lims.domain.uncertainty.budget import FunctionModel
from lims.domain.uncertainty.errors import NonFiniteResultError
from lims.domain.uncertainty.expression import parse_expression
from lims.domain.uncertainty.io import parse_budget
from lims.domain.uncertainty.propagation import propagate
from lims.domain.uncertainty.sensitivity import linearise

# JCGM 100 Table H.2, means and experimental standard deviations of the means; current in A (the table gives mA).
V_V, U_V_V = 4.9990, 0.0032
I_A, U_I_A = 19.6610e-3, 0.0095e-3
PHI_RAD, U_PHI_RAD = 1.04446, 0.00075
R_VI, R_VPHI, R_IPHI = -0.36, 0.86, -0.65
#: Table H.3 was computed from unrounded data; the standard deviations (two digits) and correlation
#: coefficients (two digits) printed in H.2 reproduce its u(R) = 0.071, u(X) = 0.295, u(Z) = 0.236 Ω to
#: within 2 % (0.0700, 0.2957, 0.2366 Ω).
TABLE_ROUNDING = 0.02


def h2_budget(model: str) -> dict:
    return {
        "model": model,
        "inputs": [
            {"name": "V", "value": V_V, "distribution": {"kind": "normal", "u": U_V_V}},
            {"name": "I", "value": I_A, "distribution": {"kind": "normal", "u": U_I_A}},
            {"name": "phi", "value": PHI_RAD, "distribution": {"kind": "normal", "u": U_PHI_RAD}},
        ],
        "correlations": [
            {"between": ["V", "I"], "r": R_VI},
            {"between": ["V", "phi"], "r": R_VPHI},
            {"between": ["I", "phi"], "r": R_IPHI},
        ],
    }


def test_h2_resistance_coefficients_equal_the_hand_derived_partial_derivatives() -> None:
    """R = V/I·cos φ: ∂R/∂V = cos φ/I, ∂R/∂I = −V·cos φ/I², ∂R/∂φ = −V·sin φ/I."""
    dr_dv = math.cos(PHI_RAD) / I_A
    dr_di = -V_V * math.cos(PHI_RAD) / I_A**2
    dr_dphi = -V_V * math.sin(PHI_RAD) / I_A
    result = propagate(parse_budget(h2_budget("V / I * cos(phi)")))
    coefficients = [c.sensitivity_coefficient for c in result.contributions]
    assert coefficients == pytest.approx([dr_dv, dr_di, dr_dphi], rel=1e-13)
    # The same figures written out: 25.552 Ω/V, −6496.73 Ω/A, −219.847 Ω/rad (= −X of Table H.3).
    assert coefficients == pytest.approx([25.5516, -6496.73, -219.847], rel=1e-5)


def test_h2_resistance_with_correlated_inputs_by_hand() -> None:
    """u_c²(R) = Σ_i Σ_j c_i c_j u(x_i) u(x_j) r(x_i, x_j) (JCGM 100 5.2.2, equation (16)); Table H.3 gives
    R = 127.732 Ω and u(R) = 0.071 Ω."""
    c_v = math.cos(PHI_RAD) / I_A
    c_i = -V_V * math.cos(PHI_RAD) / I_A**2
    c_phi = -V_V * math.sin(PHI_RAD) / I_A
    w_v, w_i, w_phi = c_v * U_V_V, c_i * U_I_A, c_phi * U_PHI_RAD
    variance = (
        w_v**2
        + w_i**2
        + w_phi**2
        + 2 * w_v * w_i * R_VI
        + 2 * w_v * w_phi * R_VPHI
        + 2 * w_i * w_phi * R_IPHI
    )
    result = propagate(parse_budget(h2_budget("V / I * cos(phi)")))
    assert result.value == pytest.approx(127.732, abs=5e-4)
    assert result.standard_uncertainty == pytest.approx(math.sqrt(variance), rel=1e-12)
    assert result.standard_uncertainty == pytest.approx(0.071, rel=TABLE_ROUNDING)
    terms = {(t.first, t.second): t.term for t in result.correlation_terms}
    assert terms[("V", "phi")] == pytest.approx(2 * w_v * w_phi * R_VPHI, rel=1e-12)


@pytest.mark.parametrize(
    ("model", "value", "u"),
    [("V / I * cos(phi)", 127.732, 0.071), ("V / I * sin(phi)", 219.847, 0.295), ("V / I", 254.260, 0.236)],
)
def test_h2_table_h3_and_uncertainties_correlated_values_agree(model: str, value: float, u: float) -> None:
    """The u_c of equation (16) equals what `uncertainties` gives for inputs built with its own
    correlated_values_norm, and both round to Table H.3 (approach 1)."""
    result = propagate(parse_budget(h2_budget(model)))
    v, i, phi = uncertainties.correlated_values_norm(
        [(V_V, U_V_V), (I_A, U_I_A), (PHI_RAD, U_PHI_RAD)],
        [[1.0, R_VI, R_VPHI], [R_VI, 1.0, R_IPHI], [R_VPHI, R_IPHI, 1.0]],
    )
    functions = {"cos": umath.cos, "sin": umath.sin}
    reference = parse_expression(model).evaluate({"V": v, "I": i, "phi": phi}, functions)
    assert result.standard_uncertainty == pytest.approx(reference.std_dev, rel=1e-9)
    assert result.value == pytest.approx(value, abs=5e-4)
    assert result.standard_uncertainty == pytest.approx(u, rel=TABLE_ROUNDING)


def test_functions_through_umath_equal_hand_derivatives() -> None:
    """f = √a·exp(b/c) + ln(a)·c² + a^b:
    ∂f/∂a = exp(b/c)/(2√a) + c²/a + b·a^(b−1)
    ∂f/∂b = √a·exp(b/c)/c + a^b·ln a
    ∂f/∂c = −√a·exp(b/c)·b/c² + 2c·ln a
    """
    a, b, c = 2.5, 0.7, 1.3
    model = parse_expression("sqrt(a) * exp(b / c) + log(a) * c ** 2 + a ** b")
    expected = [
        math.exp(b / c) / (2 * math.sqrt(a)) + c**2 / a + b * a ** (b - 1),
        math.sqrt(a) * math.exp(b / c) / c + a**b * math.log(a),
        -math.sqrt(a) * math.exp(b / c) * b / c**2 + 2 * c * math.log(a),
    ]
    result = linearise(model, ("a", "b", "c"), (a, b, c))
    assert result.value == pytest.approx(math.sqrt(a) * math.exp(b / c) + math.log(a) * c**2 + a**b)
    assert result.sensitivity_coefficients == pytest.approx(expected, rel=1e-14)


def test_python_function_model_gives_the_same_coefficients() -> None:
    text = linearise(parse_expression("V / I * cos(phi)"), ("V", "I", "phi"), (V_V, I_A, PHI_RAD))
    function = FunctionModel(lambda m, **q: q["V"] / q["I"] * m.cos(q["phi"]), names=("V", "I", "phi"))
    assert linearise(function, ("V", "I", "phi"), (V_V, I_A, PHI_RAD)) == text


def test_input_without_uncertainty_or_not_in_the_model() -> None:
    """An exactly known input still has its c_i; an input the model ignores has c_i = 0."""
    spec = parse_budget(
        {
            "model": "k * x",
            "inputs": [
                {"name": "k", "value": 3.0, "distribution": {"kind": "normal", "u": 0}},
                {"name": "x", "value": 2.0, "distribution": {"kind": "normal", "u": 0.1}},
                {"name": "unused", "value": 5.0, "distribution": {"kind": "normal", "u": 0.1}},
            ],
        }
    )
    result = propagate(spec)
    assert [c.sensitivity_coefficient for c in result.contributions] == [2.0, 3.0, 0.0]
    assert result.standard_uncertainty == pytest.approx(0.3)


def test_model_independent_of_its_inputs() -> None:
    result = linearise(parse_expression("2 * pi + x - x"), ("x",), (1.0,))
    assert result.value == pytest.approx(2 * math.pi)
    assert result.sensitivity_coefficients == (0.0,)
    constant = linearise(parse_expression("2 * pi"), ("x",), (1.0,))
    assert constant == type(constant)(2 * math.pi, (0.0,))


def test_infinite_derivative_is_refused_by_name() -> None:
    """√x at x = 0 has a value but no finite derivative: the law of propagation cannot be applied."""
    spec = parse_budget(
        {
            "model": "sqrt(x) + y",
            "inputs": [
                {"name": "x", "value": 0.0, "distribution": {"kind": "normal", "u": 0.1}},
                {"name": "y", "value": 1.0, "distribution": {"kind": "normal", "u": 0.1}},
            ],
        }
    )
    with pytest.raises(
        NonFiniteResultError, match=r"^model: its derivative with respect to 'x' is not finite"
    ):
        propagate(spec)


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("x / (y - 1)", "model: evaluates to a non-finite value (division by zero)"),
        ("log(x - 2)", "model: evaluates to a non-finite value (math domain error)"),
        ("(x - 2) ** 0.5", "model: evaluates to a non-finite value"),
        ("exp(x * 1000)", "model: evaluates to a non-finite value (overflow)"),
    ],
)
def test_arithmetic_failures_name_the_model(model: str, message: str) -> None:
    with pytest.raises(NonFiniteResultError) as caught:
        linearise(parse_expression(model), ("x", "y"), (1.0, 1.0))
    assert str(caught.value).startswith(message)

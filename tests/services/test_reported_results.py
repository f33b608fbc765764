"""Rounding a stored point result for display as the certificate reports it (JCGM 100:2008 7.2.6)."""

from __future__ import annotations

from decimal import Decimal

from lims.services.certificates.reported_results import ReportedResult, reported_result


def test_gum_7_2_6_example_result_to_the_decimal_place_of_u() -> None:
    """JCGM 100:2008 7.2.6: y = 10.057 62 Ω with U = 27 mΩ (here computed as 27.03 mΩ) is 10.058 Ω."""
    result = {
        "error": 10.05762,
        "correction": -10.05762,
        "expanded_uncertainty": 0.02703,
        "coverage_factor": 2.0,
        "unit": "Ω",
    }
    assert reported_result(result) == ReportedResult(
        error=Decimal("10.058"),
        correction=Decimal("-10.058"),
        expanded_uncertainty=Decimal("0.027"),
        coverage_factor=2.0,
        unit="Ω",
    )


def test_trailing_zeros_of_u_are_kept_and_set_the_places_of_the_result() -> None:
    """JCGM 100:2008 7.2.6: two significant digits of U, 0.000800781 V -> 0.00080 V; the error follows."""
    rounded = reported_result(
        {
            "error": 0.0024,
            "correction": -0.0024,
            "expanded_uncertainty": 0.000800781,
            "coverage_factor": 2.11,
            "unit": "V",
        }
    )
    assert rounded is not None
    assert (str(rounded.error), str(rounded.correction), str(rounded.expanded_uncertainty)) == (
        "0.00240",
        "-0.00240",
        "0.00080",
    )


def test_results_without_a_usable_u_are_not_rounded() -> None:
    base = {"error": 0.1, "correction": -0.1, "coverage_factor": 2.0, "unit": "bar"}
    assert reported_result(base | {"expanded_uncertainty": 0.0}) is None
    assert reported_result(base | {"expanded_uncertainty": None}) is None
    assert reported_result(base | {"expanded_uncertainty": float("nan")}) is None
    assert reported_result({"expanded_uncertainty": 0.1}) is None

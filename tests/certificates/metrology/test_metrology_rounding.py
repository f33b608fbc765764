"""The reported value (JCGM 100:2008 7.2.6, ILAC-P14:09/2020 6.3, EA-4/02 M:2022 section 5), hand-checked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from certificates.metrology import MetrologyError, round_result, round_to, round_uncertainty


@pytest.mark.parametrize(
    ("u", "expected"),
    [
        # 0.0819466: first significant digit at 10⁻², second at 10⁻³; the next digit 9 rounds up → 0.082
        ("0.0819466", "0.082"),
        # 0.01047 → 0.010: nearest, 4.5 % below (not more than 5 %, so not rounded up)
        ("0.01047", "0.010"),
        # 0.0996 → 0.100 by the nearest rule; two digits after the carry: 0.10
        ("0.0996", "0.10"),
        # U ≥ 10: 123.4 → 1.2 × 10² (two significant digits), 9.96 → 10
        ("123.4", "1.2E+2"),
        ("9.96", "10"),
        ("15.5", "16"),  # a tie goes half up
        ("0.0000677", "0.000068"),
    ],
)
def test_u_to_two_significant_digits(u: str, expected: str) -> None:
    assert round_uncertainty(Decimal(u)) == Decimal(expected)
    assert str(round_uncertainty(Decimal(u))) == expected


def test_one_significant_digit_is_rounded_up_when_the_nearest_loses_more_than_5_percent() -> None:
    # 0.14 → nearest 0.1 is 28.6 % lower → rounded up to 0.2 (EA-4/02 rule); 0.11 → 0.1 is 9 % lower → 0.2
    assert round_uncertainty(Decimal("0.14"), significant_digits=1) == Decimal("0.2")
    assert round_uncertainty(Decimal("0.11"), significant_digits=1) == Decimal("0.2")
    assert round_uncertainty(Decimal("0.104"), significant_digits=1) == Decimal("0.1")  # 3.8 % lower


@pytest.mark.parametrize(
    ("value", "u", "value_out", "u_out"),
    [
        ("10.05762", "0.027", "10.058", "0.027"),  # the GUM 7.2.6 example
        ("-0.01349", "0.0819466", "-0.013", "0.082"),  # a negative error
        ("-0.0125", "0.0819466", "-0.013", "0.082"),  # a tie half up (away from zero)
        ("9.9951", "0.0996", "10.00", "0.10"),  # the value carries into a new decade with U
        ("1234.5", "123.4", "1.23E+3", "1.2E+2"),  # U ≥ 10: the value to tens
        ("0.0004", "0.0819466", "0.000", "0.082"),
    ],
)
def test_the_value_goes_to_us_decimal_place(value: str, u: str, value_out: str, u_out: str) -> None:
    reported = round_result(Decimal(value), Decimal(u))
    assert (str(reported.value), str(reported.expanded_uncertainty)) == (value_out, u_out)


def test_values_beside_u_take_its_places() -> None:
    # reference 20 and MPE 0.5 beside U = 0.082 are printed 20.000 and 0.500
    assert round_to("20", Decimal("0.082")) == Decimal("20.000")
    assert str(round_to("0.5", Decimal("0.082"))) == "0.500"


def test_floats_enter_by_their_shortest_repr() -> None:
    # the float 2.675 is 2.67499999…; by its repr it is 2.675, and with U = 0.10 the tie rounds up to 2.68
    reported = round_result(2.675, 0.1)
    assert (reported.value, reported.expanded_uncertainty) == (Decimal("2.68"), Decimal("0.10"))


@pytest.mark.parametrize("u", ["0", "-0.1", "nan", "abc"])
def test_bad_u_is_refused(u: str) -> None:
    with pytest.raises(MetrologyError, match="expanded_uncertainty"):
        round_uncertainty(u)


def test_a_point_is_reported_as_the_certificate_prints_it() -> None:
    """JCGM 100:2008 7.2.6: y = 10.057 62 Ω with U = 27.03 mΩ → U 0.027 Ω, error 10.058 Ω, correction −10.058 Ω
    (moved from the deleted lims.services.certificates.reported_results)."""
    from certificates.metrology.point import report

    r = report(reference_value=0, indication=10.05762, error=10.05762, expanded_uncertainty=0.02703)
    assert (r.error, r.correction, r.expanded_uncertainty) == (
        Decimal("10.058"),
        Decimal("-10.058"),
        Decimal("0.027"),
    )
    # trailing zeros of U are kept and set the places: 0.000800781 V → 0.00080 V; error 0.0024 → 0.00240
    r = report(reference_value=1, indication=1.0024, error=0.0024, expanded_uncertainty=0.000800781)
    assert (str(r.error), str(r.correction), str(r.expanded_uncertainty)) == (
        "0.00240",
        "-0.00240",
        "0.00080",
    )

"""Rounding and display of results (ILAC-P14:09/2020 6.3, JCGM 100:2008 7.2.6, ISO 80000-1 7.3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certificates.errors import UnitError
from certificates.formatting import (
    dsi_symbol,
    format_date,
    format_decimal,
    validate_dsi_unit,
)
from certificates.metrology import MetrologyError, round_result, round_uncertainty


def test_gum_7_2_6_example() -> None:
    # JCGM 100:2008 7.2.6: y = 10.057 62 Ω, u_c = 27 mΩ -> "10.058 Ω" with the uncertainty to two digits
    reported = round_result(10.05762, 0.027)
    assert reported.value == Decimal("10.058")
    assert reported.expanded_uncertainty == Decimal("0.027")


@pytest.mark.parametrize(
    ("u", "expected"),
    [
        (0.01047, "0.010"),  # nearest lowers U by 4.5 %: allowed (ILAC-P14 6.3)
        (0.01049, "0.010"),
        (0.0105, "0.011"),  # ties round half up
        (0.2349, "0.23"),
        (1.96, "2.0"),
        (9.96, "10"),  # the carry keeps two significant digits
        (123.4, "120"),
        (0.000123, "0.00012"),
    ],
)
def test_uncertainty_has_two_significant_digits(u: float, expected: str) -> None:
    assert format(round_uncertainty(u), "f") == expected


def test_rounding_down_by_more_than_five_percent_rounds_up_instead() -> None:
    # ILAC-P14:09/2020 6.3: with one significant digit 0.14 -> 0.1 would be 29 % lower, so 0.2
    assert round_uncertainty(0.14, significant_digits=1) == Decimal("0.2")
    assert round_uncertainty(0.104, significant_digits=1) == Decimal("0.1")  # -3.8 %: nearest


@given(st.floats(min_value=1e-9, max_value=1e9, allow_nan=False, allow_infinity=False))
def test_rounded_uncertainty_never_drops_more_than_five_percent(u: float) -> None:
    rounded = round_uncertainty(u)
    exact = Decimal(repr(u))
    assert (exact - rounded) / exact <= Decimal("0.05")
    assert len(rounded.normalize().as_tuple().digits) <= 2 or rounded == rounded.to_integral_value()


@given(value=st.floats(-1e6, 1e6, allow_nan=False), u=st.floats(1e-6, 1e3, allow_nan=False))
def test_value_is_rounded_to_the_last_digit_of_u(value: float, u: float) -> None:
    reported = round_result(value, u)
    assert reported.value.as_tuple().exponent == reported.expanded_uncertainty.as_tuple().exponent
    half_step = Decimal(1).scaleb(reported.expanded_uncertainty.as_tuple().exponent) / 2
    assert abs(reported.value - Decimal(repr(value))) <= half_step


@pytest.mark.parametrize("bad", [0, -0.1, float("nan"), float("inf"), True, "abc"])
def test_bad_uncertainty_is_refused(bad: object) -> None:
    with pytest.raises(MetrologyError):
        round_uncertainty(bad)  # type: ignore[arg-type]


def test_vietnamese_number_format_uses_decimal_comma_and_thin_space_groups() -> None:
    assert format_decimal(Decimal("1234.5")) == "1234,5"  # four digits are not grouped
    assert format_decimal(Decimal("12345.678")) == "12\u202f345,678"
    assert format_decimal(Decimal("-0.00080")) == "-0,00080"
    assert format_decimal(Decimal("-0.000")) == "0,000"
    assert format_decimal(Decimal("1.2E+2")) == "120"
    assert format_decimal(2.5, decimal_separator=".") == "2.5"


def test_dates_are_iso_8601_by_default() -> None:
    assert format_date(date(2026, 1, 5)) == "2026-01-05"
    assert format_date(date(2026, 1, 5), "%d/%m/%Y") == "05/01/2026"


@pytest.mark.parametrize(
    ("unit", "symbol"),
    [
        ("\\gram", "g"),
        ("\\kilogram", "kg"),
        ("\\milli\\gram", "mg"),
        ("\\kilo\\pascal", "kPa"),
        ("\\volt", "V"),
        ("\\micro\\ohm", "µΩ"),
        ("\\degreecelsius", "°C"),
        ("\\percent", "%"),
        ("\\one", ""),
        ("\\metre\\second\\tothe{-1}", "m·s⁻¹"),
        ("\\bar", "bar"),
        ("\\hecto\\pascal", "hPa"),
    ],
)
def test_dsi_units_display_as_si_symbols(unit: str, symbol: str) -> None:
    assert validate_dsi_unit(unit) == unit
    assert dsi_symbol(unit) == symbol


@pytest.mark.parametrize(
    ("unit", "reason"),
    [
        ("kPa", "unexpected text"),
        ("\\kilo", "not followed by a unit"),
        ("\\kilo\\kilo\\gram", "two prefixes"),
        ("\\milli\\kilogram", "takes no prefix"),
        ("\\furlong", "not a D-SI unit"),
        ("\\tothe{2}", "must follow"),
        ("\\metre\\tothe{x}", "must be a non-zero whole number"),
        ("\\metre \\second", "unexpected text"),
        ("", "unexpected text"),
        ("\\degreeCelsius", "not a D-SI unit"),
    ],
)
def test_invalid_dsi_units_are_refused(unit: str, reason: str) -> None:
    with pytest.raises(UnitError) as caught:
        validate_dsi_unit(unit)
    assert reason in str(caught.value)
    assert isinstance(caught.value, ValueError)

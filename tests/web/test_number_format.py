"""The ``number`` filter: the locale's signs, and every recorded digit (a resolution of 0.0001 g is not "0")."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from lims.web.templating import format_number


def test_small_values_keep_their_digits() -> None:
    # Numeric(30, 12) columns come back with twelve places.
    assert format_number(Decimal("0.000100000000"), "vi") == "0,0001"
    assert format_number(Decimal("0.000100000000"), "en") == "0.0001"
    assert format_number(Decimal("-0.00012345"), "vi") == "-0,00012345"
    assert format_number(Decimal("3200.000000000000"), "vi") == "3.200"
    assert format_number(1e-05, "vi") == "0,00001"
    assert format_number(Decimal("-0.000"), "vi") == "0"
    assert format_number(None, "vi") == ""


@given(st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**9), max_value=10**9))
def test_same_as_babel_where_babel_keeps_every_digit(value: Decimal) -> None:
    for locale in ("vi", "en"):
        assert format_number(value, locale) == format_decimal(value, locale=locale)


@given(st.decimals(allow_nan=False, allow_infinity=False, places=12, min_value=-(10**12), max_value=10**12))
def test_reads_back_as_the_same_number(value: Decimal) -> None:
    text = format_number(value, "vi")
    assert Decimal(text.replace(".", "").replace(",", ".")) == value

"""The ``number`` template filter: the user's decimal convention without losing small values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import Flask


@pytest.mark.parametrize(
    ("value", "vietnamese", "english"),
    [
        (Decimal("1000.000000"), "1.000", "1,000"),  # stored scale, trailing zeros dropped
        (Decimal("7.010000000000"), "7,01", "7.01"),
        (Decimal("0.000500000000"), "0,0005", "0.0005"),  # a CMC of 0.5 g in kg, shown as 0 before
        (1.0e-05, "0,00001", "0.00001"),
        (5e-06, "0,000005", "0.000005"),
        (0.1 + 0.2, "0,3", "0.3"),  # floats: six significant digits at most
        (2.0 / 3.0, "0,666667", "0.666667"),
        (12, "12", "12"),
        (Decimal("-40"), "-40", "-40"),
    ],
)
def test_number_keeps_significant_digits(app: Flask, value: object, vietnamese: str, english: str) -> None:
    from flask import session

    for language, expected in (("vi", vietnamese), ("en", english)):
        with app.test_request_context("/"):
            session["language"] = language
            assert app.jinja_env.filters["number"](value) == expected

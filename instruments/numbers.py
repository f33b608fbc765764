"""Strict parsing of numbers exactly as an instrument sent them.

A value is kept as the text the instrument sent and converted with :class:`decimal.Decimal`, never through
``float``: ``0.1`` stays ``0.1`` and the number of digits sent (the instrument's resolution, GUM 7.2.6
reporting) is preserved.  NaN, infinity and anything that is not a plain decimal number are rejected.

>>> parse_decimal("+1.23456789E+00")
Decimal('1.23456789')
>>> parse_decimal("  100.00")
Decimal('100.00')
>>> parse_decimal("1,5")
Traceback (most recent call last):
...
ValueError: not a decimal number: '1,5'
"""

from __future__ import annotations

import re
from decimal import Decimal

# SCPI NR1/NR2/NR3 and plain balance decimals; no thousands separators, no NaN/Inf, no hex.
DECIMAL_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
DECIMAL_PATTERN = DECIMAL_RE.pattern


def parse_decimal(text: str) -> Decimal:
    """Convert the number ``text`` (surrounding spaces allowed) to Decimal, or raise ``ValueError``."""
    stripped = text.strip()
    if not DECIMAL_RE.fullmatch(stripped):
        raise ValueError(f"not a decimal number: {text!r}")
    return Decimal(stripped)


def is_decimal(text: str) -> bool:
    """True if ``text`` is a number :func:`parse_decimal` accepts.

    >>> is_decimal("-0.5"), is_decimal("nan"), is_decimal("")
    (True, False, False)
    """
    return DECIMAL_RE.fullmatch(text.strip()) is not None

"""Exact decimals and their display in a locale (ISO 80000-1:2009 7.3).

Every number of a point result is a :class:`decimal.Decimal`: the text an instrument sent stays that text,
and a float computed by the numerics enters as the shortest ``repr`` of the float (so ``0.15`` is 0.15, not
0.1499999…). Display: Vietnamese documents (TCVN, ĐLVN) write the decimal comma, which ISO 80000-1:2009
7.3.2 allows; English writes the point. Integer parts of five digits or more are grouped by three with a
narrow no-break space (ISO 80000-1 7.3.1), never with a point or comma, so that no reader can mistake a
group separator for the decimal sign. The minus sign is the ASCII hyphen-minus so that copied values paste
into spreadsheets as numbers.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from certificates.metrology.errors import MetrologyError

__all__ = ["GROUP_SEPARATOR", "decimal_of", "decimal_sign", "format_compact", "format_decimal"]

GROUP_SEPARATOR = "\u202f"  # narrow no-break space (ISO 80000-1 7.3.1)


def decimal_sign(language: str) -> str:
    """The decimal sign of a language: the comma for Vietnamese, the point otherwise.

    >>> decimal_sign("vi"), decimal_sign("en")
    (',', '.')
    """
    return "," if language.split("_")[0].split("-")[0].lower() == "vi" else "."


def decimal_of(value: float | int | Decimal | str, *, field: str = "value") -> Decimal:
    """A finite :class:`~decimal.Decimal` from the shortest representation of ``value``.

    >>> decimal_of(0.1 + 0.2)
    Decimal('0.30000000000000004')
    >>> decimal_of("0.0819466")
    Decimal('0.0819466')
    >>> decimal_of(float("nan"), field="error")
    Traceback (most recent call last):
    ...
    certificates.metrology.errors.MetrologyError: error: must be a finite number, not nan
    """
    if isinstance(value, bool):
        raise MetrologyError("must be a number, not a boolean", field=field)
    try:
        number = (
            value
            if isinstance(value, Decimal)
            else Decimal(repr(value) if isinstance(value, float) else str(value).strip())
        )
    except (InvalidOperation, ValueError):
        raise MetrologyError(f"must be a number, not {value!r}", field=field) from None
    if not number.is_finite():
        raise MetrologyError(f"must be a finite number, not {value!r}", field=field)
    return number


def format_decimal(value: float | Decimal | str, *, decimal_separator: str = ",") -> str:
    """Plain positional notation with the given decimal sign and a grouped integer part (ISO 80000-1 7.3).

    >>> format_decimal(Decimal("1.23E+3"))
    '1230'
    >>> format_decimal(Decimal("-0.0040"))
    '-0,0040'
    >>> format_decimal(12345.5, decimal_separator=".") == "12\\u202f345.5"
    True
    """
    text = format(decimal_of(value), "f")
    sign = "-" if text.startswith("-") else ""
    integer, _, fraction = text.lstrip("-").partition(".")
    if len(integer) >= 5:
        head = len(integer) % 3 or 3
        groups = [integer[:head]] + [integer[i : i + 3] for i in range(head, len(integer), 3)]
        integer = GROUP_SEPARATOR.join(groups)
    if set(integer + fraction) <= {"0", GROUP_SEPARATOR}:
        sign = ""  # never print "-0,000"
    return sign + integer + (decimal_separator + fraction if fraction else "")


def format_compact(value: float | Decimal | str, *, decimal_separator: str = ",") -> str:
    """A number without trailing zeros, for coverage factors and probabilities (k = 2, p = 95 %).

    >>> format_compact(2.0), format_compact(95.45), format_compact(2.28, decimal_separator=".")
    ('2', '95,45', '2.28')
    """
    number = decimal_of(value).normalize()
    return format_decimal(
        number if number != number.to_integral_value() else number.quantize(Decimal(1)),
        decimal_separator=decimal_separator,
    )

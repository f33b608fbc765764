"""Rounding for reporting, number and date formatting, and D-SI units.

Rounding (ILAC-P14:09/2020 6.3, JCGM 100:2008 7.2.6, EA-4/02 M:2022 5.4): the expanded uncertainty is given
with at most two significant digits, rounded to the nearest, except that it is rounded *up* when rounding
to the nearest would lower it by more than 5 %; the measured value is then rounded to the same decimal
place. Ties are rounded half up ("the normal rules of rounding"). The arithmetic is done in
:class:`decimal.Decimal` on the shortest ``repr`` of each float, so ``0.15`` is treated as 0.15, not
0.1499999….

Number display: Vietnamese documents (TCVN, ĐLVN) write the decimal comma, which ISO 80000-1:2009 7.3.2
allows. Integer parts of five digits or more are grouped by three with a narrow no-break space
(ISO 80000-1 7.3.1), never with a point or comma, so that neither the Vietnamese nor the English reader can
mistake a group separator for the decimal sign. The minus sign is the ASCII hyphen-minus so that copied
values paste into spreadsheets as numbers.

Units are carried in D-SI notation (PTB D-SI 2.1.0, the unit language of the DCC: ``\\kilo\\pascal``,
``\\degreecelsius``, ``\\metre\\second\\tothe{-1}``) and shown with SI symbols (``kPa``, ``°C``, ``m·s⁻¹``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation

from certificates.errors import CertificateDataError, UnitError

__all__ = [
    "ReportedValue",
    "decimal_of",
    "dsi_symbol",
    "format_compact",
    "format_date",
    "format_decimal",
    "round_result",
    "round_uncertainty",
    "validate_dsi_unit",
]

GROUP_SEPARATOR = "\u202f"  # narrow no-break space (ISO 80000-1 7.3.1)

PREFIXES: dict[str, str] = {
    "yotta": "Y",
    "zetta": "Z",
    "exa": "E",
    "peta": "P",
    "tera": "T",
    "giga": "G",
    "mega": "M",
    "kilo": "k",
    "hecto": "h",
    "deca": "da",
    "deci": "d",
    "centi": "c",
    "milli": "m",
    "micro": "µ",
    "nano": "n",
    "pico": "p",
    "femto": "f",
    "atto": "a",
    "zepto": "z",
    "yocto": "y",
}
# SI brochure (9th ed.) tables 2, 4 and 8 plus the non-SI units D-SI 2.1.0 admits; True = takes a prefix.
UNITS: dict[str, tuple[str, bool]] = {
    "metre": ("m", True),
    "kilogram": ("kg", False),
    "gram": ("g", True),
    "second": ("s", True),
    "ampere": ("A", True),
    "kelvin": ("K", True),
    "mole": ("mol", True),
    "candela": ("cd", True),
    "radian": ("rad", True),
    "steradian": ("sr", True),
    "hertz": ("Hz", True),
    "newton": ("N", True),
    "pascal": ("Pa", True),
    "joule": ("J", True),
    "watt": ("W", True),
    "coulomb": ("C", True),
    "volt": ("V", True),
    "farad": ("F", True),
    "ohm": ("Ω", True),
    "siemens": ("S", True),
    "weber": ("Wb", True),
    "tesla": ("T", True),
    "henry": ("H", True),
    "degreecelsius": ("°C", True),
    "lumen": ("lm", True),
    "lux": ("lx", True),
    "becquerel": ("Bq", True),
    "gray": ("Gy", True),
    "sievert": ("Sv", True),
    "katal": ("kat", True),
    "minute": ("min", False),
    "hour": ("h", False),
    "day": ("d", False),
    "degree": ("°", False),
    "arcminute": ("′", False),
    "arcsecond": ("″", False),
    "hectare": ("ha", False),
    "litre": ("L", True),
    "tonne": ("t", True),
    "electronvolt": ("eV", True),
    "dalton": ("Da", True),
    "astronomicalunit": ("au", False),
    "neper": ("Np", False),
    "bel": ("B", True),
    "decibel": ("dB", False),
    "bar": ("bar", True),
    "mmhg": ("mmHg", False),
    "percent": ("%", False),
    "one": ("", False),
    "ppm": ("ppm", False),
}
_TOKEN = re.compile(r"\\([A-Za-z]+)(?:\{([^{}]*)\})?")
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def decimal_of(value: float | int | Decimal | str, *, field: str = "value") -> Decimal:
    """A finite :class:`~decimal.Decimal` from the shortest representation of ``value``.

    >>> decimal_of(0.1 + 0.2)
    Decimal('0.30000000000000004')
    >>> decimal_of(float("nan"), field="points[0].error")
    Traceback (most recent call last):
    ...
    certificates.errors.CertificateDataError: points[0].error: must be a finite number, not nan
    """
    if isinstance(value, bool):
        raise CertificateDataError(field, "must be a number, not a boolean")
    try:
        number = (
            value
            if isinstance(value, Decimal)
            else Decimal(repr(value) if isinstance(value, float) else str(value))
        )
    except (InvalidOperation, ValueError):
        raise CertificateDataError(field, f"must be a number, not {value!r}") from None
    if not number.is_finite():
        raise CertificateDataError(field, f"must be a finite number, not {value!r}")
    return number


@dataclass(frozen=True, slots=True)
class ReportedValue:
    """A value and its expanded uncertainty, rounded for the certificate (both in the same unit)."""

    value: Decimal
    expanded_uncertainty: Decimal


def round_uncertainty(expanded_uncertainty: float | Decimal, *, significant_digits: int = 2) -> Decimal:
    """Round U to ``significant_digits`` (ILAC-P14:09/2020 6.3; JCGM 100:2008 7.2.6).

    Nearest rounding, except when that lowers U by more than 5 %, then upwards:

    >>> round_uncertainty(0.01047)          # -4.5 %: nearest is kept
    Decimal('0.010')
    >>> round_uncertainty(0.027)
    Decimal('0.027')
    >>> round_uncertainty(0.14, significant_digits=1)   # nearest 0.1 would be -29 %
    Decimal('0.2')
    >>> round_uncertainty(9.96)             # still two significant digits after the carry
    Decimal('10')
    """
    u = decimal_of(expanded_uncertainty, field="expanded_uncertainty")
    if u <= 0:
        raise CertificateDataError("expanded_uncertainty", f"must be positive, not {expanded_uncertainty!r}")
    if significant_digits not in (1, 2):
        raise CertificateDataError("significant_digits", "ILAC-P14 allows one or two significant digits")

    def at(exponent: int, rounding: str) -> Decimal:
        return u.quantize(Decimal(1).scaleb(exponent), rounding=rounding)

    exponent = u.adjusted() - (significant_digits - 1)
    rounded = at(exponent, ROUND_HALF_UP)
    if rounded < u and (u - rounded) / u > Decimal("0.05"):
        rounded = at(exponent, ROUND_CEILING)
    if rounded.adjusted() > u.adjusted():  # 9.96 -> 10.0 has three digits: drop the last one
        rounded = rounded.quantize(Decimal(1).scaleb(exponent + 1), rounding=ROUND_HALF_UP)
    return rounded


def round_result(
    value: float | Decimal, expanded_uncertainty: float | Decimal, *, significant_digits: int = 2
) -> ReportedValue:
    """Round U per :func:`round_uncertainty`, then the value to U's last decimal place (GUM 7.2.6).

    GUM 7.2.6 example: y = 10.057 62 Ω with U = 27 mΩ is reported as 10.058 Ω.

    >>> round_result(10.05762, 0.027)
    ReportedValue(value=Decimal('10.058'), expanded_uncertainty=Decimal('0.027'))
    >>> round_result(1234.5, 120)
    ReportedValue(value=Decimal('1.23E+3'), expanded_uncertainty=Decimal('1.2E+2'))
    """
    u = round_uncertainty(expanded_uncertainty, significant_digits=significant_digits)
    exponent = u.as_tuple().exponent
    assert isinstance(exponent, int)  # u is finite
    y = decimal_of(value).quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
    return ReportedValue(y, u)


def format_decimal(value: float | Decimal, *, decimal_separator: str = ",") -> str:
    """Plain positional notation with the decimal comma and grouped integer part (ISO 80000-1 7.3).

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


def format_compact(value: float | Decimal, *, decimal_separator: str = ",") -> str:
    """A number without trailing zeros, for coverage factors and probabilities (k = 2, p = 95 %).

    >>> format_compact(2.0), format_compact(95.45), format_compact(2.28, decimal_separator=".")
    ('2', '95,45', '2.28')
    """
    number = decimal_of(value).normalize()
    return format_decimal(
        number if number != number.to_integral_value() else number.quantize(Decimal(1)),
        decimal_separator=decimal_separator,
    )


def format_date(day: date, pattern: str = "%Y-%m-%d") -> str:
    """A date for the certificate; ISO 8601 by default.

    >>> format_date(date(2026, 11, 2))
    '2026-11-02'
    """
    return day.strftime(pattern)


def _tokens(unit: str) -> list[tuple[str, str | None]]:
    pos, tokens = 0, []
    for match in _TOKEN.finditer(unit):
        if match.start() != pos:
            raise UnitError(
                unit,
                f"unexpected text {unit[pos : match.start()]!r}; D-SI units are written like \\kilo\\pascal",
            )
        tokens.append((match.group(1), match.group(2)))
        pos = match.end()
    if pos != len(unit) or not tokens:
        raise UnitError(unit, f"unexpected text {unit[pos:]!r}; D-SI units are written like \\kilo\\pascal")
    return tokens


def _parse(unit: str) -> list[tuple[str, str, int]]:
    """(prefix symbol, unit symbol, exponent) per factor."""
    if not isinstance(unit, str):
        raise UnitError(repr(unit), "must be a string")
    factors: list[tuple[str, str, int]] = []
    prefix: str | None = None
    for name, argument in _tokens(unit.strip()):
        if name == "tothe":
            if prefix is not None or not factors or argument is None:
                raise UnitError(unit, "\\tothe{n} must follow a unit")
            if not re.fullmatch(r"-?[1-9][0-9]?", argument):
                raise UnitError(unit, f"exponent {argument!r} must be a non-zero whole number")
            p, s, e = factors[-1]
            if e != 1:
                raise UnitError(unit, "a unit takes one \\tothe{n} only")
            factors[-1] = (p, s, int(argument))
            continue
        if argument is not None:
            raise UnitError(unit, f"\\{name} takes no argument")
        if name in PREFIXES:
            if prefix is not None:
                raise UnitError(unit, f"two prefixes in a row before \\{name}")
            prefix = name
            continue
        if name not in UNITS:
            hint = (
                f" (D-SI writes \\{name.lower()})"
                if name.lower() in UNITS or name.lower() in PREFIXES
                else ""
            )
            raise UnitError(unit, f"\\{name} is not a D-SI unit or prefix{hint}")
        symbol, prefixable = UNITS[name]
        if prefix is not None and not prefixable:
            raise UnitError(unit, f"\\{name} takes no prefix")
        factors.append((PREFIXES[prefix] if prefix else "", symbol, 1))
        prefix = None
    if prefix is not None:
        raise UnitError(unit, f"prefix \\{prefix} is not followed by a unit")
    return factors


def validate_dsi_unit(unit: str) -> str:
    """Return ``unit`` stripped if it is D-SI notation, else raise :class:`~certificates.errors.UnitError`.

    >>> validate_dsi_unit("\\\\kilo\\\\pascal")
    '\\\\kilo\\\\pascal'
    >>> validate_dsi_unit("kPa")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    certificates.errors.UnitError: unit 'kPa': unexpected text 'kPa'; D-SI units are written like ...
    """
    _parse(unit)
    return unit.strip()


def dsi_symbol(unit: str) -> str:
    """The SI symbol of a D-SI unit, for display.

    >>> dsi_symbol("\\\\kilo\\\\pascal"), dsi_symbol("\\\\degreecelsius"), dsi_symbol("\\\\micro\\\\ohm")
    ('kPa', '°C', 'µΩ')
    >>> dsi_symbol("\\\\metre\\\\second\\\\tothe{-2}"), dsi_symbol("\\\\one"), dsi_symbol("\\\\percent")
    ('m·s⁻²', '', '%')
    """
    parts = []
    for prefix, symbol, exponent in _parse(unit):
        if not symbol:
            continue
        power = "" if exponent == 1 else str(exponent).translate(_SUPERSCRIPT)
        parts.append(prefix + symbol + power)
    return "·".join(parts)


def is_finite_number(value: object) -> bool:
    """Whether ``value`` is an int or float that is finite (booleans are not numbers here).

    >>> is_finite_number(1.5), is_finite_number(math.inf), is_finite_number(True)
    (True, False, False)
    """
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)

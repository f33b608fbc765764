"""Number and date formatting and D-SI units for the renderers.

Rounding for reporting (JCGM 100:2008 7.2.6, ILAC-P14:09/2020 6.3) and the display of numbers are owned by
:mod:`certificates.metrology` (``rounding`` and ``numbers``); this module re-exports them for the renderers.

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
from datetime import date
from decimal import Decimal

from certificates.errors import CertificateDataError, UnitError
from certificates.metrology.errors import MetrologyError
from certificates.metrology.numbers import GROUP_SEPARATOR, format_compact, format_decimal
from certificates.metrology.numbers import decimal_of as metrology_decimal_of
from certificates.metrology.rounding import ReportedValue, round_result, round_uncertainty

# The rounding and the number display are the metrology vocabulary's (one owner); re-exported for renderers.
__all__ = [
    "GROUP_SEPARATOR",
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
    """:func:`certificates.metrology.numbers.decimal_of`, refusing with a :class:`CertificateDataError`.

    >>> decimal_of(0.1 + 0.2)
    Decimal('0.30000000000000004')
    >>> decimal_of(float("nan"), field="points[0].error")
    Traceback (most recent call last):
    ...
    certificates.errors.CertificateDataError: points[0].error: must be a finite number, not nan
    """
    try:
        return metrology_decimal_of(value, field=field)
    except MetrologyError as exc:
        raise CertificateDataError(exc.field or field, exc.detail) from None


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

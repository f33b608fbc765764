"""The reported value: the one rounding of a result for a report (JCGM 100:2008 7.2.6, ILAC-P14:09/2020 6.3).

Rule applied, everywhere a value is shown (bench, job and portal pages, API, CLI, certificate PDF and DCC):

* the expanded uncertainty U is stated with **two significant digits** (JCGM 100:2008 7.2.6: "at most two
  significant digits"; ILAC-P14:09/2020 6.3). It is rounded to the nearest, ties half up ("the normal rules
  of rounding"), except that it is rounded **up** when rounding to the nearest would lower it by more than
  5 % (EA-4/02 M:2022 section 5, the rule of its predecessor EA-4/02 M:1999 5.5). With two significant
  digits the nearest value is never more than 5 % low, so the exception only acts with one significant
  digit; rounding up is not required by the GUM, and we do not apply it otherwise;
* the result and every value printed beside it — indication, reference value, error, correction, MPE — are
  rounded to U's last decimal place, ties half up (JCGM 100:2008 7.2.6; ILAC-P14:09/2020 6.3).

The arithmetic is :class:`decimal.Decimal`; a float enters as its shortest ``repr``, so no binary float digit
reaches a report.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from certificates.metrology.errors import MetrologyError
from certificates.metrology.numbers import decimal_of

__all__ = ["ReportedValue", "round_result", "round_to", "round_uncertainty"]


@dataclass(frozen=True, slots=True)
class ReportedValue:
    """A value and its expanded uncertainty, rounded for a report (both in the same unit)."""

    value: Decimal
    expanded_uncertainty: Decimal

    @property
    def value_text(self) -> str:
        """The value in positional notation with a point (machine-readable)."""
        return f"{self.value:f}"

    @property
    def uncertainty_text(self) -> str:
        """U in positional notation with a point (machine-readable)."""
        return f"{self.expanded_uncertainty:f}"

    def text(self, unit: str | None = None) -> str:
        """``"10000.025 g ± 0.059 g"`` style text (point as decimal sign).

        >>> round_result(10000.0250, 0.05852).text("g")
        '10000.025 g ± 0.059 g'
        """
        suffix = f" {unit}" if unit else ""
        return f"{self.value_text}{suffix} ± {self.uncertainty_text}{suffix}"


def round_uncertainty(expanded_uncertainty: float | Decimal | str, *, significant_digits: int = 2) -> Decimal:
    """Round U to ``significant_digits`` (see the module docstring for the rule and its sources).

    Hand calculations: 0.0819466 → two significant digits are the 10⁻³ place → 0.082 (nearest);
    0.01047 → 0.010 (4.5 % lower, nearest kept); 9.96 → 10.0 has three digits after the carry → 10;
    123.4 → 1.2 × 10² (printed 120).

    >>> round_uncertainty("0.0819466")
    Decimal('0.082')
    >>> round_uncertainty(0.01047)
    Decimal('0.010')
    >>> round_uncertainty(0.14, significant_digits=1)   # nearest 0.1 would be 29 % low: rounded up
    Decimal('0.2')
    >>> round_uncertainty(9.96)
    Decimal('10')
    >>> round_uncertainty(123.4)
    Decimal('1.2E+2')
    """
    u = decimal_of(expanded_uncertainty, field="expanded_uncertainty")
    if u <= 0:
        raise MetrologyError(f"must be positive, not {expanded_uncertainty!r}", field="expanded_uncertainty")
    if significant_digits not in (1, 2):
        raise MetrologyError("ILAC-P14 allows one or two significant digits", field="significant_digits")

    def at(exponent: int, rounding: str) -> Decimal:
        return u.quantize(Decimal(1).scaleb(exponent), rounding=rounding)

    exponent = u.adjusted() - (significant_digits - 1)
    rounded = at(exponent, ROUND_HALF_UP)
    if rounded < u and (u - rounded) / u > Decimal("0.05"):
        rounded = at(exponent, ROUND_CEILING)
    if rounded.adjusted() > u.adjusted():  # 9.96 -> 10.0 has three digits: drop the last one
        rounded = rounded.quantize(Decimal(1).scaleb(exponent + 1), rounding=ROUND_HALF_UP)
    return rounded


def round_to(value: float | Decimal | str, reported_uncertainty: Decimal, *, field: str = "value") -> Decimal:
    """``value`` rounded to the last decimal place of an already reported U (JCGM 100:2008 7.2.6).

    >>> round_to("-0.01349", Decimal("0.082"))
    Decimal('-0.013')
    >>> round_to("20.0", Decimal("0.082"))          # a value beside U gets U's places
    Decimal('20.000')
    >>> round_to("1234.5", Decimal("1.2E+2"))
    Decimal('1.23E+3')
    >>> round_to("-0.00016", Decimal("0.054"))     # a value that rounds to zero has no sign
    Decimal('0.000')
    """
    exponent = reported_uncertainty.as_tuple().exponent
    if not isinstance(exponent, int):
        raise MetrologyError("must be a finite number", field="expanded_uncertainty")
    rounded = decimal_of(value, field=field).quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded


def round_result(
    value: float | Decimal | str, expanded_uncertainty: float | Decimal | str, *, significant_digits: int = 2
) -> ReportedValue:
    """Round U per :func:`round_uncertainty`, then the value to U's last decimal place (GUM 7.2.6).

    GUM 7.2.6 example: y = 10.057 62 Ω with U = 27 mΩ is reported as 10.058 Ω.

    >>> round_result(10.05762, 0.027)
    ReportedValue(value=Decimal('10.058'), expanded_uncertainty=Decimal('0.027'))
    >>> round_result(9.9951, 0.0996)       # U carries to 0.10, the value follows: 10.00
    ReportedValue(value=Decimal('10.00'), expanded_uncertainty=Decimal('0.10'))
    """
    u = round_uncertainty(expanded_uncertainty, significant_digits=significant_digits)
    return ReportedValue(round_to(value, u), u)

"""Rounding for the report: a reporting step only; the engine keeps every value unrounded.

JCGM 100:2008 7.2.6 and ILAC-P14:09/2020 5.4: the expanded uncertainty is stated to at most two significant
digits and the result is rounded to the same decimal place. Normal rounding applies, except that (EA-4/02
M:2022 5.6) when normal rounding would lower the uncertainty by more than 5 % it is rounded up instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from lims.domain.uncertainty.errors import BudgetFormatError


@dataclass(frozen=True, slots=True)
class ReportedResult:
    """A result and its expanded uncertainty rounded for a certificate, as exact decimals."""

    value: Decimal
    expanded_uncertainty: Decimal

    @property
    def value_text(self) -> str:
        return f"{self.value:f}"

    @property
    def uncertainty_text(self) -> str:
        return f"{self.expanded_uncertainty:f}"

    def text(self, unit: str | None = None) -> str:
        """``"10000.025 g ± 0.059 g"`` style text.

        >>> round_for_report(10000.0250, 0.05852).text("g")
        '10000.025 g ± 0.059 g'
        """
        suffix = f" {unit}" if unit else ""
        return f"{self.value_text}{suffix} ± {self.uncertainty_text}{suffix}"


def round_for_report(
    value: float, expanded_uncertainty: float, *, significant_digits: int = 2
) -> ReportedResult:
    """Round U to ``significant_digits`` and the value to the same decimal place.

    >>> r = round_for_report(50.000838, 0.0000677)
    >>> r.value_text, r.uncertainty_text
    ('50.000838', '0.000068')
    >>> round_for_report(1.23456, 0.01049).uncertainty_text   # 0.010 is 4.7 % lower: normal rounding
    '0.010'
    >>> round_for_report(9.87654, 0.0996).value_text
    '9.88'

    With one significant digit, normal rounding of 0.0149 to 0.01 would lose 33 %, so it is rounded up:

    >>> round_for_report(1.23456, 0.0149, significant_digits=1).text()
    '1.23 ± 0.02'
    """
    if significant_digits < 1:
        raise BudgetFormatError("must be at least 1", field="significant_digits")
    exact_u = Decimal(repr(float(expanded_uncertainty)))
    exact_y = Decimal(repr(float(value)))
    if not exact_u.is_finite() or not exact_y.is_finite() or exact_u < 0:
        raise BudgetFormatError("must be finite numbers, U >= 0", field="reported")
    if exact_u == 0:
        return ReportedResult(exact_y, exact_u)
    exponent = exact_u.adjusted() - significant_digits + 1
    quantum = Decimal(1).scaleb(exponent)
    rounded_u = exact_u.quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded_u < exact_u * Decimal("0.95"):
        rounded_u = exact_u.quantize(quantum, rounding=ROUND_CEILING)
    if rounded_u.adjusted() > exact_u.adjusted():
        # 0.0996 -> 0.10: the second significant digit moved one place left.
        quantum = Decimal(1).scaleb(rounded_u.adjusted() - significant_digits + 1)
        rounded_u = rounded_u.quantize(quantum)
    return ReportedResult(exact_y.quantize(quantum, rounding=ROUND_HALF_UP), rounded_u)

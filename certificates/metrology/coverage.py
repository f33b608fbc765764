"""The coverage statement: which distribution gave k (EA-4/02 M:2022 section 5, JCGM 100:2008 G.4, G.6.6).

k = 2 for about 95 % coverage follows from the **normal** distribution, which applies when the effective
degrees of freedom ν_eff are large enough to be taken as infinite. With few effective degrees of freedom k is
the t-distribution's quantile t_p(ν_eff) with ν_eff truncated to the next lower integer (JCGM 100 G.4.1,
G.6.4; EA-4/02 M:2022 table of k for p = 95.45 %: ν_eff = 7 gives k = 2.43). The statement printed beside
U must name the distribution that was used, never "normal distribution" for a k taken from t.
"""

from __future__ import annotations

import math
from decimal import Decimal
from enum import StrEnum

from certificates.metrology.errors import MetrologyError
from certificates.metrology.numbers import decimal_of, decimal_sign, format_compact

__all__ = [
    "CoverageDistribution",
    "coverage_factor_text",
    "coverage_statement",
    "distribution_for",
    "dof_text",
    "probability_text",
]


class CoverageDistribution(StrEnum):
    """The distribution the coverage factor k was taken from."""

    NORMAL = "normal"
    T = "t"


def distribution_for(effective_dof: float | Decimal | None) -> CoverageDistribution:
    """Normal for infinite ν_eff (``None`` or ``inf``), else Student's t (JCGM 100 G.4).

    >>> distribution_for(None), distribution_for(7.3)
    (<CoverageDistribution.NORMAL: 'normal'>, <CoverageDistribution.T: 't'>)
    """
    if effective_dof is None:
        return CoverageDistribution.NORMAL
    if isinstance(effective_dof, float) and math.isinf(effective_dof):
        return CoverageDistribution.NORMAL
    if isinstance(effective_dof, Decimal) and effective_dof.is_infinite():
        return CoverageDistribution.NORMAL
    return CoverageDistribution.T


def dof_text(effective_dof: Decimal | None) -> str:
    """ν_eff as stated: truncated to the next lower integer (JCGM 100 G.4.1 Note), ∞ when infinite.

    >>> dof_text(Decimal("7.9")), dof_text(None)
    ('7', '∞')
    """
    if effective_dof is None:
        return "∞"
    return str(int(effective_dof.to_integral_value(rounding="ROUND_FLOOR")))


def coverage_factor_text(coverage_factor: Decimal | float | str, *, decimal_separator: str) -> str:
    """k as every report prints it: the recorded k (the engine keeps two decimals) in its shortest form.

    The one rule for the table's k column, the coverage statement, the pages and the certificate PDF (the DCC
    carries the number itself). k is a chosen multiplier, not a measured value, so it is not rounded again
    to U's digits (JCGM 100:2008 7.2.6 is about U); "k = 2" is EA-4/02 M:2022's own form, and a k = U/u
    of 2.0 or a t quantile of 2.43 prints as recorded: 2, 2.43.

    >>> coverage_factor_text(Decimal("2.0"), decimal_separator=","), coverage_factor_text("2.01",
    ...     decimal_separator=".")
    ('2', '2.01')
    """
    return format_compact(
        decimal_of(coverage_factor, field="coverage_factor"), decimal_separator=decimal_separator
    )


def probability_text(coverage_probability: Decimal | float | str, language: str) -> str:
    """The probability as stated beside U: p (a fraction) in whole percent (EA-4/02 M:2022 section 5).

    >>> probability_text(Decimal("0.9545"), "vi")
    'xác suất phủ xấp xỉ 95 %'
    """
    sign = decimal_sign(language)
    p_fraction = decimal_of(coverage_probability, field="coverage_probability")
    if not 0 < p_fraction < 1:
        raise MetrologyError("must be a fraction between 0 and 1", field="coverage_probability")
    p = format_compact((p_fraction * 100).to_integral_value(rounding="ROUND_HALF_UP"), decimal_separator=sign)
    return f"xác suất phủ xấp xỉ {p} %" if sign == "," else f"coverage probability approximately {p} %"


def coverage_statement(
    *,
    coverage_factor: Decimal | float | str,
    coverage_probability: Decimal | float | str,
    distribution: CoverageDistribution,
    effective_dof: Decimal | None,
    language: str,
    monte_carlo: bool = False,
) -> str:
    """The coverage statement beside U in Vietnamese (``vi``) or English (EA-4/02 M:2022 section 5).

    ``coverage_probability`` is a fraction (0.9545); it is stated in whole percent ("approximately 95 %").

    >>> coverage_statement(coverage_factor=Decimal("2"), coverage_probability=Decimal("0.9545"),
    ...                    distribution=CoverageDistribution.NORMAL, effective_dof=None, language="en")
    'normal distribution, k = 2, coverage probability approximately 95 %'
    >>> coverage_statement(coverage_factor=Decimal("2.43"), coverage_probability=Decimal("0.9545"),
    ...                    distribution=CoverageDistribution.T, effective_dof=Decimal("7"), language="en")
    't-distribution with ν_eff = 7, k = 2.43, coverage probability approximately 95 %'
    >>> coverage_statement(coverage_factor=Decimal("2.43"), coverage_probability=Decimal("0.9545"),
    ...                    distribution=CoverageDistribution.T, effective_dof=Decimal("7"), language="vi")
    'phân bố t với ν_eff = 7, k = 2,43, xác suất phủ xấp xỉ 95 %'

    ``monte_carlo``: U is the Monte Carlo coverage interval's, so k = U/u (JCGM 101:2008 clause 8):

    >>> coverage_statement(coverage_factor=Decimal("2.0"), coverage_probability=Decimal("0.9545"),
    ...                    distribution=CoverageDistribution.NORMAL, effective_dof=None, language="en",
    ...                    monte_carlo=True)
    'Monte Carlo method (JCGM 101:2008), k = U/u = 2, coverage probability approximately 95 %'
    """
    sign = decimal_sign(language)
    k = coverage_factor_text(coverage_factor, decimal_separator=sign)
    tail = probability_text(coverage_probability, language)
    vi = sign == ","
    if monte_carlo:
        head = MONTE_CARLO[0] if vi else MONTE_CARLO[1]
        return f"{head}, k = U/u = {k}, {tail}"
    if distribution is CoverageDistribution.NORMAL:
        head = "phân bố chuẩn" if vi else "normal distribution"
    else:
        if effective_dof is None:
            raise MetrologyError("a t-distribution needs finite ν_eff", field="effective_dof")
        nu = dof_text(effective_dof)
        head = f"phân bố t với ν_eff = {nu}" if vi else f"t-distribution with ν_eff = {nu}"
    return f"{head}, k = {k}, {tail}"


#: The Monte Carlo method as named beside U (Vietnamese, English).
MONTE_CARLO = ("phương pháp Monte Carlo (JCGM 101:2008)", "Monte Carlo method (JCGM 101:2008)")

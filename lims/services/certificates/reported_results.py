"""A point's result as the certificate will report it, for the pages that show it before issue.

The stored result keeps every digit the engine computed; only what is *shown* is rounded, with the rule the
certificate renderer applies (:func:`certificates.formatting.round_result`): the expanded uncertainty to
two significant digits (JCGM 100:2008 7.2.6; ILAC-P14:09/2020 6.3: rounded up when rounding to the nearest
would lower it by more than 5 %), then the error and the correction to the same decimal place.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from certificates.formatting import round_result


@dataclass(frozen=True, slots=True)
class ReportedResult:
    """Error, correction and U of one point rounded for reporting, in the procedure's unit."""

    error: Decimal
    correction: Decimal
    expanded_uncertainty: Decimal
    coverage_factor: float
    unit: str


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def reported_result(result: Mapping[str, Any]) -> ReportedResult | None:
    """The rounded figures of a stored point result; ``None`` when it has no usable U to round to.

    A zero or missing U gives nothing to round to (GUM 7.2.6 rounds the value *to U*): the caller then shows
    the stored figures as they are.
    """
    expanded = _finite(result.get("expanded_uncertainty"))
    error = _finite(result.get("error"))
    k = _finite(result.get("coverage_factor"))
    if expanded is None or expanded <= 0 or error is None or k is None:
        return None
    correction = _finite(result.get("correction"))
    reported = round_result(error, expanded)
    corrected = round_result(-error if correction is None else correction, expanded)
    return ReportedResult(
        error=reported.value,
        correction=corrected.value,
        expanded_uncertainty=reported.expanded_uncertainty,
        coverage_factor=k,
        unit=str(result.get("unit") or ""),
    )

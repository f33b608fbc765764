"""One call that evaluates a budget the way a laboratory reports it.

``evaluate_budget`` checks units, applies the law of propagation (always: its table explains the result),
optionally runs Monte Carlo and validates the propagation against it, rounds for the report and, when the
budget carries a specification, states conformity with its decision rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from certificates.metrology.decision import Decision, decide
from certificates.metrology.numbers import decimal_of
from certificates.metrology.rounding import ReportedValue, round_result
from lims.domain.uncertainty.budget import BudgetSpec
from lims.domain.uncertainty.errors import BudgetFormatError
from lims.domain.uncertainty.montecarlo import (
    DEFAULT_TRIALS,
    MonteCarloResult,
    Validation,
    monte_carlo,
    monte_carlo_adaptive,
    validate,
)
from lims.domain.uncertainty.propagation import PropagationResult, propagate
from lims.domain.uncertainty.units import check_units


class Method(StrEnum):
    """Which evaluation to run: the GUM law of propagation, Monte Carlo, or both (with validation)."""

    LPU = "lpu"
    MCM = "mcm"
    BOTH = "both"


@dataclass(frozen=True, slots=True)
class BudgetResult:
    """Everything ``lims budget evaluate`` prints; unrounded values plus ``reported`` for the certificate."""

    spec: BudgetSpec
    method: Method
    unit: str | None
    propagation: PropagationResult
    reported: ReportedValue  # the one rounding (certificates.metrology.rounding), used downstream as is
    monte_carlo: MonteCarloResult | None = None
    validation: Validation | None = None
    conformity: Decision | None = None


def evaluate_budget(
    spec: BudgetSpec,
    *,
    method: Method | str = Method.LPU,
    trials: int = DEFAULT_TRIALS,
    seed: int | None = None,
    adaptive_digits: int | None = None,
    validation_digits: int = 2,
    second_order: bool = False,
) -> BudgetResult:
    """Evaluate ``spec`` (see the module docstring).

    :param method: ``lpu``; ``mcm`` or ``both`` add Monte Carlo and its validation of the propagation
        result (JCGM 101 8.2). The propagation table is computed in every case.
    :param trials: number of Monte Carlo trials M (JCGM 101 7.2).
    :param seed: seed of the numpy generator; a fresh one is drawn and reported when ``None``.
    :param adaptive_digits: when given, run the adaptive procedure of JCGM 101 7.9 to that many significant
        digits instead of a fixed number of trials (``trials`` is then the upper limit).
    :param second_order: add the higher-order terms of JCGM 100 5.1.2 Note to u_c (independent inputs).

    >>> from lims.domain.uncertainty.io import parse_budget
    >>> spec = parse_budget({"model": "x", "inputs": [
    ...     {"name": "x", "value": 1.0, "distribution": {"kind": "normal", "u": 0.01}}],
    ...     "specification": {"lower": 0.9, "upper": 1.1}, "decision_rule": {"kind": "guarded"}})
    >>> result = evaluate_budget(spec)
    >>> result.reported.text(), result.conformity.verdict.value
    ('1.000 ± 0.020', 'pass')
    """
    try:
        method = Method(method)
    except ValueError:
        raise BudgetFormatError("must be one of lpu, mcm, both", field="method") from None
    unit = check_units(spec)
    lpu = propagate(spec, second_order=second_order)
    mcm = validation = None
    if method is not Method.LPU:
        if adaptive_digits is None:
            mcm = monte_carlo(spec, trials=trials, seed=seed)
        else:
            mcm = monte_carlo_adaptive(spec, significant_digits=adaptive_digits, seed=seed, max_trials=trials)
        validation = validate(lpu, mcm, significant_digits=validation_digits)
    conformity = None
    if spec.specification is not None:
        conformity = decide(
            lpu.value,
            lpu.expanded_uncertainty,
            spec.specification,
            rule=spec.decision_rule,
            standard_uncertainty=lpu.standard_uncertainty,
        )
    return BudgetResult(
        spec=spec,
        method=method,
        unit=unit,
        propagation=lpu,
        reported=_reported(lpu.value, lpu.expanded_uncertainty),
        monte_carlo=mcm,
        validation=validation,
        conformity=conformity,
    )


def _reported(value: float, expanded_uncertainty: float) -> ReportedValue:
    """GUM 7.2.6 rounding; an exact result (U = 0) has nothing to round to and is reported as computed."""
    if expanded_uncertainty == 0:
        return ReportedValue(decimal_of(value, field="value"), Decimal(0))
    return round_result(value, expanded_uncertainty)

"""One call that evaluates a budget the way a laboratory reports it.

``evaluate_budget`` checks units, applies the law of propagation (always: its table explains the result),
optionally runs Monte Carlo and validates the propagation against it, rounds for the report and, when the
budget carries a specification, states conformity with its decision rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from certificates.metrology.decision import Decision, DecisionRule, RuleKind, Statement, statement
from certificates.metrology.errors import MetrologyError
from certificates.metrology.numbers import decimal_of
from certificates.metrology.rounding import ReportedValue, round_result
from lims.domain.uncertainty.budget import BudgetSpec
from lims.domain.uncertainty.errors import BudgetFormatError, PropagationNotApplicable
from lims.domain.uncertainty.montecarlo import (
    DEFAULT_TRIALS,
    MonteCarloResult,
    Validation,
    monte_carlo,
    monte_carlo_adaptive,
    monte_carlo_refusals,
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
    statement: Statement | None = None
    warnings: tuple[str, ...] = ()
    propagation_applicable: bool = True


def monte_carlo_warnings(spec: BudgetSpec) -> tuple[str, ...]:
    """The flags the law of propagation carries for the inputs Monte Carlo refuses: a Type A input of fewer
    than 4 readings without a pooled standard deviation (ν = n − 1 ≤ 2 makes k = t_p(ν) large and s itself
    uncertain, JCGM 100 G.3.3), or any input whose t distribution has ν ≤ 2 (no finite variance,
    JCGM 101:2008 6.4.9.4).

    >>> from lims.domain.uncertainty.io import parse_budget
    >>> monte_carlo_warnings(parse_budget({"model": "x", "inputs": [
    ...     {"name": "x", "distribution": {"kind": "type_a", "readings": [1.0, 1.2]}}]}))
    ("inputs[0] 'x': Type A from 2 readings without a pooled standard deviation (ν = 1); Monte Carlo is refused (JCGM 101:2008 6.4.9.4): take at least 4 readings or give pooled_sd",)
    """
    return tuple(refusal.warning for refusal in monte_carlo_refusals(spec))


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
    # With every c_i = 0 the first-order u_c is 0 whatever the inputs' uncertainties (JCGM 100 5.1.2 Note):
    # the propagation is not applicable, Monte Carlo (or the higher-order terms) must be used.
    applicable = second_order or any(c.sensitivity_coefficient != 0 for c in lpu.contributions)
    if not applicable and method is Method.LPU:
        raise PropagationNotApplicable(
            "every first-order sensitivity coefficient is zero at the estimates, so the law of propagation "
            "is not applicable (JCGM 100:2008 5.1.2 Note): use --method mcm or --second-order",
            field="model",
        )
    mcm = validation = None
    if method is not Method.LPU:
        if adaptive_digits is None:
            mcm = monte_carlo(spec, trials=trials, seed=seed)
        else:
            mcm = monte_carlo_adaptive(spec, significant_digits=adaptive_digits, seed=seed, max_trials=trials)
        if applicable:
            validation = validate(lpu, mcm, significant_digits=validation_digits)
    said = None
    if spec.specification is not None:
        value, expanded, u = lpu.value, lpu.expanded_uncertainty, lpu.standard_uncertainty
        if not applicable and mcm is not None:
            value, u = mcm.value, mcm.standard_uncertainty
            expanded = max(value - mcm.interval[0], mcm.interval[1] - value)
        try:
            said = statement(
                value,
                expanded,
                spec.specification,
                rule=spec.decision_rule or _SIMPLE,
                standard_uncertainty=u,
            )
        except MetrologyError as exc:  # e.g. a guard band that leaves no acceptance interval: refused
            raise BudgetFormatError(exc.detail, field=exc.field) from None
    if applicable or mcm is None:
        reported = _reported(lpu.value, lpu.expanded_uncertainty)
    else:
        reported = _reported(mcm.value, max(mcm.value - mcm.interval[0], mcm.interval[1] - mcm.value))
    return BudgetResult(
        spec=spec,
        method=method,
        unit=unit,
        propagation=lpu,
        reported=reported,
        monte_carlo=mcm,
        validation=validation,
        conformity=None if said is None else said.decision,
        statement=said,
        warnings=monte_carlo_warnings(spec),
        propagation_applicable=applicable,
    )


_SIMPLE = DecisionRule(RuleKind.SIMPLE)


@dataclass(frozen=True, slots=True)
class PointInterval:
    """The interval a calibration point reports (JCGM 101:2008 clause 8).

    ``method`` is ``lpu_validated`` when Monte Carlo validated the propagation, ``mcm`` when it did not (U is
    then the larger half-width of the Monte Carlo interval about y and k = U/u(y) of Monte Carlo), ``lpu``
    when Monte Carlo could not be run (``notes`` says why).
    """

    method: str
    standard_uncertainty: float
    expanded_uncertainty: float
    coverage_factor: float
    effective_dof: float
    notes: tuple[str, ...]
    validation: Validation | None


def point_interval(spec: BudgetSpec, *, trials: int, seed: int) -> tuple[BudgetResult, PointInterval]:
    """Evaluate a point's budget with both methods and choose the interval to report (JCGM 101 8.2, 8.3).

    An input Monte Carlo refuses (a Type A input of fewer than 4 readings without a pooled s, or a t
    distribution with ν ≤ 2: JCGM 101:2008 6.4.9.4) keeps the law of propagation, k from ν_eff, flagged; a
    model whose first-order sensitivities are all zero uses Monte Carlo.
    """
    warnings = monte_carlo_warnings(spec)
    if warnings:
        result = evaluate_budget(spec, method=Method.LPU)
        lpu = result.propagation
        return result, PointInterval(
            "lpu",
            lpu.standard_uncertainty,
            lpu.expanded_uncertainty,
            lpu.coverage_factor,
            lpu.effective_dof,
            warnings,
            None,
        )
    result = evaluate_budget(spec, method=Method.BOTH, trials=trials, seed=seed)
    lpu, mcm, validation = result.propagation, result.monte_carlo, result.validation
    assert mcm is not None
    if validation is not None and validation.passed:
        return result, PointInterval(
            "lpu_validated",
            lpu.standard_uncertainty,
            lpu.expanded_uncertainty,
            lpu.coverage_factor,
            lpu.effective_dof,
            (),
            validation,
        )
    y = lpu.value
    expanded = max(y - mcm.interval[0], mcm.interval[1] - y)
    u = mcm.standard_uncertainty
    note = (
        "every first-order sensitivity coefficient is zero: the law of propagation is not applicable, the "
        "Monte Carlo interval is reported (JCGM 101:2008 5.8)"
        if validation is None
        else f"the law of propagation was not validated by Monte Carlo (d_low = {validation.d_low:.2g}, "
        f"d_high = {validation.d_high:.2g} > δ = {validation.tolerance:.2g}, JCGM 101:2008 8.2): the Monte "
        f"Carlo interval is reported ({mcm.trials} trials, seed {mcm.seed})"
    )
    k = expanded / u if u > 0 else lpu.coverage_factor
    return result, PointInterval("mcm", u, expanded, max(k, 1.0), math.inf, (note,), validation)


def _reported(value: float, expanded_uncertainty: float) -> ReportedValue:
    """GUM 7.2.6 rounding; an exact result (U = 0) has nothing to round to and is reported as computed."""
    if expanded_uncertainty == 0:
        return ReportedValue(decimal_of(value, field="value"), Decimal(0))
    return round_result(value, expanded_uncertainty)

"""Law of propagation of uncertainty (JCGM 100:2008 clause 5, Annex G).

Sensitivity coefficients are exact first derivatives at the estimates, from the ``uncertainties`` package (see
:mod:`~lims.domain.uncertainty.sensitivity`); the combined standard uncertainty includes correlation terms
(JCGM 100 5.2.2); the effective degrees of freedom follow Welch–Satterthwaite (JCGM 100 G.4.1) and the
coverage factor is Student's t at the coverage probability (JCGM 100 G.3, G.6.4), unless a fixed k is asked.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from lims.domain.uncertainty.budget import BudgetSpec
from lims.domain.uncertainty.errors import BudgetFormatError, NonFiniteResultError
from lims.domain.uncertainty.sensitivity import linearise


@dataclass(frozen=True, slots=True)
class Contribution:
    """One row of the budget table (JCGM 100 5.1.3, EA-4/02 M:2022 table layout).

    :ivar contribution: u_i(y) = |c_i|·u(x_i), in the measurand's unit.
    :ivar percent: share of u_c²(y), (c_i·u(x_i))² / u_c² × 100; correlation terms are reported apart.
    """

    name: str
    estimate: float
    unit: str | None
    distribution: str
    standard_uncertainty: float
    sensitivity_coefficient: float
    contribution: float
    degrees_of_freedom: float
    percent: float


@dataclass(frozen=True, slots=True)
class CorrelationTerm:
    """2·c_i·c_j·u(x_i)·u(x_j)·r(x_i, x_j): a term of u_c²(y) (JCGM 100 (16))."""

    first: str
    second: str
    r: float
    term: float


@dataclass(frozen=True, slots=True)
class PropagationResult:
    """The result of the law of propagation: y, u_c(y), ν_eff, k, U, and the budget table. Unrounded."""

    value: float
    standard_uncertainty: float
    effective_dof: float
    coverage_factor: float
    coverage_probability: float
    expanded_uncertainty: float
    contributions: tuple[Contribution, ...]
    correlation_terms: tuple[CorrelationTerm, ...]
    coverage_factor_fixed: bool = False
    higher_order_variance: float | None = None


def welch_satterthwaite(standard_uncertainty: float, components: Iterable[tuple[float, float]]) -> float:
    """Effective degrees of freedom ν_eff = u_c⁴ / Σ u_i⁴/ν_i (JCGM 100 G.4.1 (G.2b)).

    ``components`` are pairs (u_i(y), ν_i); infinite ν_i add nothing. Returns ``math.inf`` when every ν_i is
    infinite or u_c is zero.

    JCGM 100 H.1.6: u_c = 32 nm from 25 nm (ν = 18), 9.7 nm (25.6), 2.9 nm (50), 16.6 nm (2) gives
    ν_eff ≈ 16.7:

    >>> round(welch_satterthwaite(31.7, [(25, 18), (9.7, 25.6), (2.9, 50), (16.6, 2)]), 1)
    16.8
    """
    denominator = math.fsum(u**4 / nu for u, nu in components if math.isfinite(nu) and u != 0)
    if denominator == 0 or standard_uncertainty == 0:
        return math.inf
    return standard_uncertainty**4 / denominator


def coverage_factor(coverage_probability: float, dof: float) -> float:
    """k = t_p(ν) (JCGM 100 G.3.4, Table G.2), rounded to two decimal places as tabulated there.

    A non-integer ν of at least one is truncated to the next lower integer (JCGM 100 G.4.1 Note 1).

    >>> coverage_factor(0.9545, math.inf), coverage_factor(0.95, 16.7), coverage_factor(0.95, math.inf)
    (2.0, 2.12, 1.96)
    """
    if not 0 < coverage_probability < 1:
        raise BudgetFormatError("must be a number in (0, 1)", field="coverage_probability")
    return _coverage_factor(coverage_probability, math.floor(dof) if 1 <= dof < math.inf else dof)


@functools.lru_cache(maxsize=256)
def _coverage_factor(coverage_probability: float, dof: float) -> float:
    from scipy import special  # here, not at import: scipy costs a command-line start about a second

    tail = (1.0 + coverage_probability) / 2.0
    k = float(special.ndtri(tail)) if math.isinf(dof) else float(special.stdtrit(dof, tail))
    return round(k, 2)


def propagate(spec: BudgetSpec, *, second_order: bool = False) -> PropagationResult:
    """Apply the law of propagation of uncertainty to ``spec`` (JCGM 100 5.1, 5.2).

    With ``second_order`` the higher-order terms of JCGM 100 5.1.2 Note are added to u_c²(y) (independent
    inputs only); ν_eff is still computed from the first-order contributions.

    >>> from lims.domain.uncertainty.io import parse_budget
    >>> spec = parse_budget({"model": "a * b", "inputs": [
    ...     {"name": "a", "value": 2.0, "distribution": {"kind": "normal", "u": 0.1}},
    ...     {"name": "b", "value": 3.0, "distribution": {"kind": "rectangular", "half_width": 0.3}}]})
    >>> r = propagate(spec)
    >>> r.value, [c.sensitivity_coefficient for c in r.contributions], round(r.standard_uncertainty, 4)
    (6.0, [3.0, 2.0], 0.4583)
    """
    inputs = spec.inputs
    estimates = [q.estimate for q in inputs]
    u = [q.standard_uncertainty for q in inputs]
    linear = linearise(spec.model, spec.names, estimates)
    value, sensitivities = linear.value, linear.sensitivity_coefficients
    if not math.isfinite(value):
        raise NonFiniteResultError("evaluates to a non-finite value at the input estimates", field="model")
    if not all(map(math.isfinite, sensitivities)):
        bad = inputs[[math.isfinite(c) for c in sensitivities].index(False)].name
        raise NonFiniteResultError(
            f"its derivative with respect to {bad!r} is not finite at the estimates", field="model"
        )
    # u_i(y) = c_i·u(x_i) (JCGM 100 5.1.3); this function runs once per measurement point, so the table is
    # built with flat list operations rather than per-row generators.
    weighted = list(map(operator.mul, sensitivities, u))
    if spec.correlations:
        vector = np.array(weighted)
        variance = float(vector @ spec.correlation_matrix() @ vector)
    else:
        variance = math.fsum([w * w for w in weighted])
    first_order_u = math.sqrt(max(variance, 0.0))
    higher = None
    if second_order:
        from lims.domain.uncertainty.higher_order import second_order_variance

        higher = second_order_variance(spec)
        variance += higher
    u_c = math.sqrt(max(variance, 0.0))
    terms = []
    if spec.correlations:
        index = {q.name: i for i, q in enumerate(inputs)}
        for corr in spec.correlations:
            i, j = index[corr.first], index[corr.second]
            terms.append(
                CorrelationTerm(
                    corr.first, corr.second, float(corr.r), float(2.0 * weighted[i] * weighted[j] * corr.r)
                )
            )
    dofs = [q.degrees_of_freedom for q in inputs]
    contribution_u = list(map(abs, weighted))
    contributions = tuple(
        [
            Contribution(
                q.name,
                x,
                q.unit,
                q.distribution.kind,
                u_x,
                c,
                u_y,
                nu,
                w**2 / variance * 100.0 if variance > 0 else 0.0,
            )
            for q, x, u_x, c, u_y, nu, w in zip(
                inputs, estimates, u, sensitivities, contribution_u, dofs, weighted, strict=True
            )
        ]
    )
    dof = welch_satterthwaite(first_order_u, zip(contribution_u, dofs, strict=True))
    fixed = spec.coverage_factor is not None
    k = (
        float(spec.coverage_factor)
        if spec.coverage_factor is not None
        else coverage_factor(spec.coverage_probability, dof)
    )
    return PropagationResult(
        value=value,
        standard_uncertainty=u_c,
        effective_dof=dof,
        coverage_factor=k,
        coverage_probability=spec.coverage_probability,
        expanded_uncertainty=k * u_c,
        contributions=contributions,
        correlation_terms=tuple(terms),
        coverage_factor_fixed=fixed,
        higher_order_variance=higher,
    )

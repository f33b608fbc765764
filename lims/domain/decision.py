"""Statements of conformity with a decision rule (ISO/IEC 17025:2017 7.8.6, ILAC-G8:09/2019, JCGM 106:2012).

A result y with expanded uncertainty U is compared with a tolerance interval [L, U_L] (one side may be
absent). The guard band is w = r·U. Limits are inclusive.

* simple acceptance (ILAC-G8 4.2.1): pass inside [L, U_L], fail outside;
* guarded binary acceptance (ILAC-G8 4.2.2): pass inside the acceptance interval [L + w, U_L − w], fail
  otherwise;
* non-binary (ILAC-G8 4.2.3): pass inside [L + w, U_L − w], conditional pass elsewhere inside [L, U_L],
  conditional fail outside [L, U_L] but inside [L − w, U_L + w], fail beyond.

The probability of conformance is p_c = Φ((U_L − y)/u) − Φ((L − y)/u) for the normal distribution
N(y, u²) of the measurand (JCGM 106:2012 7.4, 7.5); the specific risk is 1 − p_c for an accepted item
(false acceptance) and p_c for a rejected one (false rejection).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from lims.domain.errors import DomainError


class DecisionError(DomainError, ValueError):
    """The tolerance, the rule or the result cannot be used for a decision."""

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        self.field = field
        self.detail = detail
        super().__init__(f"{field}: {detail}" if field else detail)


class DecisionRule(StrEnum):
    """Decision rules of ILAC-G8:09/2019 4.2."""

    SIMPLE = "simple"
    GUARDED = "guarded"
    NON_BINARY = "non_binary"


class Statement(StrEnum):
    """Statements of conformity (ILAC-G8:09/2019 4.2.3 wording for the non-binary rule)."""

    PASS = "pass"  # noqa: S105
    FAIL = "fail"
    CONDITIONAL_PASS = "conditional_pass"  # noqa: S105
    CONDITIONAL_FAIL = "conditional_fail"


@dataclass(frozen=True, slots=True)
class Specification:
    """Tolerance limits in the measurand's unit; ``None`` for the missing side of a one-sided limit."""

    lower: float | None = None
    upper: float | None = None

    def __post_init__(self) -> None:
        for name in ("lower", "upper"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value)
            ):
                raise DecisionError("must be a finite number", field=f"specification.{name}")
        if self.lower is None and self.upper is None:
            raise DecisionError("needs lower, upper or both", field="specification")
        if self.lower is not None and self.upper is not None and self.lower >= self.upper:
            raise DecisionError("lower must be below upper", field="specification")


@dataclass(frozen=True, slots=True)
class Conformity:
    """The outcome of :func:`decide`.

    :ivar acceptance_limits: (low, high) acceptance interval, ``None`` for a missing side.
    :ivar guard_band: w = r·U in the measurand's unit (0 for simple acceptance).
    :ivar probability_of_conformance: p_c of JCGM 106 7.4, in [0, 1].
    :ivar specific_risk: probability of false acceptance (accepted) or false rejection (rejected).
    """

    statement: Statement
    rule: DecisionRule
    acceptance_limits: tuple[float | None, float | None]
    guard_band: float
    probability_of_conformance: float
    specific_risk: float


def _phi(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def probability_of_conformance(value: float, standard_uncertainty: float, spec: Specification) -> float:
    """p_c = Pr(L ≤ Y ≤ U_L) for Y ~ N(value, u²) (JCGM 106:2012 7.4).

    >>> round(probability_of_conformance(0.0, 1.0, Specification(-2.0, 2.0)), 4)
    0.9545
    >>> probability_of_conformance(1.0, 0.5, Specification(upper=1.0))
    0.5
    """
    if not math.isfinite(standard_uncertainty) or standard_uncertainty < 0:
        raise DecisionError("must be a finite number >= 0", field="standard_uncertainty")
    if standard_uncertainty == 0:
        inside = (spec.lower is None or value >= spec.lower) and (spec.upper is None or value <= spec.upper)
        return 1.0 if inside else 0.0
    high = 1.0 if spec.upper is None else _phi((spec.upper - value) / standard_uncertainty)
    low = 0.0 if spec.lower is None else _phi((spec.lower - value) / standard_uncertainty)
    return max(0.0, high - low)


def decide(
    value: float,
    expanded_uncertainty: float,
    spec: Specification,
    *,
    rule: DecisionRule = DecisionRule.SIMPLE,
    guard_factor: float = 1.0,
    standard_uncertainty: float | None = None,
) -> Conformity:
    """Statement of conformity of ``value`` ± ``expanded_uncertainty`` against ``spec`` (ILAC-G8 4.2).

    ``standard_uncertainty`` (u_c) is used for the probability of conformance; when it is not given it is
    taken as U/2, which only holds for k = 2.

    Guarded acceptance with w = U (ILAC-G8 4.2.2): 10.07 with U = 0.05 is in tolerance but outside the
    acceptance interval [9.95, 10.05]:

    >>> c = decide(10.07, 0.05, Specification(9.9, 10.1), rule=DecisionRule.GUARDED)
    >>> c.statement.value, [round(x, 6) for x in c.acceptance_limits], c.guard_band
    ('fail', [9.95, 10.05], 0.05)
    >>> decide(10.12, 0.05, Specification(9.9, 10.1), rule=DecisionRule.NON_BINARY).statement.value
    'conditional_fail'
    """
    expanded_uncertainty = _finite(expanded_uncertainty, "expanded_uncertainty", minimum=0.0)
    value = _finite(value, "value")
    guard_factor = _finite(guard_factor, "decision_rule.guard_factor", minimum=0.0)
    rule = DecisionRule(rule)
    u_c = (
        expanded_uncertainty / 2.0
        if standard_uncertainty is None
        else _finite(standard_uncertainty, "standard_uncertainty", minimum=0.0)
    )
    w = 0.0 if rule is DecisionRule.SIMPLE else guard_factor * expanded_uncertainty
    accept_low = None if spec.lower is None else spec.lower + w
    accept_high = None if spec.upper is None else spec.upper - w
    if accept_low is not None and accept_high is not None and accept_low > accept_high:
        raise DecisionError(
            f"guard band {w:g} leaves no acceptance interval inside the tolerance",
            field="decision_rule.guard_factor",
        )

    def inside(low: float | None, high: float | None) -> bool:
        return (low is None or value >= low) and (high is None or value <= high)

    in_tolerance = inside(spec.lower, spec.upper)
    in_acceptance = inside(accept_low, accept_high)
    if rule is DecisionRule.SIMPLE:
        statement = Statement.PASS if in_tolerance else Statement.FAIL
    elif rule is DecisionRule.GUARDED:
        statement = Statement.PASS if in_acceptance else Statement.FAIL
    elif in_acceptance:
        statement = Statement.PASS
    elif in_tolerance:
        statement = Statement.CONDITIONAL_PASS
    elif inside(
        None if spec.lower is None else spec.lower - w, None if spec.upper is None else spec.upper + w
    ):
        statement = Statement.CONDITIONAL_FAIL
    else:
        statement = Statement.FAIL
    p_c = probability_of_conformance(value, u_c, spec)
    accepted = statement in (Statement.PASS, Statement.CONDITIONAL_PASS)
    return Conformity(
        statement=statement,
        rule=rule,
        acceptance_limits=(accept_low, accept_high),
        guard_band=w,
        probability_of_conformance=p_c,
        specific_risk=1.0 - p_c if accepted else p_c,
    )


def test_uncertainty_ratio(spec: Specification, expanded_uncertainty: float) -> float:
    """TUR = tolerance span / (2·U) (ANSI/NCSL Z540.3 usage; ILAC-G8 discusses the same ratio).

    For a one-sided limit there is no span and the ratio is undefined.

    >>> round(test_uncertainty_ratio(Specification(9.9, 10.1), 0.025), 6)
    4.0
    """
    if spec.lower is None or spec.upper is None:
        raise DecisionError(
            "needs both lower and upper limits for a test uncertainty ratio", field="specification"
        )
    expanded_uncertainty = _finite(expanded_uncertainty, "expanded_uncertainty", minimum=0.0)
    if expanded_uncertainty == 0:
        raise DecisionError("must be > 0 for a test uncertainty ratio", field="expanded_uncertainty")
    return (spec.upper - spec.lower) / (2.0 * expanded_uncertainty)


test_uncertainty_ratio.__test__ = False  # type: ignore[attr-defined]  # a helper, not a pytest test


def _finite(value: object, field: str, *, minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DecisionError("must be a finite number", field=field)
    if minimum is not None and value < minimum:
        raise DecisionError(f"must be >= {minimum:g}", field=field)
    return float(value)

"""Decision rules and statements of conformity (ISO/IEC 17025:2017 7.8.6, ILAC-G8:09/2019, JCGM 106:2012).

The one decision engine of the project. A result y with expanded uncertainty U is compared with a tolerance
interval [T_L, T_U] (one side may be absent; an MPE ± TL is the interval [−TL, TL] around zero error). The
guard band is w = r·U (ILAC-G8 4.2.2: commonly w = U, r = 1). Limits are inclusive.

============  ==========================================================================================
rule          verdict
============  ==========================================================================================
simple        ILAC-G8 4.2.1 binary, w = 0: pass inside [T_L, T_U], fail outside
guarded       ILAC-G8 4.2.2 binary with guard band: pass inside [T_L + w, T_U − w], fail otherwise
non_binary    ILAC-G8 4.2.3: pass inside [T_L + w, T_U − w]; conditional pass elsewhere inside the tolerance;
              conditional fail outside it but inside [T_L − w, T_U + w]; fail beyond
============  ==========================================================================================

When the guard band is at least half the tolerance the acceptance interval is empty and no result could
pass (ILAC-G8 4.2.2): the engine refuses such a rule (:class:`NoAcceptanceInterval`) rather than state a
fail that the item did not earn.

Simple acceptance is allowed only when the measurement is good enough for it: the test uncertainty ratio
TUR = (T_U − T_L)/(2·U) (= MPE/U for ±MPE) must be at least the procedure's minimum, 3 by default
(ILAC-G8:09/2019 4.2.1 leaves the ratio to the agreement; 3 is the usual "U ≤ MPE/3", from memory).
:func:`statement` then gives no statement, with the reason, instead of a pass or fail.

The probability of conformance is p_c = Φ((T_U − y)/u) − Φ((T_L − y)/u) for the normal distribution
N(y, u²) of the measurand (JCGM 106:2012 7.4, 7.5); the specific risk is 1 − p_c for an accepted item
(false acceptance) and p_c for a rejected one (false rejection).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from certificates.metrology.errors import MetrologyError

__all__ = [
    "Decision",
    "DecisionRule",
    "NoAcceptanceInterval",
    "NoStatementReason",
    "RuleKind",
    "Specification",
    "Verdict",
    "decide",
    "judge",
    "probability_of_conformance",
    "rule_from_dict",
    "statement",
    "test_uncertainty_ratio",
]

#: The least TUR = MPE/U for simple acceptance unless the procedure sets another (U ≤ MPE/3).
DEFAULT_MINIMUM_TUR = 3.0


class NoAcceptanceInterval(MetrologyError):
    """A guard band w ≥ half the tolerance leaves no acceptance interval (ILAC-G8:09/2019 4.2.2)."""


class NoStatementReason(StrEnum):
    """Why a point with a specification has no statement of conformity."""

    TUR_BELOW_MINIMUM = "tur_below_minimum"
    NO_ACCEPTANCE_INTERVAL = "no_acceptance_interval"
    NOT_REQUESTED = "not_requested"

    def text(self, language: str, *, minimum_tur: float = DEFAULT_MINIMUM_TUR) -> str:
        """The reason as printed on the job page and the certificate.

        >>> NoStatementReason.TUR_BELOW_MINIMUM.text("en")
        'no statement: U is larger than MPE/3, too large for simple acceptance (use a guarded rule)'
        """
        n = f"{minimum_tur:g}".replace(".", "," if language.startswith("vi") else ".")
        vi, en = _REASON_TEXT[self]
        return (vi if language.startswith("vi") else en).format(n=n)


_REASON_TEXT = {
    NoStatementReason.TUR_BELOW_MINIMUM: (
        "không tuyên bố: U lớn hơn SSLNCP/{n}, quá lớn để chấp nhận đơn giản (dùng quy tắc có dải bảo vệ)",
        "no statement: U is larger than MPE/{n}, too large for simple acceptance (use a guarded rule)",
    ),
    NoStatementReason.NO_ACCEPTANCE_INTERVAL: (
        "không tuyên bố: dải bảo vệ w không để lại khoảng chấp nhận nào (U ≥ SSLNCP)",
        "no statement: the guard band w leaves no acceptance interval (U ≥ MPE)",
    ),
    NoStatementReason.NOT_REQUESTED: (
        "không tuyên bố: khách hàng không yêu cầu tuyên bố phù hợp theo một quy định kỹ thuật",
        "no statement: the customer did not ask for a statement of conformity against a specification",
    ),
}


class RuleKind(StrEnum):
    """The three rule families of ILAC-G8:09/2019 4.2."""

    SIMPLE = "simple"
    GUARDED = "guarded"
    NON_BINARY = "non_binary"


class Verdict(StrEnum):
    """Outcome of a statement of conformity for one result (ILAC-G8:09/2019 4.2.3 wording).

    ``no_statement``: a rule applies but no statement is made (the customer did not ask for one,
    ISO/IEC 17025:2017 7.8.6.1).
    """

    PASS = "pass"  # noqa: S105 (a verdict, not a password)
    FAIL = "fail"
    CONDITIONAL_PASS = "conditional_pass"  # noqa: S105
    CONDITIONAL_FAIL = "conditional_fail"
    NO_STATEMENT = "no_statement"

    @property
    def dcc(self) -> str | None:
        """The PTB DCC 3.1.2 ``conformity`` enumeration value; ``None`` when no statement is made.

        >>> Verdict.CONDITIONAL_PASS.dcc, Verdict.NO_STATEMENT.dcc
        ('conditionalPass', None)
        """
        return _DCC.get(self)

    def text(self, language: str) -> str:
        """The verdict in Vietnamese (``vi``) or English.

        >>> Verdict.CONDITIONAL_FAIL.text("vi"), Verdict.PASS.text("en")
        ('Không phù hợp có điều kiện', 'Pass')
        """
        vi, en = _VERDICT_TEXT[self]
        return vi if language.startswith("vi") else en


_DCC = {
    Verdict.PASS: "pass",
    Verdict.FAIL: "fail",
    Verdict.CONDITIONAL_PASS: "conditionalPass",
    Verdict.CONDITIONAL_FAIL: "conditionalFail",
}
_VERDICT_TEXT = {
    Verdict.PASS: ("Phù hợp", "Pass"),
    Verdict.FAIL: ("Không phù hợp", "Fail"),
    Verdict.CONDITIONAL_PASS: ("Phù hợp có điều kiện", "Conditional pass"),
    Verdict.CONDITIONAL_FAIL: ("Không phù hợp có điều kiện", "Conditional fail"),
    Verdict.NO_STATEMENT: ("Không tuyên bố", "No statement"),
}


@dataclass(frozen=True, slots=True)
class DecisionRule:
    """A rule kind and, for guarded rules, w = guard_factor · U (ILAC-G8 4.2.2: commonly w = U).

    >>> DecisionRule(RuleKind.GUARDED, 0.0)
    Traceback (most recent call last):
    ...
    certificates.metrology.errors.MetrologyError: decision_rule.guard_factor: a guarded rule needs a factor > 0
    """

    kind: RuleKind
    guard_factor: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", RuleKind(self.kind))
        factor = self.guard_factor
        if isinstance(factor, bool) or not isinstance(factor, int | float) or not math.isfinite(factor):
            raise MetrologyError("must be a finite number", field="decision_rule.guard_factor")
        if factor < 0:
            raise MetrologyError(f"{factor} must be ≥ 0", field="decision_rule.guard_factor")
        object.__setattr__(self, "guard_factor", 0.0 if self.kind is RuleKind.SIMPLE else float(factor))
        if self.kind is not RuleKind.SIMPLE and factor == 0:
            raise MetrologyError(
                f"a {self.kind.value} rule needs a factor > 0", field="decision_rule.guard_factor"
            )

    @property
    def needs_uncertainty(self) -> bool:
        """True when the verdict depends on U (every rule but simple acceptance)."""
        return self.kind is not RuleKind.SIMPLE

    def describe(self, language: str = "en") -> str:
        """The wording printed on a certificate and on every page, in Vietnamese (``vi``) or English.

        >>> DecisionRule(RuleKind.GUARDED, 1.0).describe()
        'ILAC-G8:09/2019 4.2.2, binary statement with guard band w = 1·U'
        >>> DecisionRule(RuleKind.SIMPLE).describe("vi")
        'ILAC-G8:09/2019 mục 4.2.1 – tuyên bố nhị phân, chấp nhận đơn giản (w = 0)'
        """
        g = f"{self.guard_factor:g}".replace(".", "," if language.startswith("vi") else ".")
        vi, en = _RULE_TEXT[self.kind]
        return (vi if language.startswith("vi") else en).format(g=g)


_RULE_TEXT = {
    RuleKind.SIMPLE: (
        "ILAC-G8:09/2019 mục 4.2.1 – tuyên bố nhị phân, chấp nhận đơn giản (w = 0)",
        "ILAC-G8:09/2019 4.2.1, binary statement with simple acceptance (w = 0)",
    ),
    RuleKind.GUARDED: (
        "ILAC-G8:09/2019 mục 4.2.2 – tuyên bố nhị phân có dải bảo vệ w = {g}·U",
        "ILAC-G8:09/2019 4.2.2, binary statement with guard band w = {g}·U",
    ),
    RuleKind.NON_BINARY: (
        "ILAC-G8:09/2019 mục 4.2.3 – tuyên bố không nhị phân có dải bảo vệ w = {g}·U",
        "ILAC-G8:09/2019 4.2.3, non-binary statement with guard band w = {g}·U",
    ),
}


def rule_from_dict(data: Any, where: str = "decision_rule") -> DecisionRule:
    """Build a rule from its file form ``{"kind": "guarded", "guard_factor": 1.0}``.

    A guarded or non-binary rule must name its factor (a procedure states its guard band, ILAC-G8 4.2.2).

    >>> rule_from_dict({"kind": "simple"})
    DecisionRule(kind=<RuleKind.SIMPLE: 'simple'>, guard_factor=0.0)
    >>> rule_from_dict({"kind": "guarded", "guard_factor": 1}).guard_factor
    1.0
    """
    if not isinstance(data, Mapping):
        raise MetrologyError("expected an object with a 'kind'", field=where)
    try:
        kind = RuleKind(str(data.get("kind")))
    except ValueError:
        raise MetrologyError(
            f"{data.get('kind')!r} is not simple, guarded or non_binary", field=f"{where}.kind"
        ) from None
    factor = data.get("guard_factor", 0.0)
    if isinstance(factor, bool) or not isinstance(factor, int | float):
        raise MetrologyError(f"{factor!r} is not a number", field=f"{where}.guard_factor")
    return DecisionRule(kind, float(factor))


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
                raise MetrologyError("must be a finite number", field=f"specification.{name}")
        if self.lower is None and self.upper is None:
            raise MetrologyError("needs lower, upper or both", field="specification")
        if self.lower is not None and self.upper is not None and self.lower >= self.upper:
            raise MetrologyError("lower must be below upper", field="specification")

    @classmethod
    def symmetric(cls, mpe: float) -> Specification:
        """The tolerance ±MPE around zero error.

        >>> Specification.symmetric(0.5)
        Specification(lower=-0.5, upper=0.5)
        """
        mpe = _finite(mpe, "mpe", minimum=0.0)
        return cls(-mpe, mpe)


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome of :func:`decide`.

    :ivar acceptance_limits: (low, high) acceptance interval, ``None`` for a missing side.
    :ivar guard_band: w = r·U in the measurand's unit (0 for simple acceptance).
    :ivar probability_of_conformance: p_c of JCGM 106 7.4, in [0, 1].
    :ivar specific_risk: probability of false acceptance (accepted) or false rejection (rejected).
    """

    verdict: Verdict
    rule: DecisionRule
    acceptance_limits: tuple[float | None, float | None]
    guard_band: float
    probability_of_conformance: float
    specific_risk: float


def _phi(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def probability_of_conformance(value: float, standard_uncertainty: float, spec: Specification) -> float:
    """p_c = Pr(T_L ≤ Y ≤ T_U) for Y ~ N(value, u²) (JCGM 106:2012 7.4).

    >>> round(probability_of_conformance(0.0, 1.0, Specification(-2.0, 2.0)), 4)
    0.9545
    >>> probability_of_conformance(1.0, 0.5, Specification(upper=1.0))
    0.5
    """
    standard_uncertainty = _finite(standard_uncertainty, "standard_uncertainty", minimum=0.0)
    if standard_uncertainty == 0:
        inside = (spec.lower is None or value >= spec.lower) and (spec.upper is None or value <= spec.upper)
        return 1.0 if inside else 0.0
    high = 1.0 if spec.upper is None else _phi((spec.upper - value) / standard_uncertainty)
    low = 0.0 if spec.lower is None else _phi((spec.lower - value) / standard_uncertainty)
    return max(0.0, high - low)


def decide(
    value: float,
    expanded_uncertainty: float | None,
    spec: Specification,
    *,
    rule: DecisionRule | None = None,
    standard_uncertainty: float | None = None,
) -> Decision:
    """Statement of conformity of ``value`` ± ``expanded_uncertainty`` against ``spec`` (ILAC-G8 4.2).

    ``standard_uncertainty`` (u_c) gives the probability of conformance; without it u = U/2 is assumed,
    which only holds for k = 2. Simple acceptance needs no U.

    ILAC-G8 4.2.2 example, tolerance 10 ± 0.1, U = 0.05, w = U: the acceptance interval is [9.95, 10.05];
    10.07 is in tolerance but outside it:

    >>> d = decide(10.07, 0.05, Specification(9.9, 10.1), rule=DecisionRule(RuleKind.GUARDED, 1.0))
    >>> d.verdict.value, [round(x, 6) for x in d.acceptance_limits], d.guard_band
    ('fail', [9.95, 10.05], 0.05)
    >>> decide(10.12, 0.05, Specification(9.9, 10.1), rule=DecisionRule(RuleKind.NON_BINARY, 1.0)).verdict
    <Verdict.CONDITIONAL_FAIL: 'conditional_fail'>
    """
    rule = rule or DecisionRule(RuleKind.SIMPLE)
    value = _finite(value, "value")
    if expanded_uncertainty is None:
        if rule.needs_uncertainty:
            raise MetrologyError(
                f"the {rule.kind.value} decision rule needs the expanded uncertainty U",
                field="expanded_uncertainty",
            )
        expanded = 0.0
    else:
        expanded = _finite(expanded_uncertainty, "expanded_uncertainty", minimum=0.0)
    u_c = (
        expanded / 2.0
        if standard_uncertainty is None
        else _finite(standard_uncertainty, "standard_uncertainty", minimum=0.0)
    )
    w = rule.guard_factor * expanded
    accept_low = None if spec.lower is None else spec.lower + w
    accept_high = None if spec.upper is None else spec.upper - w
    if accept_low is not None and accept_high is not None and accept_low >= accept_high:
        raise NoAcceptanceInterval(
            f"the guard band w = {w:g} leaves no acceptance interval inside [{spec.lower:g}, {spec.upper:g}] "
            "(ILAC-G8:09/2019 4.2.2): reduce U or use another rule",
            field="decision_rule",
        )

    def inside(low: float | None, high: float | None) -> bool:
        return (low is None or value >= low) and (high is None or value <= high)

    in_tolerance = inside(spec.lower, spec.upper)
    in_acceptance = inside(accept_low, accept_high)
    if rule.kind is RuleKind.SIMPLE:
        verdict = Verdict.PASS if in_tolerance else Verdict.FAIL
    elif in_acceptance:
        verdict = Verdict.PASS
    elif rule.kind is RuleKind.GUARDED:
        verdict = Verdict.FAIL
    elif in_tolerance:
        verdict = Verdict.CONDITIONAL_PASS
    elif inside(
        None if spec.lower is None else spec.lower - w, None if spec.upper is None else spec.upper + w
    ):
        verdict = Verdict.CONDITIONAL_FAIL
    else:
        verdict = Verdict.FAIL
    p_c = probability_of_conformance(value, u_c, spec)
    accepted = verdict in (Verdict.PASS, Verdict.CONDITIONAL_PASS)
    return Decision(
        verdict=verdict,
        rule=rule,
        acceptance_limits=(accept_low, accept_high),
        guard_band=w,
        probability_of_conformance=p_c,
        specific_risk=1.0 - p_c if accepted else p_c,
    )


@dataclass(frozen=True, slots=True)
class Statement:
    """A point's statement of conformity: a :class:`Decision`, or no statement and its reason.

    :ivar test_uncertainty_ratio: TUR = (T_U − T_L)/(2·U), ``None`` for a one-sided limit or U = 0.
    """

    verdict: Verdict
    rule: DecisionRule
    decision: Decision | None
    reason: NoStatementReason | None
    test_uncertainty_ratio: float | None

    @property
    def probability_of_false_acceptance(self) -> float | None:
        """1 − p_c for an accepted item (JCGM 106:2012 9.5.2), else ``None``."""
        if self.decision is None or self.verdict not in (Verdict.PASS, Verdict.CONDITIONAL_PASS):
            return None
        return self.decision.specific_risk


def statement(
    value: float,
    expanded_uncertainty: float,
    spec: Specification,
    *,
    rule: DecisionRule,
    standard_uncertainty: float | None = None,
    minimum_tur: float = DEFAULT_MINIMUM_TUR,
) -> Statement:
    """The statement of conformity the job and ``lims budget evaluate`` both make (one engine).

    Simple acceptance needs TUR ≥ ``minimum_tur``; below it there is no statement
    (:attr:`NoStatementReason.TUR_BELOW_MINIMUM`), except a value outside the limits by more than U: the
    whole interval value ± U lies outside, so the item fails whatever the TUR (ILAC-G8:09/2019 4.2, the
    "fail" case of simple acceptance, from memory; a scale that reads 30 g high where the MPE is 7,5 g is
    refused at verification even if U is large). A guarded or non-binary rule is decided by :func:`decide`,
    which refuses a guard band that leaves no acceptance interval (:class:`NoAcceptanceInterval`).

    Hand calculation: MPE = 0.256 bar, U = 0.104 bar: TUR = 0.256/0.104 = 2.46 < 3, no simple acceptance;
    with U = 0.064 bar, TUR = 4.0 and an error of 0.1 bar passes. With U = 0.104 bar an error of 0.40 bar
    fails (0.40 − 0.104 = 0.296 > 0.256: the whole interval is above the limit); 0.30 bar does not
    (0.30 − 0.104 = 0.196 ≤ 0.256): no statement.

    >>> simple = DecisionRule(RuleKind.SIMPLE)
    >>> statement(0.1, 0.104, Specification.symmetric(0.256), rule=simple).reason
    <NoStatementReason.TUR_BELOW_MINIMUM: 'tur_below_minimum'>
    >>> statement(0.1, 0.064, Specification.symmetric(0.256), rule=simple).verdict
    <Verdict.PASS: 'pass'>
    >>> statement(0.40, 0.104, Specification.symmetric(0.256), rule=simple).verdict
    <Verdict.FAIL: 'fail'>
    >>> statement(0.30, 0.104, Specification.symmetric(0.256), rule=simple).verdict
    <Verdict.NO_STATEMENT: 'no_statement'>
    """
    if isinstance(minimum_tur, bool) or not isinstance(minimum_tur, int | float) or not minimum_tur > 0:
        raise MetrologyError("must be a number > 0", field="minimum_tur")
    expanded = _finite(expanded_uncertainty, "expanded_uncertainty", minimum=0.0)
    tur = (
        None
        if spec.lower is None or spec.upper is None or expanded == 0
        else test_uncertainty_ratio(spec, expanded)
    )
    below_minimum = rule.kind is RuleKind.SIMPLE and tur is not None and tur < minimum_tur
    if below_minimum and not _outside(value, expanded, spec):
        return Statement(Verdict.NO_STATEMENT, rule, None, NoStatementReason.TUR_BELOW_MINIMUM, tur)
    decision = decide(value, expanded, spec, rule=rule, standard_uncertainty=standard_uncertainty)
    return Statement(decision.verdict, rule, decision, None, tur)


def _outside(value: float, expanded_uncertainty: float, spec: Specification) -> bool:
    """Whether the whole interval ``value ± U`` lies beyond a limit (a certain nonconformity)."""
    above = spec.upper is not None and value - expanded_uncertainty > spec.upper
    below = spec.lower is not None and value + expanded_uncertainty < spec.lower
    return above or below


def judge(error: float, mpe: float, expanded_uncertainty: float | None, rule: DecisionRule) -> Verdict:
    """The verdict on an error against ±MPE (same unit as ``mpe`` and ``expanded_uncertainty``).

    >>> judge(0.004, 0.005, None, DecisionRule(RuleKind.SIMPLE))
    <Verdict.PASS: 'pass'>
    >>> judge(0.004, 0.005, 0.002, DecisionRule(RuleKind.GUARDED, 1.0))
    <Verdict.FAIL: 'fail'>
    """
    return decide(error, expanded_uncertainty, Specification.symmetric(mpe), rule=rule).verdict


def test_uncertainty_ratio(spec: Specification, expanded_uncertainty: float) -> float:
    """TUR = tolerance span / (2·U) (ANSI/NCSL Z540.3 usage; ILAC-G8 discusses the same ratio).

    >>> round(test_uncertainty_ratio(Specification(9.9, 10.1), 0.025), 6)
    4.0
    """
    if spec.lower is None or spec.upper is None:
        raise MetrologyError(
            "needs both lower and upper limits for a test uncertainty ratio", field="specification"
        )
    expanded_uncertainty = _finite(expanded_uncertainty, "expanded_uncertainty", minimum=0.0)
    if expanded_uncertainty == 0:
        raise MetrologyError("must be > 0 for a test uncertainty ratio", field="expanded_uncertainty")
    return (spec.upper - spec.lower) / (2.0 * expanded_uncertainty)


test_uncertainty_ratio.__test__ = False  # type: ignore[attr-defined]  # a helper, not a pytest test


def _finite(value: object, field: str, *, minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MetrologyError("must be a finite number", field=field)
    if minimum is not None and value < minimum:
        raise MetrologyError(f"must be >= {minimum:g}", field=field)
    return float(value)

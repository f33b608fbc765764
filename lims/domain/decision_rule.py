"""Decision rules for statements of conformity (ISO/IEC 17025:2017 7.8.6, ILAC-G8:09/2019 4.2).

A procedure names its rule; :func:`judge` applies it to one result. The tolerance limit TL is the MPE
(symmetric,
±TL around zero error); the guard band is w = guard_factor · U, with U the expanded uncertainty of the error.

============  ==========================================================================================
kind          verdict
============  ==========================================================================================
simple        ILAC-G8 4.2.1 binary, w = 0: pass when |E| ≤ TL, else fail
guarded       ILAC-G8 4.2.2 binary with guard band: pass when |E| ≤ TL − w, else fail
non_binary    ILAC-G8 4.2.3: pass |E| ≤ TL − w; conditional pass ≤ TL; conditional fail ≤ TL + w; else fail
============  ==========================================================================================

>>> judge(0.9, 1.0, 0.2, DecisionRule(RuleKind.NON_BINARY, guard_factor=1.0))
<Verdict.CONDITIONAL_PASS: 'conditional_pass'>
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from lims.domain.errors import DomainError


class DecisionRuleError(DomainError, ValueError):
    """A decision rule is malformed or lacks the uncertainty it needs."""


class RuleKind(StrEnum):
    """The three rule families of ILAC-G8:09/2019 4.2."""

    SIMPLE = "simple"
    GUARDED = "guarded"
    NON_BINARY = "non_binary"


class Verdict(StrEnum):
    """Outcome of a statement of conformity for one result."""

    PASS = "pass"  # noqa: S105 (a verdict, not a password)
    CONDITIONAL_PASS = "conditional_pass"  # noqa: S105
    CONDITIONAL_FAIL = "conditional_fail"
    FAIL = "fail"


@dataclass(frozen=True, slots=True)
class DecisionRule:
    """A rule kind and, for guarded rules, w = guard_factor · U (ILAC-G8 4.2.2: commonly w = U)."""

    kind: RuleKind
    guard_factor: float = 0.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.guard_factor) and self.guard_factor >= 0):
            raise DecisionRuleError(f"decision_rule.guard_factor: {self.guard_factor} must be ≥ 0")
        if self.kind != RuleKind.SIMPLE and self.guard_factor == 0:
            raise DecisionRuleError(
                f"decision_rule.guard_factor: a {self.kind.value} rule needs a factor > 0"
            )

    @property
    def needs_uncertainty(self) -> bool:
        """True when the verdict depends on U (every rule but simple acceptance)."""
        return self.kind != RuleKind.SIMPLE

    def describe(self) -> str:
        """The wording printed on a certificate.

        >>> DecisionRule(RuleKind.GUARDED, 1.0).describe()
        'ILAC-G8:09/2019 4.2.2, binary statement with guard band w = 1·U'
        """
        if self.kind == RuleKind.SIMPLE:
            return "ILAC-G8:09/2019 4.2.1, binary statement with simple acceptance (w = 0)"
        if self.kind == RuleKind.GUARDED:
            return f"ILAC-G8:09/2019 4.2.2, binary statement with guard band w = {self.guard_factor:g}·U"
        return f"ILAC-G8:09/2019 4.2.3, non-binary statement with guard band w = {self.guard_factor:g}·U"


def judge(error: float, mpe: float, expanded_uncertainty: float | None, rule: DecisionRule) -> Verdict:
    """Apply ``rule`` to an error (same unit as ``mpe`` and ``expanded_uncertainty``).

    >>> judge(0.004, 0.005, None, DecisionRule(RuleKind.SIMPLE))
    <Verdict.PASS: 'pass'>
    >>> judge(0.004, 0.005, 0.002, DecisionRule(RuleKind.GUARDED, 1.0))
    <Verdict.FAIL: 'fail'>
    """
    if not (math.isfinite(error) and math.isfinite(mpe) and mpe >= 0):
        raise DecisionRuleError(f"error/mpe: need finite values and mpe ≥ 0 (got {error}, {mpe})")
    size = abs(error)
    if rule.kind == RuleKind.SIMPLE:
        return Verdict.PASS if size <= mpe else Verdict.FAIL
    if expanded_uncertainty is None:
        raise DecisionRuleError(
            f"expanded_uncertainty: the {rule.kind.value} decision rule needs the expanded uncertainty U"
        )
    if not (math.isfinite(expanded_uncertainty) and expanded_uncertainty >= 0):
        raise DecisionRuleError(f"expanded_uncertainty: {expanded_uncertainty} must be ≥ 0")
    w = rule.guard_factor * expanded_uncertainty
    if size <= mpe - w:
        return Verdict.PASS
    if rule.kind == RuleKind.GUARDED:
        return Verdict.FAIL
    if size <= mpe:
        return Verdict.CONDITIONAL_PASS
    if size <= mpe + w:
        return Verdict.CONDITIONAL_FAIL
    return Verdict.FAIL


def rule_from_dict(data: Any, where: str = "decision_rule") -> DecisionRule:
    """Build a rule from its procedure-file form ``{"kind": "guarded", "guard_factor": 1.0}``.

    >>> rule_from_dict({"kind": "simple"})
    DecisionRule(kind=<RuleKind.SIMPLE: 'simple'>, guard_factor=0.0)
    """
    if not isinstance(data, Mapping):
        raise DecisionRuleError(f"{where}: expected an object with a 'kind'")
    try:
        kind = RuleKind(str(data.get("kind")))
    except ValueError:
        raise DecisionRuleError(
            f"{where}.kind: {data.get('kind')!r} is not simple, guarded or non_binary"
        ) from None
    factor = data.get("guard_factor", 0.0)
    if isinstance(factor, bool) or not isinstance(factor, int | float):
        raise DecisionRuleError(f"{where}.guard_factor: {factor!r} is not a number")
    return DecisionRule(kind, float(factor))

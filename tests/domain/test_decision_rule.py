"""Decision rules (lims.domain.decision_rule), ILAC-G8:09/2019 4.2.1-4.2.3, TL = MPE, w = guard_factor · U."""

from __future__ import annotations

import pytest

from lims.domain.decision_rule import (
    DecisionRule,
    DecisionRuleError,
    RuleKind,
    Verdict,
    judge,
    rule_from_dict,
)

SIMPLE = DecisionRule(RuleKind.SIMPLE)
GUARDED = DecisionRule(RuleKind.GUARDED, 1.0)
NON_BINARY = DecisionRule(RuleKind.NON_BINARY, 1.0)


@pytest.mark.parametrize(
    ("rule", "error", "expected"),
    [
        # TL = 1.0, U = 0.2 → w = 0.2; AL = 0.8 for the guarded rules
        (SIMPLE, 0.0, Verdict.PASS),
        (SIMPLE, 1.0, Verdict.PASS),  # 4.2.1: at the limit still passes (up to 50 % false-accept risk)
        (SIMPLE, -1.01, Verdict.FAIL),
        (GUARDED, 0.8, Verdict.PASS),  # 4.2.2: AL = TL − w
        (GUARDED, -0.81, Verdict.FAIL),
        (GUARDED, 1.0, Verdict.FAIL),
        (NON_BINARY, 0.5, Verdict.PASS),  # 4.2.3
        (NON_BINARY, 0.9, Verdict.CONDITIONAL_PASS),
        (NON_BINARY, -1.0, Verdict.CONDITIONAL_PASS),
        (NON_BINARY, 1.1, Verdict.CONDITIONAL_FAIL),
        (NON_BINARY, 1.2, Verdict.CONDITIONAL_FAIL),
        (NON_BINARY, -1.21, Verdict.FAIL),
    ],
)
def test_ilac_g8_rules(rule: DecisionRule, error: float, expected: Verdict) -> None:
    assert judge(error, 1.0, 0.2, rule) == expected


def test_guard_factor_scales_the_band() -> None:
    # w = 2 · U = 0.4 → AL = 0.6
    assert judge(0.6, 1.0, 0.2, DecisionRule(RuleKind.GUARDED, 2.0)) == Verdict.PASS
    assert judge(0.61, 1.0, 0.2, DecisionRule(RuleKind.GUARDED, 2.0)) == Verdict.FAIL


def test_guarded_rules_need_u() -> None:
    with pytest.raises(DecisionRuleError, match="expanded_uncertainty: the guarded decision rule needs"):
        judge(0.1, 1.0, None, GUARDED)
    assert judge(0.1, 1.0, None, SIMPLE) == Verdict.PASS
    assert GUARDED.needs_uncertainty and not SIMPLE.needs_uncertainty


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "strict"}, "decision_rule.kind"),
        ({"kind": "guarded"}, "needs a factor > 0"),
        ({"kind": "guarded", "guard_factor": -1}, "must be ≥ 0"),
        ({"kind": "guarded", "guard_factor": "1"}, "is not a number"),
        (None, "expected an object"),
    ],
)
def test_rule_from_dict_errors(data: object, message: str) -> None:
    with pytest.raises(DecisionRuleError, match=message):
        rule_from_dict(data)


def test_describe_cites_the_clause() -> None:
    assert "4.2.1" in SIMPLE.describe() and "4.2.3" in NON_BINARY.describe()

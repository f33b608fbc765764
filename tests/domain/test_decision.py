"""Decision rules of ILAC-G8:09/2019 4.2 and the probability of conformance of JCGM 106:2012 7.4."""

from __future__ import annotations

import math

import pytest

from lims.domain.decision import (
    DecisionError,
    DecisionRule,
    Specification,
    Statement,
    decide,
    probability_of_conformance,
    test_uncertainty_ratio,
)

SPEC = Specification(lower=9.0, upper=11.0)
U = 0.2  # expanded uncertainty, k = 2


@pytest.mark.parametrize(
    ("value", "simple", "guarded", "non_binary"),
    [
        (10.0, "pass", "pass", "pass"),
        (10.8, "pass", "pass", "pass"),  # exactly U_L − w: limits are inclusive
        (10.9, "pass", "fail", "conditional_pass"),  # inside [L, U_L], outside the acceptance interval
        (11.0, "pass", "fail", "conditional_pass"),  # exactly on the tolerance limit
        (11.1, "fail", "fail", "conditional_fail"),  # outside, within U_L + w
        (11.2, "fail", "fail", "conditional_fail"),  # exactly U_L + w
        (11.3, "fail", "fail", "fail"),
        (8.95, "fail", "fail", "conditional_fail"),
        (9.1, "pass", "fail", "conditional_pass"),
        (8.7, "fail", "fail", "fail"),
    ],
)
def test_ilac_g8_rules(value: float, simple: str, guarded: str, non_binary: str) -> None:
    """ILAC-G8:09/2019 4.2.1 (simple, w = 0), 4.2.2 (guarded, w = U) and 4.2.3 (non-binary, Figure 4)."""
    assert decide(value, U, SPEC, rule=DecisionRule.SIMPLE).statement == Statement(simple)
    assert decide(value, U, SPEC, rule=DecisionRule.GUARDED).statement == Statement(guarded)
    assert decide(value, U, SPEC, rule=DecisionRule.NON_BINARY).statement == Statement(non_binary)


def test_acceptance_limits_and_guard_band() -> None:
    simple = decide(10.0, U, SPEC)
    assert simple.guard_band == 0 and simple.acceptance_limits == (9.0, 11.0)
    guarded = decide(10.0, U, SPEC, rule="guarded", guard_factor=0.5)
    assert guarded.guard_band == pytest.approx(0.1)
    assert guarded.acceptance_limits == pytest.approx((9.1, 10.9))


def test_one_sided_limit() -> None:
    spec = Specification(upper=5.0)
    result = decide(4.85, 0.2, spec, rule=DecisionRule.GUARDED)
    assert result.statement is Statement.FAIL and result.acceptance_limits == (None, 4.8)
    assert decide(-1e9, 0.2, spec, rule=DecisionRule.GUARDED).statement is Statement.PASS


def test_probability_of_conformance_jcgm106() -> None:
    """JCGM 106:2012 7.4: p_c is 0.5 on a limit; with w = U (k = 2) the specific risk of false acceptance
    at the acceptance limit is 1 − Φ(2) = 2.3 % (ILAC-G8 4.2.2: below 2.5 %)."""
    assert probability_of_conformance(11.0, 0.1, SPEC) == pytest.approx(0.5)
    at_limit = decide(10.8, U, SPEC, rule=DecisionRule.GUARDED, standard_uncertainty=0.1)
    assert at_limit.statement is Statement.PASS
    assert at_limit.specific_risk == pytest.approx(1 - 0.5 * math.erfc(-2 / math.sqrt(2)), abs=1e-9)
    assert at_limit.specific_risk < 0.025
    rejected = decide(11.3, U, SPEC, standard_uncertainty=0.1)
    assert rejected.specific_risk == pytest.approx(rejected.probability_of_conformance)  # false rejection


def test_test_uncertainty_ratio() -> None:
    assert test_uncertainty_ratio(SPEC, 0.25) == pytest.approx(4.0)
    with pytest.raises(DecisionError, match="specification: needs both"):
        test_uncertainty_ratio(Specification(upper=1.0), 0.1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Specification(), "specification: needs lower, upper or both"),
        (lambda: Specification(1.0, 1.0), "specification: lower must be below upper"),
        (lambda: Specification(math.nan, 1.0), "specification.lower: must be a finite number"),
        (lambda: decide(10.0, -1.0, SPEC), "expanded_uncertainty: must be >= 0"),
        (
            lambda: decide(10.0, 1.5, SPEC, rule="guarded"),
            "decision_rule.guard_factor: guard band 1.5 leaves",
        ),
        (lambda: decide(10.0, 0.1, SPEC, rule="strict"), "'strict' is not a valid DecisionRule"),
    ],
)
def test_bad_decision_input(call, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()

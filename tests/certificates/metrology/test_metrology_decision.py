"""The one decision engine: ILAC-G8:09/2019 4.2.1-4.2.3 and JCGM 106:2012 7.4 (moved from the two engines
that lims.domain.decision and lims.domain.decision_rule used to be)."""

from __future__ import annotations

import math

import pytest

from certificates.metrology import (
    DecisionRule,
    MetrologyError,
    RuleKind,
    Specification,
    Verdict,
    decide,
    judge,
    probability_of_conformance,
    rule_from_dict,
)
from certificates.metrology.decision import (
    NoAcceptanceInterval,
    NoStatementReason,
    statement,
    test_uncertainty_ratio,
)

SPEC = Specification(lower=9.0, upper=11.0)
U = 0.2  # expanded uncertainty, k = 2
SIMPLE = DecisionRule(RuleKind.SIMPLE)
GUARDED = DecisionRule(RuleKind.GUARDED, 1.0)
NON_BINARY = DecisionRule(RuleKind.NON_BINARY, 1.0)


@pytest.mark.parametrize(
    ("value", "simple", "guarded", "non_binary"),
    [
        (10.0, "pass", "pass", "pass"),
        (10.8, "pass", "pass", "pass"),  # exactly T_U − w: limits are inclusive
        (10.9, "pass", "fail", "conditional_pass"),  # inside the tolerance, outside the acceptance interval
        (11.0, "pass", "fail", "conditional_pass"),  # exactly on the tolerance limit
        (11.1, "fail", "fail", "conditional_fail"),  # outside, within T_U + w
        (11.2, "fail", "fail", "conditional_fail"),  # exactly T_U + w
        (11.3, "fail", "fail", "fail"),
        (8.95, "fail", "fail", "conditional_fail"),
        (9.1, "pass", "fail", "conditional_pass"),
        (8.7, "fail", "fail", "fail"),
    ],
)
def test_ilac_g8_rules_on_an_interval(value: float, simple: str, guarded: str, non_binary: str) -> None:
    """ILAC-G8:09/2019 4.2.1 (simple, w = 0), 4.2.2 (guarded, w = U) and 4.2.3 (non-binary, Figure 4)."""
    assert decide(value, U, SPEC, rule=SIMPLE).verdict == Verdict(simple)
    assert decide(value, U, SPEC, rule=GUARDED).verdict == Verdict(guarded)
    assert decide(value, U, SPEC, rule=NON_BINARY).verdict == Verdict(non_binary)


@pytest.mark.parametrize(
    ("rule", "error", "expected"),
    [
        # TL = MPE = 1.0, U = 0.2 → w = 0.2; acceptance limit AL = 0.8 for the guarded rules
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
def test_ilac_g8_rules_against_an_mpe(rule: DecisionRule, error: float, expected: Verdict) -> None:
    assert judge(error, 1.0, 0.2, rule) == expected


def test_guard_factor_scales_the_band() -> None:
    # w = 2 · U = 0.4 → AL = 0.6
    assert judge(0.6, 1.0, 0.2, DecisionRule(RuleKind.GUARDED, 2.0)) == Verdict.PASS
    assert judge(0.61, 1.0, 0.2, DecisionRule(RuleKind.GUARDED, 2.0)) == Verdict.FAIL


def test_acceptance_limits_and_guard_band() -> None:
    simple = decide(10.0, U, SPEC)
    assert simple.guard_band == 0 and simple.acceptance_limits == (9.0, 11.0)
    guarded = decide(10.0, U, SPEC, rule=DecisionRule(RuleKind.GUARDED, 0.5))
    assert guarded.guard_band == pytest.approx(0.1)
    assert guarded.acceptance_limits == pytest.approx((9.1, 10.9))


def test_a_guard_band_that_leaves_no_acceptance_interval_is_refused() -> None:
    """ILAC-G8 4.2.2: w = 1.5 > half the span 1.0, the acceptance interval is empty: the rule is refused
    (issue 16), for both guarded and non-binary rules; w = exactly half the span is refused too."""
    for rule in (GUARDED, NON_BINARY):
        with pytest.raises(NoAcceptanceInterval, match="no acceptance interval"):
            decide(10.0, 1.5, SPEC, rule=rule)
    half_span = (SPEC.upper - SPEC.lower) / 2  # type: ignore[operator]
    with pytest.raises(NoAcceptanceInterval):
        decide(10.0, half_span, SPEC, rule=GUARDED)


def test_simple_acceptance_needs_tur_of_three() -> None:
    """Issue 16: U ≤ MPE/3. MPE 0.256 bar: U = 0.0853 gives TUR = 0.256/0.0853 = 3.001 → a verdict;
    U = 0.0860 gives TUR = 2.977 → no statement, with the reason."""
    simple = DecisionRule(RuleKind.SIMPLE)
    spec = Specification.symmetric(0.256)
    ok = statement(0.2, 0.0853, spec, rule=simple)
    assert ok.verdict is Verdict.PASS and ok.test_uncertainty_ratio == pytest.approx(3.0012, abs=1e-4)
    low = statement(0.2, 0.0860, spec, rule=simple)
    assert (low.verdict, low.reason) == (Verdict.NO_STATEMENT, NoStatementReason.TUR_BELOW_MINIMUM)
    assert statement(0.2, 0.0860, spec, rule=simple, minimum_tur=2.5).verdict is Verdict.PASS
    guarded = statement(0.05, 0.0860, spec, rule=GUARDED)
    # accepted inside [−0.256 + 0.086, 0.256 − 0.086] = [−0.170, 0.170]; u = U/2 = 0.043:
    # p_c = Φ((0.256 − 0.05)/0.043) − Φ((−0.256 − 0.05)/0.043) = Φ(4.79) − Φ(−7.12) ≈ 0.9999992
    assert guarded.verdict is Verdict.PASS
    assert guarded.probability_of_false_acceptance == pytest.approx(8.3e-7, rel=0.05)


def test_beyond_the_limit_by_more_than_u_fails_whatever_the_tur() -> None:
    """Issue 17 (a failed verification must fail): a scale with e = 5 g reading 30 g high at 15 kg, MPE
    7,5 g (1,5 e), U = 3,9 g → TUR = 7,5/3,9 = 1,92 < 3, yet 30 − 3,9 = 26,1 g > 7,5 g: the whole interval
    is above the limit, so it fails. 10 g high: 10 − 3,9 = 6,1 g ≤ 7,5 g: still no statement. Below the
    lower limit alike: −30 + 3,9 = −26,1 < −7,5."""
    simple = DecisionRule(RuleKind.SIMPLE)
    spec = Specification.symmetric(0.0075)
    high = statement(0.030, 0.0039, spec, rule=simple)
    assert (high.verdict, high.reason) == (Verdict.FAIL, None)
    assert high.test_uncertainty_ratio == pytest.approx(0.0075 / 0.0039)
    assert statement(-0.030, 0.0039, spec, rule=simple).verdict is Verdict.FAIL
    near = statement(0.010, 0.0039, spec, rule=simple)
    assert (near.verdict, near.reason) == (Verdict.NO_STATEMENT, NoStatementReason.TUR_BELOW_MINIMUM)


def test_one_sided_limit() -> None:
    spec = Specification(upper=5.0)
    result = decide(4.85, 0.2, spec, rule=GUARDED)
    assert result.verdict is Verdict.FAIL and result.acceptance_limits == (None, 4.8)
    assert decide(-1e9, 0.2, spec, rule=GUARDED).verdict is Verdict.PASS


def test_probability_of_conformance_jcgm106() -> None:
    """JCGM 106:2012 7.4: p_c is 0.5 on a limit; with w = U (k = 2) the specific risk of false acceptance
    at the acceptance limit is 1 − Φ(2) = 2.3 % (ILAC-G8 4.2.2: below 2.5 %)."""
    assert probability_of_conformance(11.0, 0.1, SPEC) == pytest.approx(0.5)
    at_limit = decide(10.8, U, SPEC, rule=GUARDED, standard_uncertainty=0.1)
    assert at_limit.verdict is Verdict.PASS
    assert at_limit.specific_risk == pytest.approx(1 - 0.5 * math.erfc(-2 / math.sqrt(2)), abs=1e-9)
    assert at_limit.specific_risk < 0.025
    rejected = decide(11.3, U, SPEC, standard_uncertainty=0.1)
    assert rejected.specific_risk == pytest.approx(rejected.probability_of_conformance)  # false rejection


def test_guarded_rules_need_u() -> None:
    with pytest.raises(MetrologyError, match="expanded_uncertainty: the guarded decision rule needs"):
        judge(0.1, 1.0, None, GUARDED)
    assert judge(0.1, 1.0, None, SIMPLE) == Verdict.PASS
    assert GUARDED.needs_uncertainty and not SIMPLE.needs_uncertainty


def test_test_uncertainty_ratio() -> None:
    assert test_uncertainty_ratio(SPEC, 0.25) == pytest.approx(4.0)
    with pytest.raises(MetrologyError, match="specification: needs both"):
        test_uncertainty_ratio(Specification(upper=1.0), 0.1)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Specification(), "specification: needs lower, upper or both"),
        (lambda: Specification(1.0, 1.0), "specification: lower must be below upper"),
        (lambda: Specification(math.nan, 1.0), "specification.lower: must be a finite number"),
        (lambda: decide(10.0, -1.0, SPEC), "expanded_uncertainty: must be >= 0"),
        (lambda: DecisionRule("strict"), "'strict' is not a valid RuleKind"),  # type: ignore[arg-type]
    ],
)
def test_bad_decision_input(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call()


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
    with pytest.raises(MetrologyError, match=message):
        rule_from_dict(data)


def test_description_in_both_languages_cites_the_clause() -> None:
    assert SIMPLE.describe("en") == "ILAC-G8:09/2019 4.2.1, binary statement with simple acceptance (w = 0)"
    assert DecisionRule(RuleKind.NON_BINARY, 1.5).describe("vi") == (
        "ILAC-G8:09/2019 mục 4.2.3 – tuyên bố không nhị phân có dải bảo vệ w = 1,5·U"
    )


def test_verdicts_and_their_dcc_names() -> None:
    assert [v.value for v in Verdict] == [
        "pass",
        "fail",
        "conditional_pass",
        "conditional_fail",
        "no_statement",
    ]
    assert [v.dcc for v in Verdict] == ["pass", "fail", "conditionalPass", "conditionalFail", None]
    assert Verdict.NO_STATEMENT.text("vi") == "Không tuyên bố"

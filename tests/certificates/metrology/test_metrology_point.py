"""Coverage statement (EA-4/02 M:2022 section 5), the point result's display and its versioned codec."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from certificates.metrology import (
    CoverageDistribution,
    DecisionRule,
    MetrologyError,
    PointResult,
    RuleKind,
    Verdict,
    coverage_statement,
)
from certificates.metrology.codec import SCHEMA_VERSION, decode, encode
from certificates.metrology.display import point_json, point_text


def test_k_for_seven_effective_degrees_of_freedom_is_t() -> None:
    """EA-4/02 M:2022 (table of k for p = 95.45 %): ν_eff = 7 → k = 2.43 = t_0.97725(7)."""
    k = stats.t.ppf((1 + 0.9545) / 2, 7)
    assert round(k, 2) == 2.43
    text = coverage_statement(
        coverage_factor=Decimal("2.43"),
        coverage_probability=Decimal("0.9545"),
        distribution=CoverageDistribution.T,
        effective_dof=Decimal("7.4"),
        language="en",
    )
    assert text == "t-distribution with ν_eff = 7, k = 2.43, coverage probability approximately 95 %"
    assert "normal" not in text


def test_normal_only_when_k_came_from_the_normal() -> None:
    args = {"coverage_factor": Decimal("2"), "coverage_probability": Decimal("0.9545"), "effective_dof": None}
    assert coverage_statement(distribution=CoverageDistribution.NORMAL, language="vi", **args) == (
        "phân bố chuẩn, k = 2, xác suất phủ xấp xỉ 95 %"
    )
    with pytest.raises(MetrologyError, match="finite ν_eff"):
        coverage_statement(distribution=CoverageDistribution.T, language="en", **args)


def _point(**over: object) -> PointResult:
    values: dict[str, object] = {
        "quantity": "temperature",
        "unit": "°C",
        "nominal": Decimal("20"),
        "reference_value": Decimal("20.0003"),
        "indication": Decimal("19.98681"),
        "error": Decimal("-0.01349"),
        "standard_uncertainty": Decimal("0.03372"),
        "effective_dof": Decimal("7.4"),
        "coverage_factor": Decimal("2.43"),
        "coverage_probability": Decimal("0.9545"),
        "distribution": CoverageDistribution.T,
        "expanded_uncertainty": Decimal("0.0819466"),
        "mpe": Decimal("0.5"),
        "decision_rule": DecisionRule(RuleKind.SIMPLE),
        "verdict": Verdict.PASS,
        "bench_reading_ids": (4, 5, 6),
    }
    values.update(over)
    return PointResult(**values)  # type: ignore[arg-type]


def test_one_point_reads_the_same_in_both_languages() -> None:
    # U 0.0819466 → 0.082; error −0.01349 → −0.013; reference 20.0003 → 20.000; MPE 0.5 → 0.500
    vi, en = point_text(_point(), "vi"), point_text(_point(), "en")
    assert (vi.expanded_uncertainty, vi.error, vi.reference, vi.mpe) == (
        "0,082",
        "-0,013",
        "20,000",
        "±0,500",
    )
    assert (en.expanded_uncertainty, en.error, en.reference, en.mpe) == (
        "0.082",
        "-0.013",
        "20.000",
        "±0.500",
    )
    assert (vi.coverage_factor, en.coverage_factor, vi.verdict, en.verdict) == (
        "2,43",
        "2.43",
        "Phù hợp",
        "Pass",
    )
    assert point_json(_point(), 0) == {
        "index": 0,
        "quantity": "temperature",
        "unit": "°C",
        "reference": "20.000",
        "indication": "19.987",
        "error": "-0.013",
        "expanded_uncertainty": "0.082",
        "coverage_factor": "2.43",
        "dof_eff": "7",
        "coverage_probability": "0.9545",
        "mpe": "0.500",
        "decision_rule": "simple",
        "verdict": "pass",
        "interval_method": "lpu",
        "hysteresis": None,
        "no_statement_reason": None,
        "probability_of_false_acceptance": None,
        "notes": [],
    }


def test_a_point_refuses_contradictions() -> None:
    with pytest.raises(MetrologyError, match=r"point\.distribution"):
        _point(effective_dof=None)
    with pytest.raises(MetrologyError, match=r"point\.expanded_uncertainty"):
        _point(expanded_uncertainty=Decimal("0"))
    with pytest.raises(MetrologyError, match=r"point\.error"):
        _point(error=0.1)


_decimals = st.decimals(min_value=Decimal("-1e6"), max_value=Decimal("1e6"), allow_nan=False, places=7)
_positive = st.decimals(min_value=Decimal("1e-9"), max_value=Decimal("1e4"), allow_nan=False, places=9)


@given(
    error=_decimals,
    reference=_decimals,
    u=_positive,
    dof=st.none() | st.decimals(min_value=1, max_value=1000, places=1),
    mpe=st.none() | _positive,
    verdict=st.none() | st.sampled_from(list(Verdict)),
    rule=st.none() | st.sampled_from([DecisionRule(RuleKind.SIMPLE), DecisionRule(RuleKind.NON_BINARY, 0.5)]),
    ids=st.lists(st.integers(min_value=1, max_value=10**9), max_size=5),
    as_found=st.booleans(),
)
def test_codec_round_trip(
    error: Decimal,
    reference: Decimal,
    u: Decimal,
    dof: Decimal | None,
    mpe: Decimal | None,
    verdict: Verdict | None,
    rule: DecisionRule | None,
    ids: list[int],
    as_found: bool,
) -> None:
    point = _point(
        error=error,
        reference_value=reference,
        indication=reference + error,
        expanded_uncertainty=u,
        effective_dof=dof,
        distribution=CoverageDistribution.NORMAL if dof is None else CoverageDistribution.T,
        mpe=mpe,
        verdict=verdict,
        decision_rule=rule,
        bench_reading_ids=tuple(ids),
        as_found=as_found,
    )
    doc = encode(point, budget={"model": "x"})
    assert doc["schema_version"] == SCHEMA_VERSION
    back = decode(doc)
    assert back == point
    assert all(str(getattr(back, f)) == str(getattr(point, f)) for f in ("error", "expanded_uncertainty"))


def test_codec_reads_version_2_documents() -> None:
    """A point stored before version 3 is still read: its interval is the (unvalidated) law of propagation and
    the new fields are empty; written again it becomes version 3 with the same numbers."""
    doc = encode(_point())
    old = {
        k: v
        for k, v in doc.items()
        if k
        not in (
            "interval_method",
            "no_statement_reason",
            "notes",
            "hysteresis",
            "probability_of_false_acceptance",
        )
    }
    old["schema_version"] = 2
    point = decode(old)
    assert point.interval_method.value == "lpu" and point.hysteresis is None and point.notes == ()
    assert decode(encode(point)) == point and encode(point)["schema_version"] == 3


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"schema_version": 4}, "4 is not a known point-result schema"),
        ({"mean": 1.0, "error": 0.1}, "no schema version: run `lims db upgrade`"),
        ({**encode(_point()), "error": "abc"}, "result.error: must be a number"),
        ({**encode(_point()), "verdict": "maybe"}, "'maybe' is not a valid Verdict"),
        ({**encode(_point()), "unit": None}, "result.unit: is missing"),
    ],
)
def test_codec_refuses_unknown_documents(doc: dict[str, object], message: str) -> None:
    with pytest.raises(MetrologyError, match=message.replace("(", r"\(")):
        decode(doc)

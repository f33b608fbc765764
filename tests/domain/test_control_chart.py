"""Intermediate checks on a Shewhart individuals chart (ISO/IEC 17025:2017 6.4.10)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from lims.domain.calibration_points import InvalidRecord
from lims.domain.control_chart import (
    CheckPoint,
    RunRule,
    build_chart,
    find_signals,
    limits_from_moving_range,
    render_svg,
    stated_limits,
)

SVG = "{http://www.w3.org/2000/svg}"
UNIT_LIMITS = stated_limits(0.0, -3.0, 3.0)  # σ = 1 on both sides


def checks(values: list[float]) -> list[CheckPoint]:
    return [CheckPoint(date(2025, 1, 6) + timedelta(weeks=i), v) for i, v in enumerate(values)]


def signals(values: list[float], *rules: RunRule) -> list[tuple[str, int]]:
    return [(s.rule.value, s.index) for s in find_signals(values, UNIT_LIMITS, rules or tuple(RunRule))]


def test_limits_from_moving_range_hand_computation() -> None:
    # Individuals chart (ISO 7870-2; NIST/SEMATECH e-Handbook 6.3.2): centre = mean, sigma = MRbar / d2,
    # d2 = 1.128 for moving ranges of two, limits = centre +/- 3 sigma (= centre +/- 2.66 MRbar).
    values = [10.0, 10.2, 9.9, 10.1, 10.3]
    mean = (10.0 + 10.2 + 9.9 + 10.1 + 10.3) / 5  # 10.1
    mr_bar = (0.2 + 0.3 + 0.2 + 0.2) / 4  # 0.225
    half_width = 3 * mr_bar / 1.128  # 0.5984
    limits = limits_from_moving_range(values)
    assert limits.centre == pytest.approx(mean)
    assert limits.upper == pytest.approx(mean + half_width)
    assert limits.lower == pytest.approx(mean - half_width)
    assert limits.upper == pytest.approx(mean + 2.66 * mr_bar, rel=1e-4)
    assert limits.source == "moving_range"


def test_limits_come_from_the_baseline_only() -> None:
    chart = build_chart(checks([5.0, 5.1, 4.9, 5.0, 9.0]), title="t", unit="mg", baseline_count=4)
    assert chart.limits.centre == pytest.approx(5.0)
    assert chart.outside_limits == (4,)
    assert chart.review_required and chart.flagged_indices == (4,)


def test_rule_1_point_beyond_limits_not_on_them() -> None:
    found = signals([0.0, 3.0, 3.01, -3.2], RunRule.BEYOND_LIMITS)
    assert found == [("beyond_limits", 2), ("beyond_limits", 3)]


def test_rule_2_two_of_three_beyond_two_sigma_same_side() -> None:
    assert signals([2.1, 0.0, 2.1], RunRule.TWO_OF_THREE_BEYOND_2_SIGMA) == [("two_of_three", 2)]
    assert signals([-2.5, -2.1], RunRule.TWO_OF_THREE_BEYOND_2_SIGMA) == [("two_of_three", 1)]
    assert signals([2.1, -2.1, 0.5], RunRule.TWO_OF_THREE_BEYOND_2_SIGMA) == []
    assert signals([2.0, 2.1], RunRule.TWO_OF_THREE_BEYOND_2_SIGMA) == []  # 2.0 is on the boundary
    assert signals([2.1, 0.0, 0.0, 2.1], RunRule.TWO_OF_THREE_BEYOND_2_SIGMA) == []  # not within three


def test_rule_3_four_of_five_beyond_one_sigma_same_side() -> None:
    assert signals([1.1, 1.2, 0.5, 1.3, 1.4], RunRule.FOUR_OF_FIVE_BEYOND_1_SIGMA) == [("four_of_five", 4)]
    assert signals([1.1, 1.2, 0.5, 1.3, -1.4], RunRule.FOUR_OF_FIVE_BEYOND_1_SIGMA) == []


def test_rule_4_eight_on_one_side() -> None:
    assert signals([0.1] * 8, RunRule.EIGHT_ON_ONE_SIDE) == [("eight_on_one_side", 7)]
    found = signals([-0.1] * 9, RunRule.EIGHT_ON_ONE_SIDE)
    assert found == [("eight_on_one_side", 7), ("eight_on_one_side", 8)]
    assert signals([0.1] * 4 + [0.0] + [0.1] * 4, RunRule.EIGHT_ON_ONE_SIDE) == []


def test_all_rules_together_and_in_control_data() -> None:
    assert signals([0.5, -0.3, 0.8, -1.2, 0.1, 0.4, -0.6, 0.2, -0.1]) == []
    assert signals([0.5, 2.5, -0.2, 2.2, 3.5]) == [
        ("two_of_three", 3),
        ("beyond_limits", 4),
        ("two_of_three", 4),
    ]


def test_asymmetric_stated_limits_scale_each_side() -> None:
    limits = stated_limits(10.0, 9.0, 13.0)  # sigma 1/3 below, 1 above
    assert limits.sigmas(9.5) == pytest.approx(-1.5)
    assert limits.sigmas(12.5) == pytest.approx(2.5)
    assert limits.at_sigma(-3) == pytest.approx(9.0)


def test_svg_is_well_formed_accessible_and_escaped() -> None:
    title = "Check <script>alert('x')</script> & \"M-01\" — kiểm tra"
    values = [5.0, 5.1, 4.9, 5.0, 5.05, 4.95, 5.02, 4.98, 5.0, 5.1, 6.0, 5.3]
    chart = build_chart(checks(values), title=title, unit="mg <net>", baseline_count=10)
    svg = render_svg(chart, id_prefix="m01")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    assert set(root.get("aria-labelledby", "").split()) == {"m01-title", "m01-desc"} <= ids
    assert root.find(f"{SVG}title").text == title  # type: ignore[union-attr]
    assert "2 point(s) flagged" in root.find(f"{SVG}desc").text  # type: ignore[union-attr]
    assert not [el for el in root.iter() if el.tag.endswith("script") or el.tag.endswith("foreignObject")]
    assert not [name for el in root.iter() for name in el.attrib if name.lower().startswith("on")]
    circles = root.findall(f".//{SVG}circle")
    flagged = [el for el in root.iter(f"{SVG}path") if el.get("class") == "flagged"]
    assert len(circles) + len(flagged) == len(values)
    assert len(flagged) == len(chart.flagged_indices) == 2
    assert "outside the control limits" in flagged[0].find(f"{SVG}title").text  # type: ignore[union-attr]
    assert any(t.text == "mg <net>" for t in root.iter(f"{SVG}text"))
    assert "<script>" not in svg


def test_svg_without_checks_still_renders() -> None:
    chart = build_chart([], title="empty", unit="V", limits=stated_limits(1.0, 0.9, 1.1))
    root = ET.fromstring(render_svg(chart))
    assert any(t.text == "No check recorded" for t in root.iter(f"{SVG}text"))
    assert not chart.review_required


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: limits_from_moving_range([1.0]), "values"),
        (lambda: limits_from_moving_range([1.0, 1.0, 1.0]), "values"),
        (lambda: stated_limits(1.0, 1.2, 2.0), "limits"),
        (lambda: CheckPoint(date(2025, 1, 1), float("inf")), "value"),
        (lambda: build_chart(checks([1.0, 2.0]), title="t", unit=" "), "unit"),
        (lambda: build_chart(list(reversed(checks([1.0, 2.0]))), title="t", unit="g"), "points"),
        (lambda: build_chart(checks([1.0, 2.0]), title="t", unit="g", baseline_count=3), "baseline_count"),
        (
            lambda: render_svg(build_chart(checks([1.0, 2.0]), title="t", unit="g"), id_prefix="1 a"),
            "id_prefix",
        ),
        (lambda: render_svg(build_chart(checks([1.0, 2.0]), title="t", unit="g"), width=100), "width"),
    ],
)
def test_bad_input_names_the_field(call: object, field: str) -> None:
    with pytest.raises(InvalidRecord) as info:
        call()  # type: ignore[operator]
    assert info.value.field == field

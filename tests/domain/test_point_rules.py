"""Test point rules (lims.domain.test_points)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lims.domain.test_points import (
    ExplicitPoints,
    PercentOfRangeRule,
    PointOutOfRange,
    TestPointError,
    check_in_range,
    generate_points,
    parse_rule,
    round_to_resolution,
    rule_from_dict,
    rule_to_dict,
)


@pytest.mark.parametrize(
    ("rule", "range_min", "range_max", "resolution", "expected"),
    [
        # DKD-R 6-1 style: 0, 25, 50, 75, 100 % of a 0–16 bar gauge read to 0.1 bar
        (PercentOfRangeRule((0, 25, 50, 75, 100)), 0.0, 16.0, 0.1, (0.0, 4.0, 8.0, 12.0, 16.0)),
        # compound gauge −1…+5 bar: percentages of the span, from range_min
        (PercentOfRangeRule((0, 50, 100)), -1.0, 5.0, 0.05, (-1.0, 2.0, 5.0)),
        # 30 kg × 5 g scale: 10 % = 3 kg, 25 % = 7.5 kg
        (PercentOfRangeRule((10, 25, 50)), 0.0, 30.0, 0.005, (3.0, 7.5, 15.0)),
        # 33 % of 10 V on a 1 mV display is rounded to 3.3 V, not 3.3000000000000003
        (PercentOfRangeRule((33,)), 0.0, 10.0, 0.001, (3.3,)),
        # 1/3 of 0–1 rounded to 0.01; duplicates after rounding are dropped
        (PercentOfRangeRule((33.3, 33.31, 66.7)), 0.0, 1.0, 0.01, (0.33, 0.67)),
        (ExplicitPoints((0.0, 25.0, 50.0)), -50.0, 150.0, 0.1, (0.0, 25.0, 50.0)),
        (ExplicitPoints((20.04,)), 0.0, 100.0, 0.1, (20.0,)),
    ],
)
def test_generate_points(
    rule: object, range_min: float, range_max: float, resolution: float, expected: tuple[float, ...]
) -> None:
    assert (
        generate_points(
            rule,
            range_min=range_min,
            range_max=range_max,  # type: ignore[arg-type]
            resolution=resolution,
        )
        == expected
    )


def test_point_outside_range_names_point_and_range() -> None:
    with pytest.raises(
        PointOutOfRange, match=r"test point 120 °C is outside the instrument's range -50 °C to 100 °C"
    ):
        generate_points(
            ExplicitPoints((0.0, 120.0)), range_min=-50.0, range_max=100.0, resolution=0.1, unit="°C"
        )
    with pytest.raises(PointOutOfRange) as info:
        check_in_range(-0.5, range_min=0.0, range_max=10.0)
    assert (info.value.point, info.value.range_min, info.value.range_max) == (-0.5, 0.0, 10.0)
    assert isinstance(info.value, ValueError)


def test_range_ends_are_inside() -> None:
    check_in_range(0.0, range_min=0.0, range_max=10.0)
    check_in_range(10.0, range_min=0.0, range_max=10.0)
    check_in_range(0.1 + 0.2, range_min=0.0, range_max=0.3)  # float noise is not an excess


@pytest.mark.parametrize(
    ("value", "resolution", "expected"),
    [
        (2.3456, 0.005, 2.345),
        (2.3476, 0.005, 2.35),
        (12.5, 5.0, 10.0),
        (17.5, 5.0, 20.0),
        (0.125, 0.01, 0.12),
        (-0.04, 0.1, 0.0),
        (7.25, 0.5, 7.0),
        (1234.5678, 0.001, 1234.568),
    ],
)
def test_round_to_resolution_half_even(value: float, resolution: float, expected: float) -> None:
    assert round_to_resolution(value, resolution) == expected


@given(st.floats(-1e6, 1e6), st.sampled_from([0.001, 0.002, 0.005, 0.01, 0.05, 0.1, 0.2, 0.5, 1.0, 5.0]))
def test_rounded_value_is_a_multiple_of_resolution_within_half_a_step(
    value: float, resolution: float
) -> None:
    rounded = round_to_resolution(value, resolution)
    steps = rounded / resolution
    assert abs(steps - round(steps)) < 1e-6
    assert abs(rounded - value) <= resolution / 2 * (1 + 1e-9) + 1e-9 * abs(value)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("0, 25, 50, 75, 100 % of range", PercentOfRangeRule((0, 25, 50, 75, 100))),
        ("10;50;90 %", PercentOfRangeRule((10, 50, 90))),
        ("20 50 80 % of span", PercentOfRangeRule((20, 50, 80))),
        ("0.5, 1, 2", ExplicitPoints((0.5, 1.0, 2.0))),
        ("-20, 0, 37", ExplicitPoints((-20.0, 0.0, 37.0))),
    ],
)
def test_parse_rule(text: str, rule: object) -> None:
    assert parse_rule(text) == rule


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0, 50, 150 % of range", "150 % is not between"),
        ("1, two, 3", "'two' is not a number"),
        ("", "no values"),
    ],
)
def test_parse_rule_errors(text: str, message: str) -> None:
    with pytest.raises(TestPointError, match=message):
        parse_rule(text)


@pytest.mark.parametrize(
    "data",
    [{"kind": "explicit", "nominals": [1.0, 2.0]}, {"kind": "percent_of_range", "percents": [0.0, 100.0]}],
)
def test_rule_dict_round_trip(data: dict[str, object]) -> None:
    assert rule_to_dict(rule_from_dict(data)) == data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "every"}, "test_points.kind"),
        ({"kind": "explicit", "nominals": []}, "test_points.nominals"),
        ({"kind": "explicit", "nominals": [1, "2"]}, r"test_points.nominals\[1\]"),
        ({"kind": "percent_of_range", "percents": [-5]}, "-5 % is not between"),
    ],
)
def test_rule_from_dict_errors(data: dict[str, object], message: str) -> None:
    with pytest.raises(TestPointError, match=message):
        rule_from_dict(data)

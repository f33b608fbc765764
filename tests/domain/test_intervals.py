"""Calibration intervals (ISO/IEC 17025:2017 6.4.7; ILAC-G24:2022 / OIML D 10:2022 clause 6)."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from lims.domain.calibration_points import InvalidRecord
from lims.domain.intervals import (
    AsFound,
    DueItem,
    DueStatus,
    ErrorObservation,
    StaircaseAction,
    StaircaseRule,
    control_chart_interval,
    due_on,
    due_status,
    error_ratio,
    recall_list,
    staircase,
)


def half_up(x: float) -> int:
    return math.floor(x + 0.5)


def test_staircase_worked_example() -> None:
    # ILAC-G24 Method 1 with the guide's example threshold (extend when within 80 % of the MPE, reduce when
    # outside the MPE) and this project's documented steps (x1.25 / x0.5, rounded half up to whole days).
    ratios = [0.50, 0.60, 0.80, 0.95, 1.20, 0.30]
    history = [AsFound(date(2019 + i, 3, 1), r) for i, r in enumerate(ratios)]
    result = staircase(history, initial_days=365)

    expected = [365]
    expected.append(half_up(expected[-1] * 1.25))  # 0.50 <= 0.8: 456.25 -> 456
    expected.append(half_up(expected[-1] * 1.25))  # 0.60: 570.0 -> 570
    expected.append(half_up(expected[-1] * 1.25))  # 0.80 is "within 80 %": 712.5 -> 713
    expected.append(expected[-1])  # 0.95: inside the MPE but above 80 % -> keep 713
    expected.append(half_up(expected[-1] * 0.5))  # 1.20: outside the MPE -> 356.5 -> 357
    expected.append(half_up(expected[-1] * 1.25))  # 0.30: 446.25 -> 446
    assert expected == [365, 456, 570, 713, 713, 357, 446]

    assert [s.interval_before_days for s in result.steps] == expected[:-1]
    assert [s.interval_after_days for s in result.steps] == expected[1:]
    assert [s.action for s in result.steps] == [
        StaircaseAction.EXTEND,
        StaircaseAction.EXTEND,
        StaircaseAction.EXTEND,
        StaircaseAction.KEEP,
        StaircaseAction.REDUCE,
        StaircaseAction.EXTEND,
    ]
    assert result.recommended_days == 446


def test_staircase_is_bounded() -> None:
    rule = StaircaseRule(minimum_days=30, maximum_days=400)
    two_failures = [AsFound(date(2024, 1, 1), 2.0), AsFound(date(2024, 2, 1), 2.0)]
    low = staircase(two_failures, initial_days=40, rule=rule)
    assert [s.interval_after_days for s in low.steps] == [30, 30]
    high = staircase([AsFound(date(2024, 1, 1), 0.1)], initial_days=380, rule=rule)
    assert high.recommended_days == 400


def test_staircase_without_history_keeps_initial_interval() -> None:
    assert staircase([], initial_days=365).recommended_days == 365


def test_error_ratio_is_worst_point() -> None:
    assert error_ratio([0.1, -0.3, 0.2], [0.5, 0.5, 1.0]) == pytest.approx(0.6)


def test_control_chart_method_against_hand_computation() -> None:
    # ILAC-G24 Method 2: drift = least-squares slope, scatter = residual s.d. (n - 2), then
    # |b| T + k s = limit (corrections applied) or |e(t_last)| + |b| T + k s = limit (nominal value used).
    days = [0, 365, 730, 1095]
    errors = [0.00, 0.03, 0.05, 0.09]
    history = [ErrorObservation(date(2021 + i, 1, 1), e) for i, e in enumerate(errors)]
    t_mean, e_mean = 547.5, 0.0425
    sxx = 2 * (547.5**2 + 182.5**2)  # 666125
    sxy = sum((t - t_mean) * (e - e_mean) for t, e in zip(days, errors, strict=True))
    assert sxx == 666125 and sxy == pytest.approx(52.925)
    slope = sxy / sxx  # 7.9452e-5 per day (0.029 per year)
    intercept = e_mean - slope * t_mean  # -0.001
    assert intercept == pytest.approx(-0.001)
    residuals = [0.001, 0.002, -0.007, 0.004]
    scatter = math.sqrt(sum(r * r for r in residuals) / 2)  # sqrt(35e-6) = 0.005916
    corrected = control_chart_interval(history, limit=0.1)
    assert corrected.drift_per_day == pytest.approx(slope)
    assert corrected.scatter == pytest.approx(scatter)
    assert corrected.interval_days == math.floor((0.1 - 2 * scatter) / slope) == 1109
    assert corrected.limited_by == "drift"

    last_error = intercept + slope * 1095  # 0.086
    nominal = control_chart_interval(history, limit=0.1, corrections_applied=False, minimum_days=7)
    assert nominal.interval_days == math.floor((0.1 - 2 * scatter - last_error) / slope) == 27
    assert control_chart_interval(history, limit=0.1, corrections_applied=False).limited_by == "minimum"
    assert control_chart_interval(history, limit=0.5).limited_by == "maximum"


def test_control_chart_without_drift_gives_the_maximum() -> None:
    flat = [ErrorObservation(date(2020 + i, 6, 1), e) for i, e in enumerate([0.01, -0.01, 0.01, -0.01])]
    result = control_chart_interval(flat, limit=0.1, maximum_days=730)
    assert (result.interval_days, result.limited_by) == (730, "maximum")


def test_due_dates_and_status() -> None:
    assert due_on(date(2024, 2, 29), 365) == date(2025, 2, 28)
    due = date(2025, 6, 30)
    assert due_status(due, today=date(2025, 5, 30), due_within_days=30) is DueStatus.IN_SERVICE
    assert due_status(due, today=date(2025, 5, 31), due_within_days=30) is DueStatus.DUE
    assert due_status(due, today=due, due_within_days=0) is DueStatus.DUE
    assert due_status(due, today=date(2025, 7, 1)) is DueStatus.OVERDUE
    entries = recall_list(
        [DueItem("1", "M-01", due), DueItem("2", "T-01", date(2025, 1, 1))],
        today=date(2025, 6, 15),
        due_within_days=30,
    )
    assert [(e.item.asset_number, e.status, e.days_left) for e in entries] == [
        ("T-01", DueStatus.OVERDUE, -165),
        ("M-01", DueStatus.DUE, 15),
    ]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (
            lambda: staircase(
                [AsFound(date(2024, 2, 1), 0.1), AsFound(date(2024, 1, 1), 0.1)], initial_days=365
            ),
            "history",
        ),
        (lambda: staircase([], initial_days=5), "initial_days"),
        (lambda: StaircaseRule(extend_at_most=1.5), "extend_at_most"),
        (lambda: StaircaseRule(extension_factor=1.0), "extension_factor"),
        (lambda: StaircaseRule(reduction_factor=1.0), "reduction_factor"),
        (lambda: StaircaseRule(minimum_days=500, maximum_days=400), "minimum_days"),
        (lambda: AsFound(date(2024, 1, 1), float("nan")), "error_ratio"),
        (lambda: error_ratio([0.1], [0.0]), "mpe"),
        (lambda: error_ratio([], []), "errors"),
        (lambda: control_chart_interval([ErrorObservation(date(2024, 1, 1), 0.0)] * 2, limit=1.0), "history"),
        (lambda: control_chart_interval([ErrorObservation(date(2024, 1, 1), 0.0)] * 3, limit=1.0), "history"),
        (
            lambda: control_chart_interval(
                [ErrorObservation(date(2020 + i, 1, 1), 0.0) for i in range(3)], limit=0.0
            ),
            "limit",
        ),
        (lambda: due_on(date(2024, 1, 1), 0), "interval_days"),
        (lambda: due_status(date(2024, 1, 1), today=date(2024, 1, 1), due_within_days=-1), "due_within_days"),
    ],
)
def test_bad_input_names_the_field(call: object, field: str) -> None:
    with pytest.raises(InvalidRecord) as info:
        call()  # type: ignore[operator]
    assert info.value.field == field


def test_method_2_counts_the_current_error_so_out_of_tolerance_never_lengthens() -> None:
    """Issue 22: checks 0, 1, 2, 3, 3 mg (every 30 days) within ±10 mg, then +12 mg.

    t = 0, 30, 60, 90, 120 d; t̄ = 60, ē = 1.8; Sxx = 3600+900+0+900+3600 = 9000;
    Sxy = (−60)(−1.8)+(−30)(−0.8)+0+(30)(1.2)+(60)(1.2) = 108+24+36+72 = 240; b = 240/9000 = 0.026667 mg/d;
    a = 1.8 − 0.026667·60 = 0.2; fitted now = 0.2 + 0.026667·120 = 3.4 mg;
    residuals −0.2, 0, 0.2, 0.4, −0.4 → Σr² = 0.4, s = √(0.4/3) = 0.36515, k·s = 0.73030;
    budget = 10 − 0.73030 − 3.4 = 5.86970 mg → T = 5.86970 / 0.026667 = 220.1 → 220 days.
    """
    checks = [ErrorObservation(date(2026, 1, 1) + timedelta(days=30 * i), e) for i, e in enumerate([0, 1, 2, 3, 3])]
    before = control_chart_interval(checks, limit=10, corrections_applied=False)
    assert before.current_error == pytest.approx(3.4)
    assert before.budget == pytest.approx(10 - 2 * math.sqrt(0.4 / 3) - 3.4)
    assert (before.interval_days, before.limited_by) == (220, "drift")
    failed = [*checks, ErrorObservation(date(2026, 1, 1) + timedelta(days=150), 12)]
    after = control_chart_interval(failed, limit=10, corrections_applied=False)
    assert (after.interval_days, after.limited_by) == (30, "out_of_tolerance") and after.current_error == 12
    assert after.interval_days <= before.interval_days
    # the issue's own series: 0, 3, 6, 9, 9 mg gave 97 days without the current error; the fitted error now
    # is 0.6 + 0.08·120 = 10.2 mg, beyond ±10 mg: no budget is left, the minimum is recommended
    issue = [ErrorObservation(date(2026, 1, 1) + timedelta(days=30 * i), e) for i, e in enumerate([0, 3, 6, 9, 9])]
    assert control_chart_interval(issue, limit=10).interval_days == 97  # corrections applied: the old answer
    assert control_chart_interval(issue, limit=10, corrections_applied=False).interval_days == 30
    issue_12 = [*issue, ErrorObservation(date(2026, 1, 1) + timedelta(days=150), 12)]
    assert control_chart_interval(issue_12, limit=10, corrections_applied=False).interval_days == 30

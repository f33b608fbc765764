"""The statement under a results table: each method once, k per point by reference to the table's column
(EA-4/02 M:2022 section 5; ILAC-P14:09/2020 6.2; JCGM 101:2008 clause 8)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from certificates.metrology import CoverageDistribution, IntervalMethod, PointResult
from certificates.metrology.coverage import coverage_factor_text
from certificates.metrology.summary import coverage_summary, point_labels_text


def _point(
    k: str, *, method: IntervalMethod = IntervalMethod.LPU_VALIDATED, dof: str | None = None
) -> PointResult:
    return PointResult(
        "mass",
        "kg",
        D(1),
        D(1),
        D("1.0005"),
        D("0.0005"),
        D("0.00033"),
        None if dof is None else D(dof),
        D(k),
        D("0.9545"),
        CoverageDistribution.NORMAL if dof is None else CoverageDistribution.T,
        D("0.00067"),
        interval_method=method,
    )


def _numbered(*points: PointResult) -> list[tuple[str, PointResult]]:
    return [(str(n), p) for n, p in enumerate(points, start=1)]


MC = IntervalMethod.MCM


def test_job_2026_00009_monte_carlo_with_mixed_k_names_the_method_once() -> None:
    """The demo scale verification: five Monte Carlo points, k = U/u = 2.0 at four and 2.01 at one."""
    points = _numbered(*[_point("2.01" if n == 4 else "2.0", method=MC) for n in range(1, 6)])
    assert coverage_summary(points, "en") == (
        "Monte Carlo method (JCGM 101:2008), coverage factor k = U/u as given for each point, "
        "coverage probability approximately 95 %"
    )
    assert coverage_summary(points, "vi") == (
        "phương pháp Monte Carlo (JCGM 101:2008), hệ số phủ k = U/u ghi cho từng điểm đo, "
        "xác suất phủ xấp xỉ 95 %"
    )


def test_one_k_is_stated_with_the_method_in_its_table_form() -> None:
    points = _numbered(_point("2.0", method=MC), _point("2", method=MC))
    assert coverage_summary(points, "en") == (
        "Monte Carlo method (JCGM 101:2008), k = U/u = 2, coverage probability approximately 95 %"
    )
    assert coverage_summary(_numbered(_point("2")), "vi") == "phân bố chuẩn, k = 2, xác suất phủ xấp xỉ 95 %"


def test_methods_side_by_side_name_their_points_and_p_once() -> None:
    points = _numbered(
        _point("2"), _point("2"), _point("2.01", method=MC), _point("2"), _point("2.43", dof="7.4")
    )
    assert coverage_summary(points, "en") == (
        "normal distribution, k = 2 (points 1–2, 4); Monte Carlo method (JCGM 101:2008), k = U/u = 2.01 "
        "(point 3); t-distribution with ν_eff = 7, k = 2.43 (point 5); coverage probability approximately 95 %"
    )
    assert coverage_summary(points, "vi") == (
        "phân bố chuẩn, k = 2 (các điểm 1–2, 4); phương pháp Monte Carlo (JCGM 101:2008), k = U/u = 2,01 "
        "(điểm 3); phân bố t với ν_eff = 7, k = 2,43 (điểm 5); xác suất phủ xấp xỉ 95 %"
    )


def test_each_effective_degrees_of_freedom_is_stated_with_its_k() -> None:
    """ν_eff is in no table column, so each (ν_eff, k) is given with its points (EA-4/02 M:2022 5)."""
    points = _numbered(_point("2.43", dof="7.4"), _point("2.43", dof="7.9"), _point("2.32", dof="9"))
    assert coverage_summary(points, "en") == (
        "t-distribution with ν_eff = 7, k = 2.43 (points 1–2), ν_eff = 9, k = 2.32 (point 3), "
        "coverage probability approximately 95 %"
    )


def test_a_differing_coverage_probability_is_stated_per_method() -> None:
    points = _numbered(_point("2"), replace(_point("2.58"), coverage_probability=D("0.99")))
    assert coverage_summary(points, "en") == (
        "normal distribution, k = 2 (point 1), coverage probability approximately 95 %; "
        "normal distribution, k = 2.58 (point 2), coverage probability approximately 99 %"
    )


def test_series_labels_are_kept_as_given() -> None:
    assert point_labels_text(["1.1", "2.3"], "en") == "points 1.1, 2.3"
    assert point_labels_text(["1", "3", "4", "5"], "vi") == "các điểm 1, 3–5"


@pytest.mark.parametrize(
    ("k", "en", "vi"),
    [("2.0", "2", "2"), ("2", "2", "2"), ("2.01", "2.01", "2,01"), ("2.430", "2.43", "2,43")],
)
def test_one_rule_for_k(k: str, en: str, vi: str) -> None:
    """k prints in its shortest form as recorded (two decimals kept by the engine): the table, the sentence,
    the PDF and the JSON all call coverage_factor_text."""
    assert coverage_factor_text(D(k), decimal_separator=".") == en
    assert coverage_factor_text(D(k), decimal_separator=",") == vi

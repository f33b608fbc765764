"""Target arithmetic: what a phase requires, whether the actual reaches it, and where the trend leads.

The three forms of target used by the plans (``programme-targets.json``):

* ``min`` — 'ít nhất N': the actual over the phase must be at least N;
* ``share_min`` — 'đạt trên 50%' (strict) or 'đáp ứng 80%': the share of demand met, read at the end of
  the period, must exceed (strict) or reach the fraction;
* ``growth_vs_previous_phase`` — 'tăng ít nhất 50% so với giai đoạn 2021-2025': the actual must be at
  least (1 + g) times the previous phase's *actual*, computed from the records, not its target.

>>> from lims.domain.programme.model import Target, TargetKind
>>> from lims.domain.programme.vocabulary import Indicator
>>> growth = Target(Indicator.TRAINING_PARTICIPATIONS, TargetKind.GROWTH, 0.5)
>>> required_value(growth, previous_actual=1240)
1860.0
>>> half = Target(Indicator.STATE_DEMAND_MET, TargetKind.SHARE_MIN, 0.5, strict=True)
>>> is_attained(half, actual=0.5, required=0.5), is_attained(half, actual=0.51, required=0.5)
(False, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from lims.domain.errors import DomainError
from lims.domain.programme.model import Target, TargetKind
from lims.domain.programme.vocabulary import Indicator, Measure


class TargetError(DomainError, ValueError):
    """A target cannot be evaluated with the figures given."""


def required_value(target: Target, *, previous_actual: float | None = None) -> float:
    """The figure the phase must reach: N, the fraction, or (1 + g) × the previous phase's actual."""
    if target.kind is TargetKind.GROWTH:
        if previous_actual is None:
            raise TargetError(
                f"{target.indicator.value}: growth_vs_previous_phase needs the previous phase's actual"
            )
        return (1 + target.value) * previous_actual
    return target.value


def is_attained(target: Target, *, actual: float, required: float) -> bool:
    """``actual > required`` for a strict target ('trên'), otherwise ``actual >= required``."""
    return actual > required if target.strict else actual >= required


def percent_of(actual: float, required: float) -> float | None:
    """Actual as a percentage of the required figure; ``None`` when nothing is required.

    >>> percent_of(640, 1000)
    64.0
    >>> percent_of(3, 0) is None
    True
    """
    return None if required == 0 else 100.0 * actual / required


def linear_trend(points: Sequence[tuple[int, float]]) -> tuple[float, float]:
    """Least-squares line ``value = intercept + slope × year`` through yearly points.

    One point gives a flat line through it (no trend can be read from one year).

    >>> linear_trend([(2022, 100.0), (2023, 140.0), (2024, 180.0)])
    (-80780.0, 40.0)
    >>> linear_trend([(2022, 7.0)])
    (7.0, 0.0)
    """
    if not points:
        raise TargetError("a trend needs at least one year of figures")
    n = len(points)
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return mean_y, 0.0
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / sxx
    return mean_y - slope * mean_x, slope


def forecast_count(
    yearly: Sequence[tuple[int, float]], *, cumulative: float, last_year: int, phase_end_year: int
) -> float:
    """Phase total expected at the phase end: the actual so far plus the trend of yearly figures.

    Each remaining year adds the trend line's value for that year, never less than zero.

    >>> forecast_count([(2021, 150.0), (2022, 200.0), (2023, 250.0)], cumulative=600.0,
    ...                last_year=2023, phase_end_year=2025)
    1250.0
    """
    if not yearly:
        return cumulative
    intercept, slope = linear_trend(yearly)
    ahead = sum(max(0.0, intercept + slope * year) for year in range(last_year + 1, phase_end_year + 1))
    return cumulative + ahead


def forecast_share(yearly: Sequence[tuple[int, float]], *, phase_end_year: int) -> float:
    """Share expected at the phase end: the trend of year-end shares, kept within 0..1.

    >>> forecast_share([(2022, 0.40), (2023, 0.46), (2024, 0.52)], phase_end_year=2025)
    0.58
    """
    intercept, slope = linear_trend(yearly)
    return round(min(1.0, max(0.0, intercept + slope * phase_end_year)), 12)


FORECAST_METHOD_VI = (
    "ngoại suy xu thế tuyến tính (bình phương tối thiểu) của số liệu {years} năm đã qua đến năm {end}"
)
"""How the running phase's forecast is made, stated beside it in the report (the method of
:func:`forecast_count` / :func:`forecast_share`)."""


class Verdict(StrEnum):
    """What the report may honestly say about a target.

    * ``MET`` / ``NOT_MET`` — the phase is over (its last year is counted): a fact, never a forecast;
    * ``MET_SO_FAR`` — a running phase has already reached the target;
    * ``FORECAST_MET`` / ``FORECAST_NOT_MET`` — a running phase not yet there, with the trend's forecast;
    * ``NO_BASELINE`` — a growth target whose previous-phase figure is missing or zero: (1 + g) × 0 = 0
      would read as met without anything done, so no verdict is given until the baseline is entered;
    * ``NO_TARGET`` — the phase sets no target for the indicator.
    """

    MET = "met"
    NOT_MET = "not_met"
    MET_SO_FAR = "met_so_far"
    FORECAST_MET = "forecast_met"
    FORECAST_NOT_MET = "forecast_not_met"
    NO_BASELINE = "no_baseline"
    NO_TARGET = "no_target"


@dataclass(frozen=True, slots=True)
class TargetStatus:
    """One indicator of one phase, as the dashboard and the annual report show it."""

    indicator: Indicator
    target: Target | None
    required: float | None
    actual: float
    percent: float | None
    attained: bool | None
    forecast: float | None
    forecast_attained: bool | None
    previous_actual: float | None = None
    verdict: Verdict = Verdict.NO_TARGET
    finished: bool = False  # the phase's last year is counted: no forecast, only met / not met
    forecast_years: int = 0  # years of figures the forecast's trend line was fitted to

    @property
    def baseline_missing(self) -> bool:
        return self.verdict is Verdict.NO_BASELINE


def evaluate(
    target: Target | None,
    indicator: Indicator,
    *,
    actual: float,
    yearly: Sequence[tuple[int, float]],
    last_year: int,
    phase_end_year: int,
    previous_actual: float | None = None,
) -> TargetStatus:
    """Compare an indicator's actual with its target; forecast the phase end only while it runs.

    ``yearly`` holds the figure of each elapsed year of the phase (the count of the year, or the share at
    the year's end). An indicator without a target in the phase is still reported, with no verdict. The
    phase is finished when ``last_year`` reaches ``phase_end_year``: the verdict is then met or not met and
    there is no forecast. A growth target needs a previous-phase figure above zero (the baseline).

    >>> from lims.domain.programme.model import Target, TargetKind
    >>> t = Target(Indicator.TRAINING_PARTICIPATIONS, TargetKind.MIN, 1000)
    >>> s = evaluate(t, t.indicator, actual=600, yearly=[(2021, 150), (2022, 200), (2023, 250)],
    ...              last_year=2023, phase_end_year=2025)
    >>> s.percent, s.attained, s.forecast, s.forecast_attained, s.verdict.value
    (60.0, False, 1250.0, True, 'forecast_met')
    >>> done = evaluate(t, t.indicator, actual=600, yearly=[(2025, 600)], last_year=2025, phase_end_year=2025)
    >>> done.forecast, done.verdict.value
    (None, 'not_met')
    >>> g = Target(Indicator.TRAINING_PARTICIPATIONS, TargetKind.GROWTH, 0.5)
    >>> empty = evaluate(g, g.indicator, actual=0, yearly=[(2026, 0)], last_year=2026, phase_end_year=2030,
    ...                  previous_actual=0)
    >>> empty.required, empty.attained, empty.verdict.value
    (None, None, 'no_baseline')
    """
    finished = last_year >= phase_end_year
    forecast: float | None = None
    if not finished and yearly:
        if indicator.measure is Measure.SHARE:
            forecast = forecast_share(yearly, phase_end_year=phase_end_year)
        else:
            forecast = forecast_count(
                yearly, cumulative=actual, last_year=last_year, phase_end_year=phase_end_year
            )
    years = len(yearly) if forecast is not None else 0
    if target is None:
        return TargetStatus(
            indicator, None, None, actual, None, None, forecast, None, previous_actual,
            Verdict.NO_TARGET, finished, years,
        )  # fmt: skip
    if target.kind is TargetKind.GROWTH and (previous_actual is None or previous_actual <= 0):
        return TargetStatus(
            indicator, target, None, actual, None, None, forecast, None, previous_actual,
            Verdict.NO_BASELINE, finished, years,
        )  # fmt: skip
    required = required_value(target, previous_actual=previous_actual)
    attained = is_attained(target, actual=actual, required=required)
    forecast_attained = None if forecast is None else is_attained(target, actual=forecast, required=required)
    if finished:
        verdict = Verdict.MET if attained else Verdict.NOT_MET
    elif attained:
        verdict = Verdict.MET_SO_FAR
    else:
        verdict = Verdict.FORECAST_MET if forecast_attained else Verdict.FORECAST_NOT_MET
    return TargetStatus(
        indicator=indicator,
        target=target,
        required=required,
        actual=actual,
        percent=percent_of(actual, required),
        attained=attained,
        forecast=forecast,
        forecast_attained=forecast_attained,
        previous_actual=previous_actual,
        verdict=verdict,
        finished=finished,
        forecast_years=years,
    )

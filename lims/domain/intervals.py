"""Calibration intervals of standards: due status and recommended adjustment from the history.

ISO/IEC 17025:2017 6.4.7 asks for a calibration programme that is reviewed and adjusted. Two of the methods
of ILAC-G24:2022 / OIML D 10:2022 (clause 6; section 3 in the 2007 edition) are implemented:

* **Method 1, automatic adjustment or "staircase"** (:func:`staircase`): after each routine calibration the
  next interval is extended when the as-found error is within a fraction of the maximum permissible error
  (the guide's example: 80 %), reduced when it is outside the maximum permissible error, otherwise kept.
  The guide leaves the step sizes to the laboratory; the defaults of :class:`StaircaseRule` (×1.25 to
  extend, ×0.5 to reduce, 30 days to 5 years) are this project's documented choice.
* **Method 2, control chart** (:func:`control_chart_interval`): the as-found error at one calibration
  point is plotted against time; drift (least-squares slope) and scatter (residual standard deviation) give
  the time after which the error is expected to reach the permitted limit.

Dates are calendar dates; intervals are whole days. A calibration done on ``d`` with an interval of ``n``
days is due on ``d + n`` and valid through that day (:func:`due_on`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from lims.domain.calibration_points import InvalidRecord


class DueStatus(StrEnum):
    IN_SERVICE = "in_service"
    DUE = "due"
    OVERDUE = "overdue"


def due_on(calibrated_on: date, interval_days: int) -> date:
    """Due date of the next calibration: calibration date + interval (issue request 3: derived, never typed).

    >>> due_on(date(2025, 1, 10), 365)
    datetime.date(2026, 1, 10)
    """
    if interval_days <= 0:
        raise InvalidRecord("interval_days", "must be a positive number of days")
    return calibrated_on + timedelta(days=interval_days)


def due_status(due: date, *, today: date, due_within_days: int = 30) -> DueStatus:
    """``overdue`` after the due date, ``due`` within ``due_within_days`` of it, else ``in_service``.

    >>> [due_status(date(2025, 6, 30), today=d, due_within_days=30).value
    ...  for d in (date(2025, 5, 30), date(2025, 5, 31), date(2025, 6, 30), date(2025, 7, 1))]
    ['in_service', 'due', 'due', 'overdue']
    """
    if due_within_days < 0:
        raise InvalidRecord("due_within_days", "must not be negative")
    if today > due:
        return DueStatus.OVERDUE
    if (due - today).days <= due_within_days:
        return DueStatus.DUE
    return DueStatus.IN_SERVICE


@dataclass(frozen=True, slots=True)
class DueItem:
    standard_id: str
    asset_number: str
    due: date


@dataclass(frozen=True, slots=True)
class RecallEntry:
    item: DueItem
    status: DueStatus
    days_left: int  # negative when overdue


def recall_list(items: Iterable[DueItem], *, today: date, due_within_days: int = 30) -> list[RecallEntry]:
    """Standards due or overdue, most urgent first (the due/overdue list of issue 4 item 5).

    >>> items = [DueItem("1", "M-01", date(2025, 7, 20)), DueItem("2", "T-01", date(2025, 6, 1)),
    ...          DueItem("3", "P-01", date(2026, 1, 1))]
    >>> [(e.item.asset_number, e.status.value, e.days_left)
    ...  for e in recall_list(items, today=date(2025, 7, 1))]
    [('T-01', 'overdue', -30), ('M-01', 'due', 19)]
    """
    entries = [
        RecallEntry(item, status, (item.due - today).days)
        for item in items
        if (status := due_status(item.due, today=today, due_within_days=due_within_days))
        is not DueStatus.IN_SERVICE
    ]
    return sorted(entries, key=lambda e: (e.item.due, e.item.asset_number))


def _round_days(days: float) -> int:
    return math.floor(days + 0.5)  # half up: Python's round() would round 0.5 to even


@dataclass(frozen=True, slots=True)
class StaircaseRule:
    """Parameters of ILAC-G24 Method 1. ``extend_at_most`` is the error ratio (|as-found error| / MPE) up to
    which the interval is extended; above 1.0 (outside the MPE) it is reduced."""

    extend_at_most: float = 0.8
    extension_factor: float = 1.25
    reduction_factor: float = 0.5
    minimum_days: int = 30
    maximum_days: int = 1826

    def __post_init__(self) -> None:
        if not 0 < self.extend_at_most <= 1:
            raise InvalidRecord("extend_at_most", "must be in (0, 1]")
        if not self.extension_factor > 1:
            raise InvalidRecord("extension_factor", "must be greater than 1")
        if not 0 < self.reduction_factor < 1:
            raise InvalidRecord("reduction_factor", "must be in (0, 1)")
        if not 0 < self.minimum_days <= self.maximum_days:
            raise InvalidRecord("minimum_days", "must be positive and not above maximum_days")


@dataclass(frozen=True, slots=True)
class AsFound:
    """One routine calibration: the largest |as-found error| / MPE over the calibration points."""

    calibrated_on: date
    error_ratio: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.error_ratio) and self.error_ratio >= 0):
            raise InvalidRecord("error_ratio", "must be a finite number not below 0")


def error_ratio(errors: Sequence[float], mpe: Sequence[float]) -> float:
    """Largest |error_i| / MPE_i over the points of one calibration (as found, before any adjustment).

    >>> error_ratio([0.2, -0.45], [0.5, 0.5])
    0.9
    """
    if not errors or len(errors) != len(mpe):
        raise InvalidRecord("errors", "need one maximum permissible error per error, at least one")
    if any(not m > 0 for m in mpe):
        raise InvalidRecord("mpe", "maximum permissible errors must be positive")
    return max(abs(e) / m for e, m in zip(errors, mpe, strict=True))


class StaircaseAction(StrEnum):
    EXTEND = "extend"
    KEEP = "keep"
    REDUCE = "reduce"


@dataclass(frozen=True, slots=True)
class StaircaseStep:
    calibrated_on: date
    error_ratio: float
    action: StaircaseAction
    interval_before_days: int
    interval_after_days: int


@dataclass(frozen=True, slots=True)
class StaircaseResult:
    steps: tuple[StaircaseStep, ...]
    recommended_days: int


def staircase(
    history: Sequence[AsFound], *, initial_days: int, rule: StaircaseRule | None = None
) -> StaircaseResult:
    """Apply ILAC-G24 Method 1 to the calibration history (oldest first), starting from ``initial_days``.

    Each step multiplies the interval by ``extension_factor`` (error ratio ≤ ``extend_at_most``), keeps it
    (up to the MPE, ratio ≤ 1), or multiplies it by ``reduction_factor`` (outside the MPE), rounds half up
    to whole days and clamps it to ``[minimum_days, maximum_days]``.

    >>> r = staircase([AsFound(date(2023, 1, 5), 0.5), AsFound(date(2024, 1, 8), 1.3)], initial_days=365)
    >>> [s.action.value for s in r.steps], r.recommended_days
    (['extend', 'reduce'], 228)
    """
    rule = rule or StaircaseRule()
    if not rule.minimum_days <= initial_days <= rule.maximum_days:
        raise InvalidRecord("initial_days", f"must be within [{rule.minimum_days}, {rule.maximum_days}]")
    for earlier, later in itertools.pairwise(history):
        if later.calibrated_on <= earlier.calibrated_on:
            raise InvalidRecord("history", "calibrations must be in strictly increasing date order")
    interval = initial_days
    steps: list[StaircaseStep] = []
    for result in history:
        if result.error_ratio <= rule.extend_at_most:
            action, proposed = StaircaseAction.EXTEND, interval * rule.extension_factor
        elif result.error_ratio <= 1.0:
            action, proposed = StaircaseAction.KEEP, float(interval)
        else:
            action, proposed = StaircaseAction.REDUCE, interval * rule.reduction_factor
        new = min(rule.maximum_days, max(rule.minimum_days, _round_days(proposed)))
        steps.append(StaircaseStep(result.calibrated_on, result.error_ratio, action, interval, new))
        interval = new
    return StaircaseResult(tuple(steps), interval)


@dataclass(frozen=True, slots=True)
class ErrorObservation:
    """As-found error at one chosen calibration point, in the unit of the permitted limit."""

    calibrated_on: date
    error: float


@dataclass(frozen=True, slots=True)
class DriftRecommendation:
    """Result of ILAC-G24 Method 2.

    ``drift_per_day`` is the least-squares slope of error against time, ``scatter`` the residual standard
    deviation (n − 2 degrees of freedom), ``budget`` the part of the limit left for drift, and
    ``limited_by`` tells whether the interval came from the drift or from a bound.
    """

    drift_per_day: float
    scatter: float
    budget: float
    interval_days: int
    limited_by: str
    current_error: float = 0.0  # |error| now, as counted against the limit (0 when corrections are applied)


def control_chart_interval(
    history: Sequence[ErrorObservation],
    *,
    limit: float,
    coverage_factor: float = 2.0,
    corrections_applied: bool = True,
    minimum_days: int = 30,
    maximum_days: int = 1826,
) -> DriftRecommendation:
    """Recommended interval from drift and scatter (ILAC-G24:2022 / OIML D 10:2022 6.3, Method 2).

    With the least-squares line e(t) = a + b·t through the history and the residual standard deviation
    s = √(Σr²/(n − 2)), the interval T is the time for the expected change to use up the limit:

    * ``corrections_applied`` (the certified value is used, 6.4.11): |b|·T + k·s = limit;
    * otherwise the error at the last calibration also counts: |e(t_last)| + |b|·T + k·s = limit
      (intermediate checks: the check value is the error itself, nothing corrects it).

    T is rounded down to whole days and clamped to ``[minimum_days, maximum_days]``; no drift gives the
    maximum, no budget left gives the minimum. A last observed error beyond the limit (out of tolerance)
    always gives the minimum (``limited_by`` ``"out_of_tolerance"``), so such a result never lengthens an
    interval, whatever the fitted line says.

    >>> h = [ErrorObservation(date(2021, 1, 1), 0.0), ErrorObservation(date(2022, 1, 1), 0.1),
    ...      ErrorObservation(date(2023, 1, 1), 0.2)]
    >>> r = control_chart_interval(h, limit=0.5)
    >>> round(r.drift_per_day * 365, 6), round(r.scatter, 12), r.interval_days, r.limited_by
    (0.1, 0.0, 1825, 'drift')
    """
    if len(history) < 3:
        raise InvalidRecord("history", "the control-chart method needs at least three calibrations")
    if not (math.isfinite(limit) and limit > 0):
        raise InvalidRecord("limit", "must be a positive finite number")
    if not coverage_factor > 0:
        raise InvalidRecord("coverage_factor", "must be positive")
    if not 0 < minimum_days <= maximum_days:
        raise InvalidRecord("minimum_days", "must be positive and not above maximum_days")
    for earlier, later in itertools.pairwise(history):
        if later.calibrated_on <= earlier.calibrated_on:
            raise InvalidRecord("history", "calibrations must be in strictly increasing date order")
    origin = history[0].calibrated_on
    t = [(h.calibrated_on - origin).days for h in history]
    e = [h.error for h in history]
    n = len(history)
    t_mean, e_mean = sum(t) / n, sum(e) / n
    sxx = sum((ti - t_mean) ** 2 for ti in t)
    slope = sum((ti - t_mean) * (ei - e_mean) for ti, ei in zip(t, e, strict=True)) / sxx
    intercept = e_mean - slope * t_mean
    residuals = [ei - (intercept + slope * ti) for ti, ei in zip(t, e, strict=True)]
    scatter = math.sqrt(sum(r * r for r in residuals) / (n - 2))
    budget = limit - coverage_factor * scatter
    current = 0.0
    if not corrections_applied:
        current = abs(intercept + slope * t[-1])
        budget -= current
    if abs(e[-1]) > limit:
        return DriftRecommendation(slope, scatter, budget, minimum_days, "out_of_tolerance", abs(e[-1]))
    if budget <= 0:
        return DriftRecommendation(slope, scatter, budget, minimum_days, "minimum", current)
    if slope == 0 or budget / abs(slope) >= maximum_days:
        return DriftRecommendation(slope, scatter, budget, maximum_days, "maximum", current)
    days = math.floor(budget / abs(slope))
    if days < minimum_days:
        return DriftRecommendation(slope, scatter, budget, minimum_days, "minimum", current)
    return DriftRecommendation(slope, scatter, budget, days, "drift", current)

"""Intermediate checks of standards on a Shewhart individuals chart (ISO/IEC 17025:2017 6.4.10).

Each intermediate check gives one value (for example the indication of a check standard). The chart has a
centre line and control limits either

* computed from the data: centre = mean, σ̂ = MR̄ / d₂ with MR̄ the mean moving range of two successive
  values and d₂ = 1.128 for ranges of two (ISO 7870-2:2023 individuals chart; NIST/SEMATECH e-Handbook
  6.3.2; so the limits are x̄ ± 2.66·MR̄), optionally from a baseline (phase I) only; or
* stated by the lab (for example the reference value ± the allowed deviation), σ being a third of the
  distance from the centre to each limit.

The Western Electric run rules (Western Electric *Statistical Quality Control Handbook*, 1956) applied are:

1. one point beyond a control limit (more than 3σ from the centre);
2. two of three successive points more than 2σ from the centre on the same side;
3. four of five successive points more than 1σ from the centre on the same side;
4. eight successive points on the same side of the centre line.

A point exactly on a zone boundary belongs to the inner zone; a point on the centre line ends a run. A rule
signals at the point that completes the pattern (that point must itself satisfy the condition). Any signal
flags the standard for review (6.4.10, and 7.10 when results may be affected).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from lims.domain.calibration_points import InvalidRecord
from lims.domain.control_chart_svg import render_svg

__all__ = [
    "ChartLimits",
    "CheckPoint",
    "ControlChart",
    "RunRule",
    "Signal",
    "build_chart",
    "find_signals",
    "limits_from_moving_range",
    "render_svg",
    "stated_limits",
]

D2_FOR_TWO = 1.128  # d2(2) of the control-chart factor tables (2/√π = 1.12838)


@dataclass(frozen=True, slots=True)
class CheckPoint:
    """One intermediate check: its date and the value obtained, in the chart's unit."""

    on: date
    value: float

    def __post_init__(self) -> None:
        if not math.isfinite(self.value):
            raise InvalidRecord("value", "must be a finite number")


@dataclass(frozen=True, slots=True)
class ChartLimits:
    centre: float
    lower: float
    upper: float
    source: str  # "moving_range" or "stated"

    def __post_init__(self) -> None:
        finite = math.isfinite(self.lower) and math.isfinite(self.upper)
        if not (finite and self.lower < self.centre < self.upper):
            raise InvalidRecord("limits", "need finite lower < centre < upper")

    def sigmas(self, value: float) -> float:
        """Signed distance from the centre in units of σ (each side scaled by its own limit)."""
        if value >= self.centre:
            return 3 * (value - self.centre) / (self.upper - self.centre)
        return 3 * (value - self.centre) / (self.centre - self.lower)

    def at_sigma(self, k: float) -> float:
        """The value k σ from the centre (negative k: below)."""
        side = self.upper - self.centre if k >= 0 else self.centre - self.lower
        return self.centre + k * side / 3


def limits_from_moving_range(values: Sequence[float]) -> ChartLimits:
    """Centre x̄ and limits x̄ ± 3·MR̄/d₂ (individuals chart, ISO 7870-2).

    >>> lim = limits_from_moving_range([10.0, 10.2, 9.9, 10.1])
    >>> round(lim.centre, 4), round(lim.upper, 4), round(lim.lower, 4)
    (10.05, 10.6706, 9.4294)
    """
    if len(values) < 2:
        raise InvalidRecord("values", "at least two checks are needed to compute limits")
    centre = sum(values) / len(values)
    moving_range = sum(abs(b - a) for a, b in itertools.pairwise(values)) / (len(values) - 1)
    if moving_range == 0:
        raise InvalidRecord("values", "all checks are equal: the moving range gives no limits; state them")
    half_width = 3 * moving_range / D2_FOR_TWO
    return ChartLimits(centre, centre - half_width, centre + half_width, "moving_range")


def stated_limits(centre: float, lower: float, upper: float) -> ChartLimits:
    """Limits stated by the laboratory (e.g. reference value ± allowed deviation)."""
    return ChartLimits(centre, lower, upper, "stated")


class RunRule(StrEnum):
    BEYOND_LIMITS = "beyond_limits"  # Western Electric rule 1
    TWO_OF_THREE_BEYOND_2_SIGMA = "two_of_three"  # rule 2
    FOUR_OF_FIVE_BEYOND_1_SIGMA = "four_of_five"  # rule 3
    EIGHT_ON_ONE_SIDE = "eight_on_one_side"  # rule 4

    @property
    def description(self) -> str:
        return {
            RunRule.BEYOND_LIMITS: "point outside the control limits",
            RunRule.TWO_OF_THREE_BEYOND_2_SIGMA: "2 of 3 successive points beyond 2σ on one side",
            RunRule.FOUR_OF_FIVE_BEYOND_1_SIGMA: "4 of 5 successive points beyond 1σ on one side",
            RunRule.EIGHT_ON_ONE_SIDE: "8 successive points on one side of the centre line",
        }[self]


# (window length, points needed, σ threshold) for the "k of n beyond" rules
_WINDOWS = {
    RunRule.TWO_OF_THREE_BEYOND_2_SIGMA: (3, 2, 2.0),
    RunRule.FOUR_OF_FIVE_BEYOND_1_SIGMA: (5, 4, 1.0),
}


@dataclass(frozen=True, slots=True)
class Signal:
    """A run rule signalled at point ``index``; ``indices`` are the points forming the pattern."""

    rule: RunRule
    index: int
    indices: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ControlChart:
    title: str
    unit: str
    points: tuple[CheckPoint, ...]
    limits: ChartLimits
    rules: tuple[RunRule, ...]
    signals: tuple[Signal, ...]

    @property
    def review_required(self) -> bool:
        """Any signal flags the standard for review (6.4.10)."""
        return bool(self.signals)

    @property
    def flagged_indices(self) -> tuple[int, ...]:
        return tuple(sorted({s.index for s in self.signals}))

    @property
    def outside_limits(self) -> tuple[int, ...]:
        return tuple(s.index for s in self.signals if s.rule is RunRule.BEYOND_LIMITS)


def find_signals(
    values: Sequence[float], limits: ChartLimits, rules: Iterable[RunRule] = tuple(RunRule)
) -> list[Signal]:
    """Signals of the chosen Western Electric rules, ordered by point then rule.

    >>> lim = stated_limits(0.0, -3.0, 3.0)
    >>> [(s.rule.value, s.index) for s in find_signals([0.5, 2.5, -0.2, 2.2, 3.5], lim)]
    [('two_of_three', 3), ('beyond_limits', 4), ('two_of_three', 4)]
    """
    wanted = set(rules)
    z = [limits.sigmas(v) for v in values]
    found: list[Signal] = []
    for i, zi in enumerate(z):
        for rule in RunRule:
            if rule not in wanted:
                continue
            if rule is RunRule.BEYOND_LIMITS:
                if abs(zi) > 3:
                    found.append(Signal(rule, i, (i,)))
            elif rule is RunRule.EIGHT_ON_ONE_SIDE:
                if i >= 7 and zi != 0:
                    run = z[i - 7 : i + 1]
                    if all(v > 0 for v in run) or all(v < 0 for v in run):
                        found.append(Signal(rule, i, tuple(range(i - 7, i + 1))))
            else:
                length, needed, threshold = _WINDOWS[rule]
                if abs(zi) <= threshold:
                    continue
                side = 1 if zi > 0 else -1
                start = max(0, i - length + 1)
                beyond = tuple(j for j in range(start, i + 1) if side * z[j] > threshold)
                if len(beyond) >= needed:
                    found.append(Signal(rule, i, beyond))
    return found


def build_chart(
    points: Sequence[CheckPoint],
    *,
    title: str,
    unit: str,
    limits: ChartLimits | None = None,
    baseline_count: int | None = None,
    rules: Iterable[RunRule] = tuple(RunRule),
) -> ControlChart:
    """Chart of the checks, oldest first. Without ``limits`` they come from the moving range of the first
    ``baseline_count`` checks (all of them when ``None``).

    >>> pts = [CheckPoint(date(2025, m, 1), v) for m, v in zip(range(1, 6), [5.0, 5.1, 4.9, 5.0, 6.0])]
    >>> chart = build_chart(pts, title="Check of M-01", unit="mg", baseline_count=4)
    >>> chart.review_required, chart.outside_limits
    (True, (4,))
    """
    if not unit.strip():
        raise InvalidRecord("unit", "the chart needs a unit")
    pts = tuple(points)
    if any(b.on < a.on for a, b in itertools.pairwise(pts)):
        raise InvalidRecord("points", "checks must be in date order")
    if limits is None:
        count = len(pts) if baseline_count is None else baseline_count
        if not 2 <= count <= len(pts):
            raise InvalidRecord("baseline_count", f"must be between 2 and the number of checks ({len(pts)})")
        limits = limits_from_moving_range([p.value for p in pts[:count]])
    chosen = tuple(r for r in RunRule if r in set(rules))
    signals = find_signals([p.value for p in pts], limits, chosen)
    return ControlChart(title, unit, pts, limits, chosen, tuple(signals))

"""Test point rules: which nominal values a procedure measures, rounded to what the instrument can show.

A rule is either an explicit list of nominal values (procedure unit) or percentages of the instrument's range
("0, 25, 50, 75, 100 % of range", the usual pattern of EURAMET cg-17 / DKD-R 6-1 for pressure gauges and of
OIML R 76-1 A.4.4 load points spread over the weighing range). Percentages are taken of the span
range_min → range_max and the result is rounded to the instrument's resolution, so that every nominal is
a value
the instrument can indicate.

>>> generate_points(PercentOfRangeRule((0, 25, 50, 75, 100)), range_min=0.0, range_max=16.0, resolution=0.2)
(0.0, 4.0, 8.0, 12.0, 16.0)
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from lims.domain.errors import DomainError


class TestPointError(DomainError, ValueError):
    """A test point rule or a test point is invalid; the message names it."""

    __test__ = False  # the module name starts with "test_": tell pytest this class is not a test


class PointOutOfRange(TestPointError):
    """A test point lies outside the instrument's measuring range."""

    def __init__(self, point: float, range_min: float, range_max: float, unit: str = "") -> None:
        self.point, self.range_min, self.range_max = point, range_min, range_max
        u = f" {unit}" if unit else ""
        super().__init__(
            f"test point {point:g}{u} is outside the instrument's range {range_min:g}{u} to {range_max:g}{u}"
        )


@dataclass(frozen=True, slots=True)
class ExplicitPoints:
    """Nominal values listed by the procedure (procedure unit)."""

    nominals: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class PercentOfRangeRule:
    """Nominal values as percentages (0–100) of the instrument's span."""

    percents: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class PercentOfFullScaleRule:
    """Signed percentages (−100 to 100) of the range's full scale max(|range_min|, |range_max|): a DMM range
    calibrated at 0 (short), +10 %, +50 %, +90 % and −90 % (EURAMET cg-15, both polarities; from memory)."""

    percents: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class FrequencyPoint:
    """One AC point: a percentage (0–100) of the range's full scale at a frequency in Hz."""

    percent: float
    frequency_hz: float


@dataclass(frozen=True, slots=True)
class PercentAtFrequencyRule:
    """AC points as (percent of full scale, frequency): a DMM's AC voltage range at 10 %, 50 % and 90 % at
    1 kHz and, on the same range, 90 % at 50 Hz and 10 kHz (EURAMET cg-15 section 3.4: each AC range at a
    reference frequency, the frequency response checked at further frequencies). The same value at two
    frequencies is two points."""

    points: tuple[FrequencyPoint, ...]

    @property
    def percents(self) -> tuple[float, ...]:
        return tuple(p.percent for p in self.points)

    @property
    def frequencies_hz(self) -> tuple[float, ...]:
        return tuple(p.frequency_hz for p in self.points)


PointRule = ExplicitPoints | PercentOfRangeRule | PercentOfFullScaleRule | PercentAtFrequencyRule


def round_to_resolution(value: float, resolution: float) -> float:
    """``value`` rounded to the nearest multiple of ``resolution`` (half to even, as ISO 80000-1 B.3 rule B).

    Decimal arithmetic keeps 0.1-type steps exact.

    >>> round_to_resolution(2.3456, 0.005), round_to_resolution(12.5, 5), round_to_resolution(0.125, 0.01)
    (2.345, 10.0, 0.12)
    """
    if not (resolution > 0 and math.isfinite(resolution)):
        raise TestPointError(f"resolution: {resolution} must be a positive number")
    if not math.isfinite(value):
        raise TestPointError(f"test point: {value} is not a finite number")
    step = Decimal(repr(resolution))
    steps = (Decimal(repr(value)) / step).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    result = float(steps * step)
    return 0.0 if result == 0 else result


def check_in_range(point: float, *, range_min: float, range_max: float, unit: str = "") -> None:
    """Raise :class:`PointOutOfRange` unless range_min ≤ point ≤ range_max.

    >>> check_in_range(12.0, range_min=0.0, range_max=10.0, unit="bar")
    Traceback (most recent call last):
    ...
    lims.domain.test_points.PointOutOfRange: test point 12 bar is outside the instrument's range 0 bar to ...
    """
    if not math.isfinite(point):
        raise TestPointError(f"test point: {point} is not a finite number")
    # A relative tolerance of 1e-12 forgives float noise on the range ends, never a real excess.
    tol = 1e-12 * max(abs(range_min), abs(range_max), 1.0)
    if point < range_min - tol or point > range_max + tol:
        raise PointOutOfRange(point, range_min, range_max, unit)


def generate_points(
    rule: PointRule, *, range_min: float, range_max: float, resolution: float, unit: str = ""
) -> tuple[float, ...]:
    """The nominal values a job measures, rounded to ``resolution``, each checked against the range.

    Duplicates produced by rounding are dropped; the order of the rule is kept.

    >>> generate_points(ExplicitPoints((1.0, 5.0, 10.0)), range_min=0.0, range_max=6.0, resolution=0.001,
    ...                 unit="V")
    Traceback (most recent call last):
    ...
    lims.domain.test_points.PointOutOfRange: test point 10 V is outside the instrument's range 0 V to 6 V
    """
    if not range_max > range_min:
        raise TestPointError(f"range_max: {range_max:g} must be above range_min {range_min:g}")
    if isinstance(rule, ExplicitPoints):
        raw = list(rule.nominals)
    elif isinstance(rule, PercentAtFrequencyRule):
        return _points_at_frequencies(
            rule, range_min=range_min, range_max=range_max, resolution=resolution, unit=unit
        )
    elif isinstance(rule, PercentOfFullScaleRule):
        # a negative percentage on a range without negative values is refused below, never moved
        full_scale = max(abs(range_min), abs(range_max))
        raw = [p / 100 * full_scale for p in rule.percents]
    else:
        raw = [range_min + p / 100 * (range_max - range_min) for p in rule.percents]
    points: list[float] = []
    for value in raw:
        rounded = round_to_resolution(value, resolution)
        if isinstance(rule, PercentOfRangeRule):
            # Rounding must not push the end points outside the range.
            rounded = min(max(rounded, range_min), range_max)
        check_in_range(rounded, range_min=range_min, range_max=range_max, unit=unit)
        if rounded not in points:
            points.append(rounded)
    return tuple(points)


def _points_at_frequencies(
    rule: PercentAtFrequencyRule, *, range_min: float, range_max: float, resolution: float, unit: str
) -> tuple[float, ...]:
    """The nominal values of an AC rule in its order; a value repeated at another frequency is kept (it is
    another point), an identical (value, frequency) pair is refused by the rule itself.

    >>> rule = PercentAtFrequencyRule((FrequencyPoint(10, 1000), FrequencyPoint(90, 1000), FrequencyPoint(90, 50)))
    >>> generate_points(rule, range_min=0.0, range_max=6.0, resolution=0.001, unit="V")
    (0.6, 5.4, 5.4)
    """
    full_scale = max(abs(range_min), abs(range_max))
    points = []
    for item in rule.points:
        rounded = round_to_resolution(item.percent / 100 * full_scale, resolution)
        check_in_range(rounded, range_min=range_min, range_max=range_max, unit=unit)
        points.append(rounded)
    return tuple(points)


_AT_FREQUENCY = re.compile(r"^(?P<quantity>.+) (?P<hz>\d+(?:\.\d+)?(?:e\+?\d+)?) Hz$")


def quantity_at_frequency(quantity: str, frequency_hz: float | None) -> str:
    """The quantity an AC point's result names (``AC voltage 1000 Hz``); the quantity itself for DC.

    >>> quantity_at_frequency("AC voltage", 1000.0), quantity_at_frequency("DC voltage", None)
    ('AC voltage 1000 Hz', 'DC voltage')
    """
    return quantity if frequency_hz is None else f"{quantity} {frequency_hz:g} Hz"


def split_frequency(quantity: str) -> tuple[str, float | None]:
    """The inverse of :func:`quantity_at_frequency`.

    >>> split_frequency("AC voltage 10000 Hz"), split_frequency("gauge pressure")
    (('AC voltage', 10000.0), ('gauge pressure', None))
    """
    match = _AT_FREQUENCY.match(quantity)
    if match is None:
        return quantity, None
    return match["quantity"], float(match["hz"])


def frequency_label(frequency_hz: float | Decimal | None, language: str = "en") -> str:
    """A frequency as a reader writes it, every digit kept: in Hz below 1 kHz, in kHz below 1 MHz, in MHz
    above; the decimal sign of ``language`` (a comma in Vietnamese); empty for a DC point (``None``). The one
    formatter of frequencies: pages, the bench, certificates and messages all call it.

    >>> frequency_label(50.0), frequency_label(1000.0), frequency_label(12500.0), frequency_label(None)
    ('50 Hz', '1 kHz', '12.5 kHz', '')
    >>> frequency_label(12500.0, "vi"), frequency_label(2_500_000, "vi"), frequency_label(Decimal("0.1"), "vi")
    ('12,5 kHz', '2,5 MHz', '0,1 Hz')
    """
    if frequency_hz is None:
        return ""
    value = Decimal(str(frequency_hz))
    scaled, unit = value, "Hz"
    for factor, name in ((Decimal(1_000_000), "MHz"), (Decimal(1000), "kHz")):
        if abs(value) >= factor:
            scaled, unit = value / factor, name
            break
    digits = f"{scaled.normalize():f}"
    if language.split("_")[0].lower() == "vi":
        digits = digits.replace(".", ",")
    return f"{digits} {unit}"


_PERCENT = re.compile(r"^\s*(?P<list>[^%]*?)\s*%\s*(of\s+(the\s+)?(range|span|full\s+scale))?\s*$", re.I)


def _numbers(text: str, where: str) -> tuple[float, ...]:
    items = [t.strip() for t in re.split(r"[;,]\s*|\s+(?=[-+]?\d)", text.strip()) if t.strip()]
    if not items:
        raise TestPointError(f"{where}: no values given")
    values: list[float] = []
    for item in items:
        try:
            values.append(float(item))
        except ValueError:
            raise TestPointError(f"{where}: {item!r} is not a number") from None
    return tuple(values)


def parse_rule(text: str) -> PointRule:
    """Read a rule typed by a user: ``"0, 25, 50, 75, 100 % of range"`` or ``"1; 2; 5"`` (nominals).

    >>> parse_rule("0, 25, 50, 75, 100 % of range")
    PercentOfRangeRule(percents=(0.0, 25.0, 50.0, 75.0, 100.0))
    >>> parse_rule("0.5, 1, 2")
    ExplicitPoints(nominals=(0.5, 1.0, 2.0))
    """
    match = _PERCENT.match(text)
    if match:
        percents = _numbers(match.group("list"), "test points")
        return _checked_percents(percents, "test points")
    return ExplicitPoints(_numbers(text, "test points"))


def _checked_percents(percents: Sequence[float], where: str) -> PercentOfRangeRule:
    for p in percents:
        if not 0 <= p <= 100:
            raise TestPointError(f"{where}: {p:g} % is not between 0 % and 100 % of the range")
    return PercentOfRangeRule(tuple(float(p) for p in percents))


def rule_from_dict(data: Any, where: str = "test_points") -> PointRule:
    """Build a rule from its procedure-file form.

    >>> rule_from_dict({"kind": "percent_of_range", "percents": [10, 50, 90]})
    PercentOfRangeRule(percents=(10.0, 50.0, 90.0))
    """
    if not isinstance(data, Mapping):
        raise TestPointError(f"{where}: expected an object with a 'kind'")
    kind = data.get("kind")
    if kind == "percent_of_full_scale_at_frequency":
        return _frequency_rule(data, where)
    key = {"explicit": "nominals", "percent_of_range": "percents", "percent_of_full_scale": "percents"}.get(
        str(kind)
    )
    if key is None:
        raise TestPointError(
            f"{where}.kind: {kind!r} is not 'explicit', 'percent_of_range', 'percent_of_full_scale' or "
            "'percent_of_full_scale_at_frequency'"
        )
    values = data.get(key)
    if not isinstance(values, list) or not values:
        raise TestPointError(f"{where}.{key}: expected a non-empty list of numbers")
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise TestPointError(f"{where}.{key}[{i}]: {v!r} is not a finite number")
    if kind == "explicit":
        return ExplicitPoints(tuple(float(v) for v in values))
    if kind == "percent_of_full_scale":
        for p in values:
            if not -100 <= p <= 100:
                raise TestPointError(f"{where}.{key}: {p:g} % is not between −100 % and 100 % of full scale")
        return PercentOfFullScaleRule(tuple(float(p) for p in values))
    return _checked_percents(values, f"{where}.{key}")


def _frequency_rule(data: Mapping[str, Any], where: str) -> PercentAtFrequencyRule:
    """``{"kind": "percent_of_full_scale_at_frequency", "points": [{"percent": 10, "frequency_hz": 1000}, …]}``.

    >>> _frequency_rule({"points": [{"percent": 90, "frequency_hz": 50}]}, "test_points")
    PercentAtFrequencyRule(points=(FrequencyPoint(percent=90.0, frequency_hz=50.0),))
    >>> _frequency_rule({"points": [{"percent": 90, "frequency_hz": 0}]}, "test_points")
    Traceback (most recent call last):
    ...
    lims.domain.test_points.TestPointError: test_points.points[0].frequency_hz: 0 must be a frequency > 0 Hz
    """
    raw = data.get("points")
    if not isinstance(raw, list) or not raw:
        raise TestPointError(f"{where}.points: expected a non-empty list of {{percent, frequency_hz}}")
    points: list[FrequencyPoint] = []
    for i, item in enumerate(raw):
        at = f"{where}.points[{i}]"
        if not isinstance(item, Mapping):
            raise TestPointError(f'{at}: expected {{"percent": …, "frequency_hz": …}}')
        values = []
        for key in ("percent", "frequency_hz"):
            v = item.get(key)
            if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                raise TestPointError(f"{at}.{key}: {v!r} is not a finite number")
            values.append(float(v))
        if not 0 < values[0] <= 100:
            raise TestPointError(
                f"{at}.percent: {values[0]:g} % is not above 0 % and at most 100 % of full scale"
            )
        if values[1] <= 0:
            raise TestPointError(f"{at}.frequency_hz: {values[1]:g} must be a frequency > 0 Hz")
        point = FrequencyPoint(values[0], values[1])
        if point in points:
            raise TestPointError(f"{at}: {values[0]:g} % at {values[1]:g} Hz is listed twice")
        points.append(point)
    return PercentAtFrequencyRule(tuple(points))


def rule_to_dict(rule: PointRule) -> dict[str, Any]:
    """The procedure-file form of a rule.

    >>> rule_to_dict(ExplicitPoints((1.0, 2.0)))
    {'kind': 'explicit', 'nominals': [1.0, 2.0]}
    """
    if isinstance(rule, ExplicitPoints):
        return {"kind": "explicit", "nominals": list(rule.nominals)}
    if isinstance(rule, PercentOfFullScaleRule):
        return {"kind": "percent_of_full_scale", "percents": list(rule.percents)}
    if isinstance(rule, PercentAtFrequencyRule):
        return {
            "kind": "percent_of_full_scale_at_frequency",
            "points": [{"percent": p.percent, "frequency_hz": p.frequency_hz} for p in rule.points],
        }
    return {"kind": "percent_of_range", "percents": list(rule.percents)}

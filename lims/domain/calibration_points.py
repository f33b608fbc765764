"""Calibration points of a certificate and the expanded uncertainty at a point of use.

A certificate states results at discrete calibration points. When a standard is used at some value the
uncertainty that travels down the chain is the certificate's uncertainty *at that value*. The rule used here
(documented in docs/traceability.md, "Uncertainty at the point of use"):

* points in any unit of the same dimension are considered, brought to the unit of use with pint
  (:mod:`lims.domain.unit_conversion`: values as absolute quantities, uncertainties as differences), so a
  certificate in MPa is compared with a use in kPa or bar;
* a value equal to a calibration point takes that point's expanded uncertainty (the largest one if the point
  is repeated);
* a value between two points takes the straight-line interpolation of the expanded uncertainties of the
  two neighbouring points (common practice; it is only as good as the spacing of the points, so the lab
  should calibrate its standards at the values where it uses them);
* an AC point is stated at a frequency (``frequency_hz``): it answers only for a use at that frequency, and a
  DC point (no frequency) only for a DC use; nothing is interpolated across frequencies;
* a value outside the calibrated range gives no uncertainty: a certificate says nothing beyond the points
  it reports, so nothing is extrapolated and the caller decides what to do.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lims.domain.errors import DomainError
from lims.domain.unit_conversion import convert_difference, convert_value


class InvalidRecord(DomainError, ValueError):
    """A plain record handed to the traceability rules is inconsistent; ``field`` names the culprit."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True, slots=True)
class CalibrationPoint:
    """One result of a calibration certificate.

    ``value`` is the calibration point (nominal or reference value) in ``unit``; ``expanded_uncertainty``
    is U = k·u in the same unit (ISO/IEC 17025:2017 7.8.4.1 a; JCGM 100 6.2.1) and ``coverage_factor`` is k.
    ``correction`` is the correction the certificate states at the point (same unit), when it states one.
    ``frequency_hz`` is the frequency of an AC calibration point (``None``: DC, or a quantity without one).

    >>> CalibrationPoint(1000.0, "g", 0.0016, 2.0).standard_uncertainty
    0.0008
    """

    value: float
    unit: str
    expanded_uncertainty: float
    coverage_factor: float = 2.0
    correction: float | None = None
    frequency_hz: float | None = None

    def __post_init__(self) -> None:
        if self.frequency_hz is not None and not (math.isfinite(self.frequency_hz) and self.frequency_hz > 0):
            raise InvalidRecord("frequency_hz", "must be a frequency above 0 Hz")
        if self.correction is not None and not math.isfinite(self.correction):
            raise InvalidRecord("correction", "must be a finite number")
        if not math.isfinite(self.value):
            raise InvalidRecord("value", "must be a finite number")
        if not self.unit.strip():
            raise InvalidRecord("unit", "an uncertainty needs a unit")
        if not (math.isfinite(self.expanded_uncertainty) and self.expanded_uncertainty > 0):
            raise InvalidRecord("expanded_uncertainty", "must be a positive finite number")
        if not (math.isfinite(self.coverage_factor) and self.coverage_factor >= 1):
            raise InvalidRecord("coverage_factor", "must be a finite number not below 1")

    @property
    def standard_uncertainty(self) -> float:
        """u = U / k (JCGM 100 6.2.1), in ``unit``."""
        return self.expanded_uncertainty / self.coverage_factor

    def expressed_in(self, unit: str) -> CalibrationPoint | None:
        """The same point in ``unit`` (value converted as a quantity, U and correction as differences);
        ``None`` when ``unit`` is of another dimension.

        >>> CalibrationPoint(7.0, "MPa", 0.0003).expressed_in("kPa")
        CalibrationPoint(value=7000.0, unit='kPa', expanded_uncertainty=0.3, coverage_factor=2.0, correction=None, \
frequency_hz=None)
        """
        if unit == self.unit:
            return self
        value = convert_value(self.value, self.unit, unit)
        expanded = convert_difference(self.expanded_uncertainty, self.unit, unit)
        if value is None or expanded is None:
            return None
        correction = None
        if self.correction is not None:
            correction = convert_difference(self.correction, self.unit, unit)
        return CalibrationPoint(value, unit, expanded, self.coverage_factor, correction, self.frequency_hz)


def points_in(
    points: Iterable[CalibrationPoint], unit: str, *, frequency_hz: float | None = None
) -> list[CalibrationPoint]:
    """The points comparable with ``unit`` at ``frequency_hz`` (``None``: DC), expressed in ``unit``, sorted by
    value (largest U first on a tie).

    >>> [p.value for p in points_in([CalibrationPoint(1.0, "MPa", 6e-5), CalibrationPoint(2.0, "V", 1e-6)],
    ...                             "kPa")]
    [1000.0]
    >>> ac = CalibrationPoint(1.0, "V", 1e-4, frequency_hz=1000.0)
    >>> len(points_in([ac], "V")), len(points_in([ac], "mV", frequency_hz=1000.0))
    (0, 1)
    """
    converted = [
        c for p in points if p.frequency_hz == frequency_hz and (c := p.expressed_in(unit)) is not None
    ]
    return sorted(converted, key=lambda p: (p.value, -p.expanded_uncertainty))


def calibrated_range(
    points: Iterable[CalibrationPoint], unit: str, *, frequency_hz: float | None = None
) -> tuple[float, float] | None:
    """Lowest and highest calibrated value in ``unit`` (at ``frequency_hz`` for AC), or ``None`` when no point
    is comparable.

    >>> calibrated_range([CalibrationPoint(1.0, "mg", 1e-6), CalibrationPoint(1.0, "kg", 1e-3)], "g")
    (0.001, 1000.0)
    """
    same = points_in(points, unit, frequency_hz=frequency_hz)
    if not same:
        return None
    return same[0].value, same[-1].value


def uncertainty_at(
    points: Sequence[CalibrationPoint], value: float, unit: str, *, frequency_hz: float | None = None
) -> float | None:
    """Expanded uncertainty of a certificate at ``value`` (in ``unit``, at ``frequency_hz`` for AC), or
    ``None`` outside its range.

    Exact points win; between two points the expanded uncertainty is interpolated linearly.

    >>> pts = (CalibrationPoint(0.0, "°C", 0.02), CalibrationPoint(100.0, "°C", 0.04))
    >>> round(uncertainty_at(pts, 25.0, "°C"), 6)
    0.025
    >>> uncertainty_at(pts, 150.0, "°C") is None
    True
    >>> uncertainty_at(pts, 50.0, "V") is None
    True
    >>> uncertainty_at((CalibrationPoint(1.0, "MPa", 0.00006), CalibrationPoint(7.0, "MPa", 0.0003)),
    ...                7000.0, "kPa")
    0.3
    >>> ac = (CalibrationPoint(1.0, "V", 1e-4, frequency_hz=1e3), CalibrationPoint(10.0, "V", 1e-3, frequency_hz=1e3))
    >>> uncertainty_at(ac, 5.5, "V", frequency_hz=1e3), uncertainty_at(ac, 5.5, "V")
    (0.00055, None)
    """
    same = points_in(points, unit, frequency_hz=frequency_hz)
    if not same or value < same[0].value or value > same[-1].value:
        return None
    exact = [p.expanded_uncertainty for p in same if p.value == value]
    if exact:
        return max(exact)
    for low, high in itertools.pairwise(same):
        if low.value < value < high.value:
            fraction = (value - low.value) / (high.value - low.value)
            step = high.expanded_uncertainty - low.expanded_uncertainty
            return low.expanded_uncertainty + fraction * step
    return None  # pragma: no cover - unreachable: value lies inside [first, last]


def worst_uncertainty(points: Iterable[CalibrationPoint]) -> tuple[float, str] | None:
    """Largest expanded uncertainty, in the first point's unit, when all points are of one dimension.

    Used when the point of use is not known: the largest U is the conservative figure to show.

    >>> worst_uncertainty([CalibrationPoint(1, "g", 0.1), CalibrationPoint(2, "kg", 0.0003)])
    (0.3, 'g')
    >>> worst_uncertainty([CalibrationPoint(1, "g", 0.1), CalibrationPoint(2, "V", 0.3)]) is None
    True
    """
    pts = list(points)
    if not pts:
        return None
    unit = pts[0].unit
    same = points_in(pts, unit)
    if len(same) != len(pts):
        return None
    return max(p.expanded_uncertainty for p in same), unit


@dataclass(frozen=True, slots=True)
class RatioCheck:
    """Smallest ratio U(level below) / U(reference) found over the shared calibration points."""

    ratio: float
    at_value: float
    unit: str
    lower_expanded_uncertainty: float
    reference_expanded_uncertainty: float


def smallest_uncertainty_ratio(
    lower: Sequence[CalibrationPoint], reference: Sequence[CalibrationPoint]
) -> RatioCheck | None:
    """Worst (smallest) ratio of the lower level's U to the reference's U at the lower level's points.

    Points of ``lower`` outside the reference's calibrated range or of another dimension are not compared
    (the reference may serve another quantity of the calibration, e.g. a thermometer for air density); the
    range itself is checked by the traceability walk (``out_of_calibrated_range``).

    >>> ref = (CalibrationPoint(1000.0, "g", 0.0005),)
    >>> smallest_uncertainty_ratio((CalibrationPoint(1000.0, "g", 0.0016),), ref).ratio
    3.2
    """
    worst: RatioCheck | None = None
    for point in lower:
        reference_u = uncertainty_at(reference, point.value, point.unit, frequency_hz=point.frequency_hz)
        if reference_u is None:
            continue
        ratio = point.expanded_uncertainty / reference_u
        if worst is None or ratio < worst.ratio:
            worst = RatioCheck(ratio, point.value, point.unit, point.expanded_uncertainty, reference_u)
    return worst


def uncertainty_at_points(
    reference: Sequence[CalibrationPoint], used_at: Sequence[CalibrationPoint]
) -> tuple[float, str] | None:
    """Largest U of ``reference`` at the values where it was used; falls back to :func:`worst_uncertainty`
    when no value of use is comparable or when they are in several units.

    >>> ref = (CalibrationPoint(0.0, "V", 1e-6), CalibrationPoint(10.0, "V", 5e-6))
    >>> uncertainty_at_points(ref, (CalibrationPoint(10.0, "V", 2e-5),))
    (5e-06, 'V')
    """
    found = [
        (u, p.unit)
        for p in used_at
        if (u := uncertainty_at(reference, p.value, p.unit, frequency_hz=p.frequency_hz)) is not None
    ]
    if found and len({unit for _, unit in found}) == 1:
        return max(found)
    return worst_uncertainty(reference)

"""Calibration and measurement capabilities (CMC) and the ILAC-P14 rules that use them.

A CMC entry is one row of the lab's accreditation scope: a quantity, a range and the smallest expanded
uncertainty
the lab can claim there, either fixed or ``a + b·|x|`` (b relative, e.g. 2e-6 for 2 µV/V).
ILAC-P14:09/2020 5.4
(6.5 in the reference notes' numbering): an accredited lab shall not report an expanded uncertainty
smaller than
the uncertainty of its CMC. A result outside every entry is outside the accredited scope: it is allowed,
but the
certificate must not carry the accreditation mark for it.

>>> scope = (CmcEntry("DC voltage", "V", 0.0, 10.0, fixed=None, a=2e-6, b=5e-6),)
>>> check_against_cmc(scope, "DC voltage", 10.0, "V", 6e-5).within_scope
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lims.domain.calibration_points import CalibrationPoint, points_in, uncertainty_at
from lims.domain.errors import DomainError
from lims.domain.unit_conversion import convert_difference, convert_value


class CapabilityError(DomainError, ValueError):
    """A CMC entry is malformed."""


class UncertaintyBelowCmc(DomainError, ValueError):
    """The reported expanded uncertainty is smaller than the lab's CMC (ILAC-P14 5.4)."""

    def __init__(self, quantity: str, value: float, unit: str, reported: float, cmc: float) -> None:
        self.quantity, self.value, self.unit, self.reported, self.cmc = quantity, value, unit, reported, cmc
        super().__init__(
            f"expanded_uncertainty: {reported:.3g} {unit} for {quantity} at {value:g} {unit} is smaller "
            f"than the lab's CMC of {cmc:.3g} {unit}; ILAC-P14 forbids reporting less than the CMC"
        )


@dataclass(frozen=True, slots=True)
class CmcEntry:
    """One row of the scope: quantity, unit, range and the smallest expanded uncertainty (k ≈ 2, 95 %).

    Either ``fixed`` is given, or ``a`` (unit) and ``b`` (relative) for U = a + b·|x|.
    """

    quantity: str
    unit: str
    range_min: float
    range_max: float
    fixed: float | None = None
    a: float = 0.0
    b: float = 0.0
    procedure_code: str | None = None

    def __post_init__(self) -> None:
        where = f"cmc {self.quantity} {self.range_min:g}..{self.range_max:g} {self.unit}"
        for name in ("range_min", "range_max", "a", "b"):
            if not math.isfinite(getattr(self, name)):
                raise CapabilityError(f"{where}.{name}: not a finite number")
        if self.range_max < self.range_min:
            raise CapabilityError(f"{where}: range_max is below range_min")
        if self.fixed is not None and (not math.isfinite(self.fixed) or self.fixed <= 0):
            raise CapabilityError(f"{where}.fixed: must be a positive number")
        if self.fixed is None and (self.a < 0 or self.b < 0 or self.a + self.b == 0):
            raise CapabilityError(f"{where}: give fixed, or a ≥ 0 and b ≥ 0 not both zero")

    def covers(self, quantity: str, value: float, unit: str) -> bool:
        """True when the entry is for this quantity and range_min ≤ value ≤ range_max, the value brought to
        the entry's unit with pint first (a result in bar is inside a row written in kPa).

        >>> CmcEntry("pressure", "kPa", 0, 2000, fixed=0.5).covers("pressure", 16.0, "bar")
        True
        """
        at = convert_value(value, unit, self.unit)
        return quantity == self.quantity and at is not None and self.range_min <= at <= self.range_max

    def uncertainty_in(self, value: float, unit: str) -> float | None:
        """The CMC at ``value`` ``unit``, expressed in ``unit`` (``None`` if the units are not comparable).

        >>> CmcEntry("pressure", "kPa", 0, 2000, fixed=0.5).uncertainty_in(16.0, "bar")
        0.005
        """
        at = convert_value(value, unit, self.unit)
        if at is None:
            return None
        return convert_difference(self.uncertainty_at(at), self.unit, unit)

    def uncertainty_at(self, value: float) -> float:
        """The CMC (expanded uncertainty, entry unit) at ``value``.

        >>> CmcEntry("mass", "kg", 0, 50, a=0.0001, b=1e-5).uncertainty_at(20.0)
        0.0003
        """
        if self.fixed is not None:
            return self.fixed
        return float(f"{self.a + self.b * abs(value):.12g}")


@dataclass(frozen=True, slots=True)
class CmcCheck:
    """Outcome of :func:`check_against_cmc`: within the accredited scope or not, and the CMC applied."""

    within_scope: bool
    entry: CmcEntry | None
    cmc_uncertainty: float | None


def check_against_cmc(
    scope: Sequence[CmcEntry], quantity: str, value: float, unit: str, expanded_uncertainty: float
) -> CmcCheck:
    """Is the result inside the scope, and is its U at least the CMC there?

    Raises :class:`UncertaintyBelowCmc` when U is smaller than the CMC of the covering entry (where several
    entries cover the value, the smallest CMC applies). Outside the scope, returns ``within_scope=False``.

    >>> scope = (CmcEntry("pressure", "bar", 0.0, 100.0, fixed=0.01),)
    >>> check_against_cmc(scope, "pressure", 200.0, "bar", 0.05).within_scope
    False
    >>> check_against_cmc(scope, "pressure", 50.0, "bar", 0.005)
    Traceback (most recent call last):
    ...
    lims.domain.capability.UncertaintyBelowCmc: expanded_uncertainty: 0.005 bar for pressure at 50 bar is ...
    """
    if not (math.isfinite(value) and math.isfinite(expanded_uncertainty)) or expanded_uncertainty < 0:
        raise CapabilityError(
            f"value/expanded_uncertainty: need finite numbers and U ≥ 0 (got {value}, {expanded_uncertainty})"
        )
    covering = [e for e in scope if e.covers(quantity, value, unit)]
    if not covering:
        return CmcCheck(False, None, None)
    entry = min(covering, key=lambda e: e.uncertainty_in(value, unit) or math.inf)
    cmc = entry.uncertainty_in(value, unit)
    assert cmc is not None  # covers() already converted the value
    # A relative margin of 1e-9 forgives float noise when a lab reports exactly its CMC.
    if expanded_uncertainty < cmc * (1 - 1e-9):
        raise UncertaintyBelowCmc(quantity, value, unit, expanded_uncertainty, cmc)
    return CmcCheck(True, entry, cmc)


def cmc_from_dict(data: Any, where: str = "cmc") -> CmcEntry:
    """Build an entry from ``{"quantity", "unit", "range_min", "range_max", "fixed" | "a"/"b"}``.

    >>> cmc_from_dict({"quantity": "temperature", "unit": "°C", "range_min": -20, "range_max": 150,
    ...                "fixed": 0.05}).uncertainty_at(20)
    0.05
    """
    if not isinstance(data, Mapping):
        raise CapabilityError(f"{where}: expected an object")
    quantity, unit = data.get("quantity"), data.get("unit")
    if not isinstance(quantity, str) or not quantity:
        raise CapabilityError(f"{where}.quantity: expected a name")
    if not isinstance(unit, str) or not unit:
        raise CapabilityError(f"{where}.unit: expected a unit")
    numbers: dict[str, float | None] = {}
    for key in ("range_min", "range_max", "fixed", "a", "b"):
        raw = data.get(key)
        if raw is None:
            if key in ("range_min", "range_max"):
                raise CapabilityError(f"{where}.{key}: required")
            numbers[key] = None
            continue
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise CapabilityError(f"{where}.{key}: {raw!r} is not a number")
        numbers[key] = float(raw)
    code = data.get("procedure_code")
    return CmcEntry(
        quantity,
        unit,
        numbers["range_min"] or 0.0,
        numbers["range_max"] or 0.0,
        fixed=numbers["fixed"],
        a=numbers["a"] or 0.0,
        b=numbers["b"] or 0.0,
        procedure_code=code if isinstance(code, str) else None,
    )


def scope_from_list(data: Any, where: str = "scope") -> tuple[CmcEntry, ...]:
    """The lab's scope from a JSON list of entries; errors name the entry's index.

    >>> scope_from_list([{"quantity": "mass", "unit": "kg", "range_min": 0, "range_max": 60, "a": 5e-4}])[0].a
    0.0005
    >>> scope_from_list([{"quantity": "mass", "unit": "kg", "range_min": 0}])
    Traceback (most recent call last):
    ...
    lims.domain.capability.CapabilityError: scope[0].range_max: required
    """
    if not isinstance(data, list):
        raise CapabilityError(f"{where}: expected a list of CMC entries")
    return tuple(cmc_from_dict(item, f"{where}[{i}]") for i, item in enumerate(data))


@dataclass(frozen=True, slots=True)
class UnrealisableCmc:
    """A value where a CMC row claims less than the best of its standards can realise."""

    value: float
    unit: str
    cmc: float
    standard: str
    standard_uncertainty: float  # the standard's expanded uncertainty at ``value`` (its certificate)


def unrealisable_points(
    entry: CmcEntry, standards: Sequence[tuple[str, Sequence[CalibrationPoint]]]
) -> list[UnrealisableCmc]:
    """Where ``entry`` claims a CMC smaller than the U its own standards' certificates state (issue 16 item 6).

    The expanded uncertainty of the reference standard at a point is one component of every result there
    (EA-4/02 M:2022 section 5; ILAC-P14:09/2020 5.4, from memory), so no result, and hence no CMC, can be
    smaller. ``standards`` are (asset number, certificate points) of the standards the row's procedure uses;
    at each value judged, the smallest U among the standards covering it is the bound. Values judged: the
    standards' calibration points inside the row's range and the row's two ends (U interpolated, never
    extrapolated: a standard that does not cover a value does not bound it).

    Worked example (the demo's DC voltage row): U = 10 µV + 5·10⁻⁶·V, at 2 V: 10 µV + 10 µV = 20 µV; the
    calibrator's certificate states 40 µV from 0 to 20 V, so 20 µV < 40 µV is refused. The row claims less
    than 40 µV wherever 10 µV + 5 µV/V · x < 40 µV, i.e. below 6 V; both lines are piecewise linear, so the
    worst values are at the judged values, here 0 V (10 µV):

    >>> row = CmcEntry("DC voltage", "V", 0.0, 20.0, a=1e-5, b=5e-6)
    >>> calibrator = ("CDL-DI-001", (CalibrationPoint(0.0, "V", 4e-5), CalibrationPoint(20.0, "V", 4e-5)))
    >>> bad = unrealisable_points(row, [calibrator])
    >>> [(p.value, round(p.cmc * 1e6, 3), round(p.standard_uncertainty * 1e6, 3)) for p in bad]
    [(0.0, 10.0, 40.0)]
    """
    # An AC row (no frequency of its own) claims its CMC at every frequency its standards were calibrated at,
    # so each of those frequencies bounds it; a DC row is judged on the DC points only.
    alternating = entry.quantity.strip().lower().startswith("ac ")
    frequencies = sorted(
        {
            p.frequency_hz
            for _, points in standards
            for p in points
            if (p.frequency_hz is not None) == alternating
        },
        key=lambda f: f or 0.0,
    ) or [None]
    found: list[UnrealisableCmc] = []
    for frequency in frequencies:
        candidates = {entry.range_min, entry.range_max}
        for _, points in standards:
            for p in points_in(points, entry.unit, frequency_hz=frequency):
                if entry.range_min <= p.value <= entry.range_max:
                    candidates.add(p.value)
        for value in sorted(candidates):
            bounds = [
                (u, asset)
                for asset, points in standards
                if (u := uncertainty_at(points, value, entry.unit, frequency_hz=frequency)) is not None
            ]
            if not bounds:
                continue
            best, asset = min(bounds)
            cmc = entry.uncertainty_at(value)
            if cmc < best * (1 - 1e-9):
                found.append(UnrealisableCmc(value, entry.unit, cmc, asset, best))
    return found

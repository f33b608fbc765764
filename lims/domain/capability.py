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

from lims.domain.errors import DomainError


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
        """True when the entry is for this quantity and unit and range_min ≤ value ≤ range_max."""
        return quantity == self.quantity and unit == self.unit and self.range_min <= value <= self.range_max

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
    entry = min(covering, key=lambda e: e.uncertainty_at(value))
    cmc = entry.uncertainty_at(value)
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

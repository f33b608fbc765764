"""Environmental conditions against a procedure's limits (ISO/IEC 17025:2017 6.3.3, 7.8.4.1 b).

Conditions outside the limits do not stop the work: they are recorded, returned as :class:`Deviation`
rows and the
job is flagged, so that a reviewer decides (and the certificate states the conditions).

>>> limits = (EnvironmentLimit("temperature", "°C", minimum=18.0, maximum=28.0, max_variation=1.0),)
>>> [d.message for d in check_environment(limits, {"temperature": [22.0, 23.4]})]
['temperature varied by 1.4 °C during the measurement; the procedure allows at most 1 °C']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from lims.domain.errors import DomainError


class EnvironmentDataError(DomainError, ValueError):
    """An environmental limit or reading is malformed (not a deviation: bad data)."""


class DeviationKind(StrEnum):
    """Why a reading is flagged."""

    BELOW_MINIMUM = "below_minimum"
    ABOVE_MAXIMUM = "above_maximum"
    VARIATION = "variation"
    NOT_RECORDED = "not_recorded"


@dataclass(frozen=True, slots=True)
class EnvironmentLimit:
    """Allowed range of one influence quantity (e.g. temperature 18 °C to 28 °C, varying ≤ 1 °C)."""

    quantity: str
    unit: str
    minimum: float | None = None
    maximum: float | None = None
    max_variation: float | None = None
    #: recorded only when it applies (e.g. a liquid-in-glass thermometer's emergent column): not recording it
    #: is no deviation
    optional: bool = False

    def __post_init__(self) -> None:
        for name in ("minimum", "maximum", "max_variation"):
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                raise EnvironmentDataError(f"environment.{self.quantity}.{name}: {value} is not finite")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise EnvironmentDataError(
                f"environment.{self.quantity}: minimum {self.minimum} is above maximum {self.maximum}"
            )
        if self.max_variation is not None and self.max_variation < 0:
            raise EnvironmentDataError(f"environment.{self.quantity}.max_variation: must be ≥ 0")


@dataclass(frozen=True, slots=True)
class Deviation:
    """One environmental condition outside the procedure's limits."""

    quantity: str
    kind: DeviationKind
    value: float | None
    limit: float | None
    unit: str
    message: str


def _values(quantity: str, raw: float | Sequence[float]) -> list[float]:
    values = [raw] if isinstance(raw, int | float) else list(raw)
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise EnvironmentDataError(f"environment.{quantity}: {v!r} is not a number")
    return [float(v) for v in values]


def check_environment(
    limits: Sequence[EnvironmentLimit], readings: Mapping[str, float | Sequence[float]]
) -> list[Deviation]:
    """Compare recorded conditions (one value or the values logged during the work) with the limits.

    A quantity the procedure limits but that was not recorded is itself a deviation.

    >>> lim = (EnvironmentLimit("humidity", "%rh", maximum=80.0),)
    >>> check_environment(lim, {"humidity": 85.0})[0].message
    'humidity 85 %rh is above the maximum 80 %rh'
    >>> check_environment(lim, {})[0].kind.value
    'not_recorded'
    """
    found: list[Deviation] = []
    for lim in limits:
        raw = readings.get(lim.quantity)
        if raw is None or (not isinstance(raw, int | float) and len(raw) == 0):
            if lim.optional:
                continue
            found.append(
                Deviation(
                    lim.quantity,
                    DeviationKind.NOT_RECORDED,
                    None,
                    None,
                    lim.unit,
                    f"{lim.quantity} was not recorded; the procedure requires it",
                )
            )
            continue
        values = _values(lim.quantity, raw)
        low, high = min(values), max(values)
        if lim.minimum is not None and low < lim.minimum:
            found.append(
                Deviation(
                    lim.quantity,
                    DeviationKind.BELOW_MINIMUM,
                    low,
                    lim.minimum,
                    lim.unit,
                    f"{lim.quantity} {low:g} {lim.unit} is below the minimum {lim.minimum:g} {lim.unit}",
                )
            )
        if lim.maximum is not None and high > lim.maximum:
            found.append(
                Deviation(
                    lim.quantity,
                    DeviationKind.ABOVE_MAXIMUM,
                    high,
                    lim.maximum,
                    lim.unit,
                    f"{lim.quantity} {high:g} {lim.unit} is above the maximum {lim.maximum:g} {lim.unit}",
                )
            )
        spread = float(f"{high - low:.12g}")
        if lim.max_variation is not None and spread > lim.max_variation:
            found.append(
                Deviation(
                    lim.quantity,
                    DeviationKind.VARIATION,
                    spread,
                    lim.max_variation,
                    lim.unit,
                    f"{lim.quantity} varied by {spread:g} {lim.unit} during the measurement; "
                    f"the procedure allows at most {lim.max_variation:g} {lim.unit}",
                )
            )
    return found


def limit_from_dict(data: Any, where: str = "environment") -> EnvironmentLimit:
    """Build a limit from its procedure-file form.

    >>> limit_from_dict({"quantity": "temperature", "unit": "°C", "minimum": 18, "maximum": 28})
    EnvironmentLimit(quantity='temperature', unit='°C', minimum=18.0, maximum=28.0, max_variation=None, \
optional=False)
    """
    if not isinstance(data, Mapping):
        raise EnvironmentDataError(f"{where}: expected an object")
    quantity, unit = data.get("quantity"), data.get("unit")
    if not isinstance(quantity, str) or not quantity:
        raise EnvironmentDataError(f"{where}.quantity: expected a name such as 'temperature'")
    if not isinstance(unit, str):
        raise EnvironmentDataError(f"{where}.unit: expected a unit such as '°C'")
    bounds: dict[str, float | None] = {}
    for key in ("minimum", "maximum", "max_variation"):
        value = data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise EnvironmentDataError(f"{where}.{key}: {value!r} is not a number")
        bounds[key] = None if value is None else float(value)
    optional = data.get("optional", False)
    if not isinstance(optional, bool):
        raise EnvironmentDataError(f"{where}.optional: expected true or false")
    return EnvironmentLimit(quantity, unit, **bounds, optional=optional)

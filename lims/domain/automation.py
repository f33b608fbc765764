"""A procedure's automated sequence: which source sets the points and when a point counts as settled.

Declared in the procedure file as ``"automation"``::

    "automation": {"driver": "fluke-5520a", "source_unit": "V", "readings": 5,
                   "stability": {"window": 5, "max_slope_per_s": 0.000002, "max_spread": 0.00001,
                                 "timeout_s": 60, "poll_s": 1}}

``driver`` is the source's bench driver (``fluke-5520a`` for DC voltage, ``druck-pace`` for pressure); the
station that runs the sequence must use it. The stability criterion (slope by least squares and spread over
the last ``window`` reference readings, a timeout) is the procedure's own statement of "settled" (EURAMET
cg-15 asks that readings be taken once the source has settled; the figures are the lab's, from memory of
common practice, not a standard's).

>>> a = automation_from_dict({"driver": "fluke-5520a", "source_unit": "V", "readings": 5,
...                           "stability": {"window": 5, "max_slope_per_s": 2e-6, "max_spread": 1e-5,
...                                         "timeout_s": 60, "poll_s": 1}})
>>> a.driver, a.readings, a.window, a.timeout_s
('fluke-5520a', 5, 5, 60.0)
>>> automation_from_dict({"driver": "keithley"})
Traceback (most recent call last):
...
lims.domain.automation.AutomationError: automation.driver: 'keithley' is not a source (fluke-5520a, druck-pace)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lims.domain.errors import DomainError

SOURCES = ("fluke-5520a", "druck-pace")
#: Sources that only read back their own setting, never a measurement: not a reader of the unit under test
#: (a pressure controller measures, so a PACE may read a gauge as an indicator).
SOURCE_ONLY = ("fluke-5520a",)


class AutomationError(DomainError, ValueError):
    """The procedure's automation block is malformed."""


@dataclass(frozen=True, slots=True)
class Automation:
    driver: str
    source_unit: str
    readings: int
    window: int
    max_slope_per_s: float
    max_spread: float
    timeout_s: float
    poll_s: float


def _number(data: Mapping[str, Any], key: str, where: str, *, default: float, low: float) -> float:
    value = data.get(key, default)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < low
    ):
        raise AutomationError(f"{where}.{key}: {value!r} must be a number ≥ {low:g}")
    return float(value)


def automation_from_dict(data: Any, where: str = "automation") -> Automation:
    """Build and check the declaration (a clear error naming the field otherwise)."""
    if not isinstance(data, Mapping):
        raise AutomationError(f"{where}: expected an object")
    driver = data.get("driver")
    if driver not in SOURCES:
        raise AutomationError(f"{where}.driver: {driver!r} is not a source ({', '.join(SOURCES)})")
    unit = data.get("source_unit", "V" if driver == "fluke-5520a" else "")
    if not isinstance(unit, str):
        raise AutomationError(f"{where}.source_unit: expected a unit such as 'V'")
    readings = data.get("readings", 5)
    if isinstance(readings, bool) or not isinstance(readings, int) or not 1 <= readings <= 20:
        raise AutomationError(f"{where}.readings: {readings!r} must be 1 to 20")
    stability = data.get("stability", {})
    if not isinstance(stability, Mapping):
        raise AutomationError(f"{where}.stability: expected an object")
    s_where = f"{where}.stability"
    window = stability.get("window", 5)
    if isinstance(window, bool) or not isinstance(window, int) or window < 2:
        raise AutomationError(f"{s_where}.window: {window!r} must be an integer ≥ 2")
    return Automation(
        driver=str(driver),
        source_unit=unit,
        readings=readings,
        window=window,
        max_slope_per_s=_number(stability, "max_slope_per_s", s_where, default=0.0, low=0.0),
        max_spread=_number(stability, "max_spread", s_where, default=0.0, low=0.0),
        timeout_s=_number(stability, "timeout_s", s_where, default=60.0, low=0.1),
        poll_s=_number(stability, "poll_s", s_where, default=1.0, low=0.0),
    )


def declared(definition: Mapping[str, Any] | None) -> Automation | None:
    """The automation a stored procedure definition declares, None when it declares none."""
    if not definition or "automation" not in definition:
        return None
    return automation_from_dict(definition["automation"])

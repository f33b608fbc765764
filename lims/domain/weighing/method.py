"""The ``"weighing"`` block of a procedure file: which weighing method a procedure follows, and its settings.

.. code-block:: json

    "weighing": {"method": "euramet_cg18", "repeatability_readings": 6, "repeatability_load_percent": 50,
                 "eccentricity_load_percent": 33.4, "eccentricity_positions": 5}

``method`` is ``euramet_cg18`` (calibration, EURAMET cg-18 v4.0) or ``oiml_r76`` (verification, OIML R 76-1
annex A). ``change_point_step_e`` (R 76 only) is the step of the change-point weights in e (0.1 e, R 76-1
A.4.4.3).

The test uncertainty ratio below which simple acceptance is not used is the procedure's ``minimum_tur``
(one rule for every procedure: :func:`certificates.metrology.decision.statement`), not the weighing block's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from lims.domain.errors import DomainError


class WeighingMethodError(DomainError, ValueError):
    """A procedure's ``weighing`` block is invalid; the message names the field."""


class WeighingMethodKind(StrEnum):
    CG18 = "euramet_cg18"
    R76 = "oiml_r76"


class WeighingTestKind(StrEnum):
    """The tests of a weighing job that are not test loads (they apply to the whole instrument)."""

    REPEATABILITY = "repeatability"
    ECCENTRICITY = "eccentricity"
    ZERO = "zero"  # R 76-1 A.4.2.3 zero-setting accuracy
    DISCRIMINATION = "discrimination"  # R 76-1 A.4.8


@dataclass(frozen=True, slots=True)
class WeighingMethod:
    """A weighing procedure's settings (units: percent of Max, multiples of e, counts)."""

    kind: WeighingMethodKind
    repeatability_readings: int
    repeatability_load_percent: float
    eccentricity_load_percent: float
    eccentricity_positions: int = 5
    change_point_step_e: float = 0.1

    @property
    def required_tests(self) -> tuple[WeighingTestKind, ...]:
        """The tests a job must record before it is measured (cg-18 5.1-5.3; R 76-1 A.4.2.3, A.4.7, A.4.8,
        A.4.10)."""
        if self.kind is WeighingMethodKind.CG18:
            return (WeighingTestKind.REPEATABILITY, WeighingTestKind.ECCENTRICITY)
        return (
            WeighingTestKind.ZERO,
            WeighingTestKind.REPEATABILITY,
            WeighingTestKind.ECCENTRICITY,
            WeighingTestKind.DISCRIMINATION,
        )


def _number(data: Mapping[str, Any], key: str, where: str, default: float, minimum: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise WeighingMethodError(f"{where}.{key}: expected a number, got {value!r}")
    if value < minimum:
        raise WeighingMethodError(f"{where}.{key}: {value} must be at least {minimum:g}")
    return float(value)


def method_from_dict(data: Any, where: str = "weighing") -> WeighingMethod:
    """Build and check a weighing block.

    >>> method_from_dict({"method": "oiml_r76"}).required_tests[0].value
    'zero'
    >>> method_from_dict({"method": "scale"})
    Traceback (most recent call last):
    ...
    lims.domain.weighing.method.WeighingMethodError: weighing.method: 'scale' is not euramet_cg18 or oiml_r76
    """
    if not isinstance(data, Mapping):
        raise WeighingMethodError(f"{where}: expected an object with a 'method'")
    if "minimum_tur" in data:
        raise WeighingMethodError(
            f"{where}.minimum_tur: the test uncertainty ratio for simple acceptance is the procedure's "
            "minimum_tur (top level), for every procedure alike"
        )
    try:
        kind = WeighingMethodKind(str(data.get("method")))
    except ValueError:
        raise WeighingMethodError(
            f"{where}.method: {data.get('method')!r} is not euramet_cg18 or oiml_r76"
        ) from None
    readings = _number(data, "repeatability_readings", where, 6 if kind is WeighingMethodKind.CG18 else 3, 2)
    positions = _number(data, "eccentricity_positions", where, 5, 4)
    step = _number(data, "change_point_step_e", where, 0.1, 0.0)
    if not 0 < step <= 0.2:
        raise WeighingMethodError(f"{where}.change_point_step_e: {step} must be above 0 and at most 0.2 e")
    load = _number(data, "repeatability_load_percent", where, 50.0, 1.0)
    ecc = _number(data, "eccentricity_load_percent", where, 33.4, 1.0)
    if load > 100 or ecc > 100:
        raise WeighingMethodError(f"{where}: test loads are percentages of Max, at most 100")
    return WeighingMethod(
        kind=kind,
        repeatability_readings=int(readings),
        repeatability_load_percent=load,
        eccentricity_load_percent=ecc,
        eccentricity_positions=int(positions),
        change_point_step_e=step,
    )


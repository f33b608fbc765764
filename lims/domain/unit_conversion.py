"""Values and uncertainties brought to one unit with pint before they are compared (issue 16, item 4).

Certificates state their points in the unit the issuer chose (a piston gauge in MPa, the controller it
calibrates in kPa, a job in bar). Comparing the unit *strings* silently skips every such pair, so every
comparison in the traceability rules goes through :func:`convert_value` / :func:`convert_difference`.

* A **value** (a calibration point, a point of use) is an absolute quantity: 20 °C is 293.15 K.
* An **uncertainty** (or an error, a correction) is a difference: 0.01 °C is 0.01 K.

Labels pint does not know (``pH``, ``%rh``) are comparable only with the identical label. Nothing here
raises for an unknown or incompatible unit: the functions answer ``None`` and the caller treats the pair as
not comparable (another quantity, e.g. the thermometer that measured the air temperature of a mass
calibration).
"""

from __future__ import annotations

import functools
import math
import re

from lims.domain.uncertainty.units import registry

__all__ = ["comparable", "convert_difference", "convert_value", "dimension_key"]

_CELSIUS = re.compile(r"°C|℃|\bcelsius\b")
_FAHRENHEIT = re.compile(r"°F|℉")
# Labels that pint would misread (pH is picohenry to pint) or does not know: compared as text only.
_OPAQUE = frozenset({"ph", "%rh", "%hr", "rh"})
_MICRO = str.maketrans({"\u00b5": "u", "\u03bc": "u", "\u03a9": "ohm", "\u2126": "ohm"})


def _label(unit: str, *, difference: bool) -> str:
    text = unit.strip().translate(_MICRO)
    text = _CELSIUS.sub("delta_degC" if difference else "degC", text)
    text = _FAHRENHEIT.sub("delta_degF" if difference else "degF", text)
    return text


@functools.lru_cache(maxsize=512)
def _linear(unit: str, target: str, difference: bool) -> tuple[float, float] | None:
    """(scale, offset) with x_target = scale·x + offset, or ``None`` when the units are not comparable."""
    if unit.strip() == target.strip():
        return (1.0, 0.0)
    if {unit.strip().lower(), target.strip().lower()} & _OPAQUE:
        return None
    ureg = registry()
    try:
        source_unit = ureg.parse_units(_label(unit, difference=difference))
        target_unit = ureg.parse_units(_label(target, difference=difference))
        at_zero = float(ureg.Quantity(0.0, source_unit).to(target_unit).magnitude)
        at_one = float(ureg.Quantity(1.0, source_unit).to(target_unit).magnitude)
    except Exception:  # pint raises several unrelated types for unknown or incompatible labels
        return None
    scale, offset = at_one - at_zero, at_zero
    if not (math.isfinite(scale) and math.isfinite(offset)) or scale == 0:
        return None
    return (scale, 0.0 if difference else offset)


def convert_value(value: float, unit: str, target: str) -> float | None:
    """``value`` (an absolute quantity in ``unit``) expressed in ``target``; ``None`` if not comparable.

    >>> convert_value(7.0, "MPa", "kPa")
    7000.0
    >>> round(convert_value(20.0, "°C", "K"), 2)
    293.15
    >>> convert_value(1.0, "g", "V") is None
    True
    >>> convert_value(7.01, "pH", "pH")
    7.01
    """
    linear = _linear(unit, target, False)
    if linear is None:
        return None
    return _clean(linear[0] * value + linear[1])


def convert_difference(value: float, unit: str, target: str) -> float | None:
    """A difference (uncertainty, error, correction) in ``unit`` expressed in ``target``.

    >>> convert_difference(0.3, "kPa", "MPa")
    0.0003
    >>> convert_difference(0.01, "°C", "K")
    0.01
    >>> convert_difference(40.0, "µV", "V")
    4e-05
    """
    linear = _linear(unit, target, True)
    if linear is None:
        return None
    return _clean(linear[0] * value)


def comparable(unit: str, other: str) -> bool:
    """Whether values in the two units can be compared (same dimension, or the same unknown label).

    >>> comparable("kPa", "bar"), comparable("g", "kg"), comparable("°C", "K"), comparable("g", "°C")
    (True, True, True, False)
    """
    return _linear(unit, other, True) is not None


def dimension_key(unit: str) -> str:
    """A label shared by every unit of one dimension (the unit itself when pint does not know it).

    >>> dimension_key("kPa") == dimension_key("bar"), dimension_key("pH")
    (True, 'pH')
    """
    if unit.strip().lower() in _OPAQUE:
        return unit.strip()
    ureg = registry()
    try:
        return str(ureg.parse_units(_label(unit, difference=True)).dimensionality)
    except Exception:  # unknown label: only the identical label is comparable
        return unit.strip()


def _clean(number: float) -> float:
    """Round away binary noise from unit factors (7 MPa → 7000.000000000001 kPa) at 12 significant digits."""
    return float(f"{number:.12g}")

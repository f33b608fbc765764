"""``stem_correction`` inputs: the emergent-stem correction of a liquid-in-glass thermometer (ISO 386)."""

from __future__ import annotations

import math
from typing import Any

from lims.domain.budget_template.context import PointContext, _clean
from lims.domain.budget_template.records import BudgetError, InputTemplate

#: Environment quantities of the emergent stem (ISO 386): the emergent column n in degrees of the scale, its
#: measured mean temperature t2, and, for a partial-immersion thermometer, the stem temperature t1 its scale
#: assumes (a total-immersion thermometer used partly immersed: t1 is the bath temperature).
STEM_LENGTH = "emergent_column"
STEM_TEMPERATURE = "stem_temperature"
STEM_REFERENCE = "stem_reference_temperature"


def _one(ctx: PointContext, quantity: str) -> float | None:
    raw = ctx.environment.get(quantity)
    if raw is None:
        return None
    values = [raw] if isinstance(raw, int | float) else list(raw)
    if not values or any(isinstance(v, bool) or not isinstance(v, int | float) for v in values):
        raise BudgetError(f"environment.{quantity}: {raw!r} is not a number or a list of numbers")
    return math.fsum(float(v) for v in values) / len(values)


def _stem_correction(ctx: PointContext, item: InputTemplate) -> dict[str, Any]:
    """Δt = k·n·(t1 − t2), added to the indication (ISO 386 emergent-stem correction; k ≈ 0.00016 K⁻¹ for
    mercury in thermometer glass).

    u² = (k·n·a/√3)² + (n·(t1 − t2)·u_rel(k)·k)², a = half-width of t2 as measured.
    Hand calculation, mercury-in-glass at 100 °C with n = 60 °C emergent and t2 = 30 °C, k = 0.00016 K⁻¹
    (u_rel 10 %), a = 2 K: Δt = 0.00016 × 60 × (100 − 30) = 0.672 °C;
    u = √((0.00016 × 60 × 2/√3)² + (0.672 × 0.1)²) = √(0.011085² + 0.0672²) = 0.068108 °C.

    >>> from lims.domain.budget_template.records import InputSource, InstrumentUnderTest
    >>> item = InputTemplate("dt_stem", InputSource.STEM_CORRECTION, coefficient=0.00016, half_width=2.0,
    ...                      relative_uncertainty=0.1)
    >>> ctx = PointContext(100.0, "°C", (99.4,), {}, InstrumentUnderTest("°C", -10, 110, 0.1),
    ...                    {"emergent_column": 60, "stem_temperature": 30})
    >>> e = _stem_correction(ctx, item)
    >>> round(e["value"], 6), round(e["distribution"]["u"], 6)
    (0.672, 0.068108)
    """
    n = _one(ctx, STEM_LENGTH)
    if n is None or n == 0:
        return {"value": 0.0, "distribution": {"kind": "normal", "u": 0.0}}
    if n < 0:
        raise BudgetError(f"environment.{STEM_LENGTH}: {n:g} must be ≥ 0 (degrees of the scale emergent)")
    t2 = _one(ctx, STEM_TEMPERATURE)
    if t2 is None:
        raise BudgetError(
            f"environment.{STEM_TEMPERATURE}: not recorded; input {item.name} needs the mean temperature of "
            "the emergent column (ISO 386)"
        )
    t1 = _one(ctx, STEM_REFERENCE)
    t1 = ctx.nominal if t1 is None else t1
    k = item.coefficient
    value = k * n * (t1 - t2)
    u = math.hypot(k * n * item.half_width / math.sqrt(3.0), value * item.relative_uncertainty)
    return {"value": _clean(value), "distribution": {"kind": "normal", "u": _clean(u)}}

"""One test point's data for instantiating a budget template, and the lookups every input source shares."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from lims.domain import pressure as dkd
from lims.domain.budget_template.records import (
    BudgetError,
    InputTemplate,
    InstrumentUnderTest,
    Scale,
    StandardUsed,
)


@dataclass(frozen=True, slots=True)
class PointContext:
    """Everything one test point's budget is built from (validated by the caller)."""

    nominal: float
    unit: str
    readings: tuple[float, ...]
    standards: Mapping[str, StandardUsed]
    instrument: InstrumentUnderTest
    environment: Mapping[str, float | Sequence[float]]
    sequence: dkd.CalibrationSequence | None = None
    sequence_settings: dkd.SequenceSettings | None = None
    zero_readings: tuple[float, ...] | None = (
        None  # the zero point's series (None: the gauge has no zero point)
    )
    supplied: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # name -> value, distribution
    frequency_hz: float | None = None  # an AC point's frequency (None: DC)


def _standard(ctx: PointContext, item: InputTemplate) -> StandardUsed:
    assert item.standard is not None
    found = ctx.standards.get(item.standard)
    if found is None:
        raise BudgetError(
            f"standards.{item.standard}: missing; input {item.name} needs the {item.standard} standard's data"
        )
    return found


def _scale(scale: Scale, ctx: PointContext) -> float:
    if scale == Scale.NOMINAL:
        return abs(ctx.nominal)
    if scale == Scale.RANGE:
        return ctx.instrument.range_max - ctx.instrument.range_min
    return 1.0


def _env_value(ctx: PointContext, item: InputTemplate) -> float:
    assert item.quantity is not None
    raw = ctx.environment.get(item.quantity)
    if raw is None and item.optional:
        return 0.0
    if raw is None:
        raise BudgetError(
            f"environment.{item.quantity}: not recorded; input {item.name} of the budget needs it"
        )
    values = [raw] if isinstance(raw, int | float) else list(raw)
    if not values or any(isinstance(v, bool) or not isinstance(v, int | float) for v in values):
        raise BudgetError(f"environment.{item.quantity}: {raw!r} is not a number or a list of numbers")
    # The largest departure from the reference condition bounds the effect over the whole measurement.
    return max(abs(float(v) - item.reference_value) for v in values)


def _clean(x: float) -> float:
    return float(f"{x:.15g}")

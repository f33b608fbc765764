"""Inputs of a calibration sequence (DKD-R 6-1, :mod:`lims.domain.pressure`): the series' mean, hysteresis,
repeatability, zero deviation and the head correction (EURAMET cg-17)."""

from __future__ import annotations

from typing import Any

from lims.domain import pressure as dkd
from lims.domain.budget_template.context import PointContext, _clean
from lims.domain.budget_template.records import BudgetError, InputSource, InputTemplate


def _series_settings(ctx: PointContext) -> tuple[dkd.CalibrationSequence, dkd.SequenceSettings]:
    if ctx.sequence is None or ctx.sequence_settings is None:
        raise BudgetError("budget.inputs: hysteresis, repeatability, zero and head inputs need a sequence")
    return ctx.sequence, ctx.sequence_settings


def _series_indication(ctx: PointContext) -> dict[str, Any]:
    """The mean of the series; Type A with the pooled s_p only when no direction is repeated (sequence C)."""
    sequence, settings = _series_settings(ctx)
    values = dkd.characteristic_values(sequence, ctx.readings)
    if sequence.repeated:
        return {"value": values.mean, "distribution": {"kind": "normal", "u": 0.0}}
    span = ctx.instrument.range_max - ctx.instrument.range_min
    return {
        "distribution": {
            "kind": "type_a",
            "readings": list(ctx.readings),
            "pooled_sd": _clean(settings.pooled_repeatability_relative * span),
            "pooled_dof": settings.pooled_dof,
        }
    }


def _sequence_input(item: InputTemplate, ctx: PointContext) -> dict[str, Any]:
    sequence, settings = _series_settings(ctx)
    values = dkd.characteristic_values(sequence, ctx.readings)
    if item.source == InputSource.HYSTERESIS:
        return {
            "value": 0.0,
            "distribution": {"kind": "rectangular", "half_width": _clean(values.hysteresis / 2)},
        }
    if item.source == InputSource.REPEATABILITY:
        half = 0.0 if values.repeatability is None else values.repeatability / 2
        return {"value": 0.0, "distribution": {"kind": "rectangular", "half_width": _clean(half)}}
    if item.source == InputSource.ZERO_DEVIATION:
        f0 = 0.0 if ctx.zero_readings is None else dkd.zero_deviation(sequence, ctx.zero_readings)
        return {"value": 0.0, "distribution": {"kind": "rectangular", "half_width": _clean(f0 / 2)}}
    raw = ctx.environment.get("height_difference")
    if raw is None:
        raise BudgetError(
            f"environment.height_difference: not recorded; input {item.name} (ρ·g·Δh) needs the height of "
            "the standard's reference level above the gauge's, in m"
        )
    heights = [raw] if isinstance(raw, int | float) else list(raw)
    if len(heights) != 1 or isinstance(heights[0], bool) or not isinstance(heights[0], int | float):
        raise BudgetError("environment.height_difference: give one height difference in m")
    head = dkd.head_correction(
        settings, nominal=ctx.nominal, unit=ctx.unit, height_difference_m=float(heights[0])
    )
    return {"value": head.value, "distribution": {"kind": "normal", "u": head.standard_uncertainty}}

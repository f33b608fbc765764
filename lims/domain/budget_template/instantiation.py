"""A budget template instantiated for one test point into the uncertainty engine's budget dictionary."""

from __future__ import annotations

import math
from typing import Any

from lims.domain.budget_template.context import PointContext, _clean, _env_value, _scale, _standard
from lims.domain.budget_template.records import SEQUENCE_SOURCES, BudgetError, BudgetTemplate, InputSource
from lims.domain.budget_template.sequence import _sequence_input, _series_indication
from lims.domain.budget_template.specification import _specification_half_width
from lims.domain.budget_template.stem import _stem_correction


def instantiate(template: BudgetTemplate, ctx: PointContext) -> dict[str, Any]:
    """The budget dictionary for one test point, in exactly the uncertainty engine's input format.

    Every input has a ``value`` except the ``readings`` one: a ``type_a`` input's estimate is the mean of its
    readings (GUM 4.2.1), which the engine computes. Input descriptions stay in the template
    (:attr:`InputTemplate.description`), not in the budget.
    """
    inputs: list[dict[str, Any]] = []
    for item in template.inputs:
        entry: dict[str, Any] = {"name": item.name, "unit": ctx.unit}
        if item.source == InputSource.READINGS and ctx.sequence is not None:
            entry |= _series_indication(ctx)
        elif item.source in SEQUENCE_SOURCES:
            entry |= _sequence_input(item, ctx)
        elif item.source == InputSource.READINGS:
            # The engine takes a type A input's estimate from its readings and refuses an explicit value
            # (docs/budget-format.md): a copied mean could only disagree with them.
            entry["distribution"] = {"kind": "type_a", "readings": list(ctx.readings)}
        elif item.source == InputSource.STANDARD:
            std = _standard(ctx, item)
            entry["value"] = std.value
            entry["distribution"] = {
                "kind": "normal",
                "expanded": std.expanded_uncertainty,
                "k": std.coverage_factor,
            }
            if std.degrees_of_freedom is not None:
                entry["dof"] = std.degrees_of_freedom
        elif item.source == InputSource.STANDARD_DRIFT:
            entry["value"] = 0.0
            entry["distribution"] = {"kind": "rectangular", "half_width": _standard(ctx, item).drift_limit}
        elif item.source == InputSource.STANDARD_CHARACTERISTIC:
            std = _standard(ctx, item)
            assert item.characteristic is not None
            half = std.characteristics.get(item.characteristic)
            if half is None or not math.isfinite(half) or half < 0:
                raise BudgetError(
                    f"standards.{item.standard}.characteristics.{item.characteristic}: missing "
                    f"or not a half-width ≥ 0; input {item.name} needs it"
                )
            entry["value"] = 0.0
            entry["distribution"] = {"kind": "rectangular", "half_width": float(half)}
        elif item.source == InputSource.STANDARD_SPECIFICATION:
            entry["value"] = 0.0
            entry["distribution"] = {
                "kind": "rectangular",
                "half_width": _specification_half_width(ctx, item),
            }
        elif item.source == InputSource.STEM_CORRECTION:
            entry |= _stem_correction(ctx, item)
        elif item.source == InputSource.RESOLUTION:
            entry["value"] = 0.0
            half = _clean(ctx.instrument.resolution / 2)
            entry["distribution"] = {"kind": "rectangular", "half_width": half}
        elif item.source == InputSource.SUPPLIED:
            given = ctx.supplied.get(item.name)
            if given is None or "distribution" not in given:
                raise BudgetError(
                    f"budget.inputs ({item.name}): supplied by the procedure's method, but nothing was given"
                )
            entry["value"] = float(given.get("value", 0.0))
            entry["distribution"] = dict(given["distribution"])
            if given.get("dof") is not None:
                entry["dof"] = float(given["dof"])
        elif item.source == InputSource.ENVIRONMENT:
            half = item.coefficient * _env_value(ctx, item) * _scale(item.scale, ctx)
            entry["value"] = 0.0
            entry["distribution"] = {"kind": "rectangular", "half_width": _clean(abs(half))}
        else:
            entry["value"] = item.value
            dist = dict(item.distribution or {})
            if "half_width_relative" in dist:
                dist["half_width"] = _clean(dist.pop("half_width_relative") * _scale(item.scale, ctx))
            entry["distribution"] = dist
        if item.dof is not None:
            entry["dof"] = item.dof
        inputs.append(entry)
    return {
        "measurand": {"name": template.measurand, "unit": ctx.unit},
        "model": template.model,
        "coverage_probability": template.coverage_probability,
        "inputs": inputs,
        "correlations": [dict(c) for c in template.correlations],
    }

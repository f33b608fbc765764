"""The procedure-file form of a budget template: reading it with checks that name the field, and writing it
back for export and round trips."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping
from typing import Any

from lims.domain.budget_template.expression import MODEL_CONSTANTS, MODEL_FUNCTIONS, model_names
from lims.domain.budget_template.records import BudgetError, BudgetTemplate, InputSource, InputTemplate, Scale


def _num(data: Mapping[str, Any], key: str, where: str, default: float | None = None) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BudgetError(f"{where}.{key}: expected a finite number, got {value!r}")
    return float(value)


def _fixed_distribution(dist: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(dist, Mapping):
        raise BudgetError(f"{where}.distribution: expected an object with a 'kind'")
    kind = dist.get("kind")
    if kind in ("rectangular", "triangular", "arcsine"):
        if "half_width" not in dist and "half_width_relative" not in dist:
            raise BudgetError(f"{where}.distribution: a {kind} distribution needs half_width")
        key = "half_width" if "half_width" in dist else "half_width_relative"
        if _num(dist, key, f"{where}.distribution") < 0:
            raise BudgetError(f"{where}.distribution.{key}: must be ≥ 0")
    elif kind == "normal":
        if "u" not in dist and not ("expanded" in dist and "k" in dist):
            raise BudgetError(f"{where}.distribution: a normal distribution needs u, or expanded and k")
        for key in ("u", "expanded", "k"):
            if key in dist and _num(dist, key, f"{where}.distribution") < 0:
                raise BudgetError(f"{where}.distribution.{key}: must be ≥ 0")
    elif kind == "student_t":
        _num(dist, "scale", f"{where}.distribution")
        _num(dist, "dof", f"{where}.distribution")
    else:
        raise BudgetError(
            f"{where}.distribution.kind: {kind!r} is not normal, rectangular, triangular, arcsine "
            "or student_t"
        )
    return dict(dist)


def _description(value: Any, where: str) -> tuple[str, str]:
    """(English, Vietnamese) of an input's description: a string (English only, as older procedure files
    have it) or ``{"vi": ..., "en": ...}``. Vietnamese is kept in NFC."""
    if isinstance(value, str):
        return value, ""
    if (
        isinstance(value, Mapping)
        and set(value) <= {"vi", "en"}
        and all(isinstance(v, str) for v in value.values())
    ):
        return str(value.get("en", "")), unicodedata.normalize("NFC", str(value.get("vi", "")))
    raise BudgetError(f'{where}.description: expected a text or {{"vi": ..., "en": ...}}')


def _input_from_dict(data: Any, where: str) -> InputTemplate:
    if not isinstance(data, Mapping):
        raise BudgetError(f"{where}: expected an object")
    name = data.get("name")
    if not isinstance(name, str) or not name.isidentifier() or name in MODEL_FUNCTIONS | MODEL_CONSTANTS:
        raise BudgetError(f"{where}.name: {name!r} is not a usable input name")
    where = f"{where} ({name})"
    try:
        source = InputSource(str(data.get("source")))
    except ValueError:
        raise BudgetError(
            f"{where}.source: {data.get('source')!r} is not one of {', '.join(s.value for s in InputSource)}"
        ) from None
    role = data.get("role")
    if role not in (None, "indication", "reference"):
        raise BudgetError(f"{where}.role: {role!r} is not 'indication' or 'reference'")
    description_en, description_vi = _description(data.get("description", ""), where)
    kw: dict[str, Any] = {"description": description_en, "description_vi": description_vi, "role": role}
    if source in (
        InputSource.STANDARD,
        InputSource.STANDARD_DRIFT,
        InputSource.STANDARD_CHARACTERISTIC,
        InputSource.STANDARD_SPECIFICATION,
    ):
        standard = data.get("standard")
        if not isinstance(standard, str) or not standard:
            raise BudgetError(f"{where}.standard: name the standard (e.g. 'reference') this input comes from")
        kw["standard"] = standard
    if source == InputSource.STANDARD_CHARACTERISTIC:
        characteristic = data.get("characteristic")
        if not isinstance(characteristic, str) or not characteristic:
            raise BudgetError(f"{where}.characteristic: name the characteristic (e.g. 'stability')")
        kw["characteristic"] = characteristic
    if source == InputSource.ENVIRONMENT:
        quantity = data.get("quantity")
        if not isinstance(quantity, str) or not quantity:
            raise BudgetError(f"{where}.quantity: name the environmental quantity (e.g. 'temperature')")
        kw |= {
            "quantity": quantity,
            "reference_value": _num(data, "reference_value", where),
            "coefficient": _num(data, "coefficient", where),
        }
    if source == InputSource.STANDARD_SPECIFICATION:
        for key in ("specification", "floor_unit"):
            value = data.get(key)
            if value is not None and (not isinstance(value, str) or not value.strip()):
                raise BudgetError(f"{where}.{key}: expected a name, e.g. 'dc_current' or 'A'")
            kw[key] = value
        if kw["specification"] is not None and not str(kw["specification"]).isidentifier():
            raise BudgetError(
                f"{where}.specification: {kw['specification']!r} is not a name such as 'ac_voltage'"
            )
    if source == InputSource.ENVIRONMENT:
        optional = data.get("optional", False)
        if not isinstance(optional, bool):
            raise BudgetError(f"{where}.optional: expected true or false")
        kw["optional"] = optional
    if source == InputSource.STEM_CORRECTION:
        kw["coefficient"] = _num(data, "coefficient", where)
        kw["half_width"] = _num(data, "stem_temperature_half_width", where, 0.0)
        kw["relative_uncertainty"] = _num(data, "coefficient_relative_uncertainty", where, 0.0)
        if kw["coefficient"] <= 0 or kw["half_width"] < 0 or kw["relative_uncertainty"] < 0:
            raise BudgetError(
                f"{where}: coefficient must be > 0, stem_temperature_half_width and "
                "coefficient_relative_uncertainty ≥ 0"
            )
    if source in (InputSource.ENVIRONMENT, InputSource.FIXED):
        try:
            kw["scale"] = Scale(data.get("scale", "none"))
        except ValueError:
            raise BudgetError(f"{where}.scale: {data.get('scale')!r} is not none, nominal or range") from None
    if source == InputSource.FIXED:
        kw["value"] = _num(data, "value", where, 0.0)
        kw["distribution"] = _fixed_distribution(data.get("distribution"), where)
    if data.get("dof") is not None:
        kw["dof"] = _num(data, "dof", where)
    if role == "indication" and source not in (InputSource.READINGS, InputSource.SUPPLIED):
        raise BudgetError(f"{where}.role: the indication must come from the readings or be supplied")
    if role == "reference" and source != InputSource.STANDARD:
        raise BudgetError(f"{where}.role: the reference must come from a standard")
    return InputTemplate(name, source, **kw)


def template_from_dict(data: Any, where: str = "uncertainty_budget") -> BudgetTemplate:
    """Build and check a template: every model name is an input, every input is used, one indication and one
    reference input exist.

    >>> t = template_from_dict({"measurand": "E", "model": "x - s", "inputs": [
    ...     {"name": "x", "source": "readings", "role": "indication"},
    ...     {"name": "s", "source": "standard", "standard": "ref", "role": "reference"}]})
    >>> (t.input_with_role("reference").standard, t.coverage_probability)
    ('ref', 0.9545)
    >>> template_from_dict({"measurand": "E", "model": "x - s - z", "inputs": [
    ...     {"name": "x", "source": "readings", "role": "indication"},
    ...     {"name": "s", "source": "standard", "standard": "ref", "role": "reference"}]})
    Traceback (most recent call last):
    ...
    lims.domain.budget_template.records.BudgetError: uncertainty_budget.model: z not defined as inputs
    """
    if not isinstance(data, Mapping):
        raise BudgetError(f"{where}: expected an object")
    measurand, model = data.get("measurand"), data.get("model")
    if not isinstance(measurand, str) or not measurand:
        raise BudgetError(f"{where}.measurand: expected the measurand's name, e.g. 'E'")
    if not isinstance(model, str) or not model.strip():
        raise BudgetError(f"{where}.model: expected an expression over the input names")
    raw_inputs = data.get("inputs")
    if not isinstance(raw_inputs, list) or not raw_inputs:
        raise BudgetError(f"{where}.inputs: expected a non-empty list")
    inputs = tuple(_input_from_dict(d, f"{where}.inputs[{i}]") for i, d in enumerate(raw_inputs))
    names = [i.name for i in inputs]
    if len(set(names)) != len(names):
        raise BudgetError(f"{where}.inputs: input names must be unique ({', '.join(names)})")
    used = model_names(model, f"{where}.model")
    if used - set(names):
        raise BudgetError(f"{where}.model: {', '.join(sorted(used - set(names)))} not defined as inputs")
    if set(names) - used:
        raise BudgetError(f"{where}.inputs: {', '.join(sorted(set(names) - used))} not used by the model")
    for role in ("indication", "reference"):
        if sum(1 for i in inputs if i.role == role) != 1:
            raise BudgetError(f"{where}.inputs: exactly one input must have role {role!r}")
    p = _num(data, "coverage_probability", where, 0.9545)
    if not 0 < p < 1:
        raise BudgetError(f"{where}.coverage_probability: {p} must be between 0 and 1")
    correlations = data.get("correlations", [])
    if not isinstance(correlations, list):
        raise BudgetError(f"{where}.correlations: expected a list")
    return BudgetTemplate(measurand, model, inputs, p, tuple(correlations))


def template_to_dict(template: BudgetTemplate) -> dict[str, Any]:
    """The procedure-file form of a template (for export and round trips)."""
    out: list[dict[str, Any]] = []
    for item in template.inputs:
        d: dict[str, Any] = {"name": item.name, "source": item.source.value}
        if item.description_vi:
            d["description"] = {"vi": item.description_vi, "en": item.description}
        for key in ("description", "role", "standard", "characteristic", "quantity", "dof"):
            if key in d:
                continue
            value = getattr(item, key)
            if value not in (None, ""):
                d[key] = value
        if item.source == InputSource.ENVIRONMENT:
            d |= {"reference_value": item.reference_value, "coefficient": item.coefficient}
            if item.optional:
                d["optional"] = True
        if item.source == InputSource.STANDARD_SPECIFICATION:
            d |= {
                k: getattr(item, k) for k in ("specification", "floor_unit") if getattr(item, k) is not None
            }
        if item.source in (InputSource.ENVIRONMENT, InputSource.FIXED):
            d["scale"] = item.scale.value
        if item.source == InputSource.STEM_CORRECTION:
            d |= {
                "coefficient": item.coefficient,
                "stem_temperature_half_width": item.half_width,
                "coefficient_relative_uncertainty": item.relative_uncertainty,
            }
        if item.source == InputSource.FIXED:
            d |= {"value": item.value, "distribution": dict(item.distribution or {})}
        out.append(d)
    return {
        "measurand": template.measurand,
        "model": template.model,
        "coverage_probability": template.coverage_probability,
        "inputs": out,
        "correlations": [dict(c) for c in template.correlations],
    }

"""Uncertainty budget templates: a procedure's measurement model with the origin of each input quantity.

A template is instantiated per test point into the budget dictionary that the uncertainty engine evaluates
(JCGM 100:2008 (GUM) clause 8 steps 1-3: model, estimates, standard uncertainties). Each input says where its
estimate and its uncertainty come from:

===========================  =================================================================================
source                       input in the budget (value; distribution)
===========================  =================================================================================
``readings``                 no value: type A from the readings, the estimate is their mean (GUM 4.2.1)
``standard``                 the standard's reference value; normal from its certificate U and k (GUM 4.3.1)
``standard_drift``           0; rectangular, half-width = the standard's drift limit (GUM 4.3.7)
``standard_characteristic``  0; rectangular, half-width = named characteristic of a standard (bath stability)
``resolution``               0; rectangular, half-width = resolution / 2 (GUM F.2.2.1)
``environment``              0; rectangular, half-width = coefficient · |reading − reference| · scale
``fixed``                    the template's value and distribution (a lab-characterised constant)
``hysteresis``               0; rectangular, half-width h/2 from the point's up and down series (DKD-R 6-1)
``repeatability``            0; rectangular, half-width b'/2 from the repeated series (DKD-R 6-1, A and B)
``zero_deviation``           0; rectangular, half-width f0/2 from the zero point's readings (DKD-R 6-1)
``head_correction``          ρ·g·Δh in the point's unit; normal from u(ρ) and u(Δh) (EURAMET cg-17)
``standard_specification``   0; rectangular, half-width = (relative·|x| + floor) per year × years since the
                             standard's calibration: a calibrator's drift specification (EURAMET cg-15);
                             ``specification`` names the function (``dc_current``, ``resistance``,
                             ``ac_voltage`` with frequency bands), ``floor_unit`` the unit of its floor
``stem_correction``          k·n·(t1 − t2) (ISO 386 emergent stem); normal from u(t2) and u(k); 0 when no
                             emergent column is recorded (digital or totally immersed thermometers)
``supplied``                 value and distribution computed per point by the procedure's method from the
                             job's other tests (e.g. repeatability and eccentricity of a balance,
                             :mod:`lims.domain.weighing`)
===========================  =================================================================================

With a calibration sequence (a DKD-R 6-1 procedure, :mod:`lims.domain.pressure`) the ``readings`` input
is the mean of the series M1 ↑, M2 ↓, …: its dispersion is carried by the hysteresis, repeatability and zero
inputs, except for a sequence with one series per direction (C), where it is a Type A input with the
laboratory's pooled standard deviation and its degrees of freedom (JCGM 100:2008 4.2.4).

An ``environment`` input marked ``"optional": true`` is 0 ± 0 when the quantity is not recorded (a 2-wire
resistance measurement's lead residual, which a 4-wire one does not have).

``scale`` for environment and relative fixed inputs: ``none`` (1), ``nominal`` (|nominal|) or ``range``
(span).
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from lims.domain import pressure as dkd
from lims.domain.errors import DomainError
from lims.domain.unit_conversion import convert_difference

#: Functions and constants a model expression may use (shared with the uncertainty engine).
MODEL_FUNCTIONS = frozenset({"sqrt", "exp", "log", "log10", "sin", "cos", "tan", "asin", "acos", "atan"})
MODEL_CONSTANTS = frozenset({"pi"})
_ALLOWED_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.UAdd, ast.USub)


class BudgetError(DomainError, ValueError):
    """A budget template or the data to instantiate it is invalid; the message names the field."""


class InputSource(StrEnum):
    """Where an input quantity's estimate and uncertainty come from."""

    READINGS = "readings"
    STANDARD = "standard"
    STANDARD_DRIFT = "standard_drift"
    STANDARD_CHARACTERISTIC = "standard_characteristic"
    RESOLUTION = "resolution"
    ENVIRONMENT = "environment"
    FIXED = "fixed"
    SUPPLIED = "supplied"
    HYSTERESIS = "hysteresis"
    REPEATABILITY = "repeatability"
    ZERO_DEVIATION = "zero_deviation"
    HEAD_CORRECTION = "head_correction"
    STANDARD_SPECIFICATION = "standard_specification"
    STEM_CORRECTION = "stem_correction"


#: Sources that only a procedure with a calibration sequence can use.
SEQUENCE_SOURCES = frozenset(
    {
        InputSource.HYSTERESIS,
        InputSource.REPEATABILITY,
        InputSource.ZERO_DEVIATION,
        InputSource.HEAD_CORRECTION,
    }
)


class Scale(StrEnum):
    """What a relative half-width multiplies."""

    NONE = "none"
    NOMINAL = "nominal"
    RANGE = "range"


@dataclass(frozen=True, slots=True)
class StandardUsed:
    """A measurement standard at one test point, from its calibration certificate.

    ``value`` is the reference value it realises at the point (e.g. the conventional mass of the weights, the
    corrected reading of the reference thermometer), in the procedure's unit.
    """

    identifier: str
    value: float
    unit: str
    expanded_uncertainty: float
    coverage_factor: float
    drift_limit: float = 0.0
    degrees_of_freedom: float | None = None
    characteristics: Mapping[str, float] = field(default_factory=dict)
    #: time from the standard's last calibration to the measurement, in years (drift per time, EURAMET cg-15)
    years_since_calibration: float | None = None
    #: the standard's usable range in the procedure's unit (e.g. a bath's), when the procedure checks it
    range_min: float | None = None
    range_max: float | None = None


@dataclass(frozen=True, slots=True)
class InstrumentUnderTest:
    """The item's metrological data that a procedure needs."""

    unit: str
    range_min: float
    range_max: float
    resolution: float
    accuracy_class: str | None = None
    verification_interval: float | None = None


@dataclass(frozen=True, slots=True)
class InputTemplate:
    """One input quantity of the model."""

    name: str
    source: InputSource
    description: str = ""  # English
    description_vi: str = ""  # Vietnamese (NFC); a procedure file may give only English
    role: str | None = None  # "indication" or "reference" (used for error = indication − reference)
    standard: str | None = None  # key into the standards mapping
    characteristic: str | None = None
    quantity: str | None = None  # environment quantity
    reference_value: float = 0.0
    coefficient: float = 0.0
    scale: Scale = Scale.NONE
    value: float = 0.0
    distribution: Mapping[str, Any] | None = None
    dof: float | None = None
    half_width: float = 0.0  # stem_correction: half-width of the emergent-column temperature t2, in K
    relative_uncertainty: float = 0.0  # stem_correction: standard uncertainty of k as a fraction of k
    #: standard_specification: the function whose specification is read (None: the DC voltage keys
    #: ``stability_relative_per_year`` / ``stability_floor_per_year``) and the unit its floor is stated in
    specification: str | None = None
    floor_unit: str | None = None
    optional: bool = False  # environment: not recorded means no such effect (0 ± 0)

    def describe(self, language: str) -> str:
        """The description in ``language`` (``vi`` or ``en``); English when no Vietnamese was given."""
        if language.split("_")[0].lower() == "vi" and self.description_vi:
            return self.description_vi
        return self.description


@dataclass(frozen=True, slots=True)
class BudgetTemplate:
    """A measurand, a model over named inputs and how to obtain each input."""

    measurand: str
    model: str
    inputs: tuple[InputTemplate, ...]
    coverage_probability: float = 0.9545
    correlations: tuple[Mapping[str, Any], ...] = ()

    def input_with_role(self, role: str) -> InputTemplate:
        """The input marked with ``role`` (``indication`` or ``reference``)."""
        for item in self.inputs:
            if item.role == role:
                return item
        raise BudgetError(f"budget.inputs: no input has role {role!r}")


def model_names(expression: str, where: str = "budget.model") -> set[str]:
    """Input names used by a model, after checking it uses only + − × ÷ **, numbers and allowed functions.

    >>> sorted(model_names("I + dI_digL - dI_dig0 - m_ref"))
    ['I', 'dI_dig0', 'dI_digL', 'm_ref']
    >>> model_names("__import__('os')")
    Traceback (most recent call last):
    ...
    lims.domain.budget_template.BudgetError: budget.model: function '__import__' is not allowed
    """
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as exc:
        raise BudgetError(f"{where}: {expression!r} is not a valid expression ({exc.msg})") from None
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in MODEL_FUNCTIONS:
                shown = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
                raise BudgetError(f"{where}: function {shown!r} is not allowed")
            if node.keywords or len(node.args) != 1:
                raise BudgetError(f"{where}: {node.func.id}() takes exactly one argument")
        elif isinstance(node, ast.Name):
            if node.id not in MODEL_FUNCTIONS and node.id not in MODEL_CONSTANTS:
                names.add(node.id)
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise BudgetError(f"{where}: constant {node.value!r} is not a number")
        elif isinstance(node, ast.BinOp | ast.UnaryOp):
            if not isinstance(node.op, _ALLOWED_OPS):
                raise BudgetError(f"{where}: operator {type(node.op).__name__} is not allowed")
        elif not isinstance(node, ast.Expression | ast.Load | ast.operator | ast.unaryop):
            raise BudgetError(f"{where}: {type(node).__name__} is not allowed in a model")
    return names


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
    lims.domain.budget_template.BudgetError: uncertainty_budget.model: z not defined as inputs
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


#: The characteristics a ``standard_specification`` input reads from the standard (its data sheet's stability
#: specification): relative to the output per year, and a floor in the procedure's unit per year.
SPECIFICATION_RELATIVE = "stability_relative_per_year"
SPECIFICATION_FLOOR = "stability_floor_per_year"
#: A band of a frequency-dependent specification: ``ac_voltage@45-10000Hz_relative_per_year`` (and ``_floor``).
_BAND_KEY = re.compile(
    r"^(?P<spec>\w+?)@(?P<low>\d+(?:\.\d+)?)-(?P<high>\d+(?:\.\d+)?)Hz_(?P<term>relative|floor)_per_year$"
)


def specification_keys(specification: str | None) -> tuple[str, str]:
    """The characteristic names (relative, floor) of a function's specification without frequency bands.

    >>> specification_keys(None), specification_keys("dc_current")
    (('stability_relative_per_year', 'stability_floor_per_year'), ('dc_current_relative_per_year', \
'dc_current_floor_per_year'))
    """
    if specification is None:
        return SPECIFICATION_RELATIVE, SPECIFICATION_FLOOR
    return f"{specification}_relative_per_year", f"{specification}_floor_per_year"


def specification_bands(
    characteristics: Mapping[str, float], specification: str
) -> list[tuple[float, float, float, float]]:
    """(low Hz, high Hz, relative per year, floor per year) of each band the characteristics state for a
    frequency-dependent specification (a calibrator's AC voltage data sheet gives one per frequency band).

    >>> specification_bands({"ac_voltage@45-10000Hz_relative_per_year": 1.5e-4,
    ...                      "ac_voltage@45-10000Hz_floor_per_year": 6e-6, "other": 1.0}, "ac_voltage")
    [(45.0, 10000.0, 0.00015, 6e-06)]
    """
    terms: dict[tuple[float, float], dict[str, float]] = {}
    for key, value in characteristics.items():
        match = _BAND_KEY.match(key)
        if match is None or match["spec"] != specification:
            continue
        band = (float(match["low"]), float(match["high"]))
        terms.setdefault(band, {})[match["term"]] = float(value)
    return [
        (low, high, t["relative"], t["floor"])
        for (low, high), t in sorted(terms.items())
        if "relative" in t and "floor" in t
    ]


def has_specification(keys: Collection[str], specification: str | None) -> bool:
    """Whether a standard with characteristics ``keys`` states the specification (plain or in bands).

    >>> has_specification({"ac_voltage@45-10000Hz_relative_per_year", "ac_voltage@45-10000Hz_floor_per_year"},
    ...                   "ac_voltage"), has_specification({"stability_relative_per_year"}, None)
    (True, False)
    """
    if set(specification_keys(specification)) <= set(keys):
        return True
    return specification is not None and bool(specification_bands(dict.fromkeys(keys, 0.0), specification))


def _specification_terms(ctx: PointContext, item: InputTemplate) -> tuple[float, float]:
    """(relative per year, floor per year in the standard's floor unit) at the point: a frequency-dependent
    specification gives the band holding the point's frequency; a frequency on the edge of two bands (10 kHz
    ends one and starts the next) takes the wider half-width of the two."""
    std = _standard(ctx, item)
    bands = [] if item.specification is None else specification_bands(std.characteristics, item.specification)
    if bands:
        if ctx.frequency_hz is None:
            raise BudgetError(
                f"standards.{item.standard}: the {item.specification} specification is given per frequency band; "
                f"input {item.name} needs the point's frequency"
            )
        holding = [(rel, floor) for low, high, rel, floor in bands if low <= ctx.frequency_hz <= high]
        if not holding:
            raise BudgetError(
                f"standards.{item.standard}.characteristics: no {item.specification} band holds "
                f"{ctx.frequency_hz:g} Hz; input {item.name} needs the specification at that frequency"
            )
        return max(holding, key=lambda terms: terms[0] * abs(ctx.nominal) + terms[1])
    values = []
    for key in specification_keys(item.specification):
        value = std.characteristics.get(key)
        if value is None or not math.isfinite(value) or value < 0:
            raise BudgetError(
                f"standards.{item.standard}.characteristics.{key}: missing or not a number ≥ 0; input "
                f"{item.name} needs the standard's stability specification"
            )
        values.append(float(value))
    return values[0], values[1]


def _specification_half_width(ctx: PointContext, item: InputTemplate) -> float:
    """a = (s_rel·|x| + s_floor) · t / 1 year: the drift a calibrator's stability specification allows in the
    time t since its calibration (EURAMET cg-15, from memory: the calibrator's
    contribution is its certificate U at the setting plus its drift since calibration from the specification,
    relative to the output plus a floor — never one absolute value for every point). The floor is stated in
    ``floor_unit`` (default: the procedure's unit) and converted with :mod:`lims.domain.unit_conversion`.

    5 V on a calibrator 0.5 year after its calibration, 8·10⁻⁶/year of output + 2 µV/year:
    (8e-6 × 5 + 2e-6) × 0.5 = 2.1e-5 V.

    >>> std = StandardUsed("5522A", 5.0, "V", 2e-5, 2.0, characteristics={SPECIFICATION_RELATIVE: 8e-6,
    ...     SPECIFICATION_FLOOR: 2e-6}, years_since_calibration=0.5)
    >>> ctx = PointContext(5.0, "V", (5.0,), {"calibrator": std}, InstrumentUnderTest("V", -6, 6, 0.001), {})
    >>> _specification_half_width(ctx, InputTemplate("dV_S", InputSource.STANDARD_SPECIFICATION,
    ...     standard="calibrator"))
    2.1e-05

    180 mA on a calibrator whose DC current floor is stated in A (40 ppm + 2 µA per year), one year on:
    40e-6 × 0.18 A + 2e-6 A = 9.2 µA, expressed in mA for a procedure in mA.

    >>> std = StandardUsed("5522A", 180.0, "mA", 0.01, 2.0, characteristics={
    ...     "dc_current_relative_per_year": 40e-6, "dc_current_floor_per_year": 2e-6}, years_since_calibration=1.0)
    >>> ctx = PointContext(180.0, "mA", (180.0,), {"calibrator": std}, InstrumentUnderTest("mA", -200, 200, 0.01),
    ...                    {})
    >>> _specification_half_width(ctx, InputTemplate("dI_S", InputSource.STANDARD_SPECIFICATION,
    ...     standard="calibrator", specification="dc_current", floor_unit="A"))
    0.0092
    """
    std = _standard(ctx, item)
    relative, floor = _specification_terms(ctx, item)
    if item.floor_unit is not None and item.floor_unit != ctx.unit:
        converted = convert_difference(floor, item.floor_unit, ctx.unit)
        if converted is None:
            raise BudgetError(
                f"budget.inputs ({item.name}).floor_unit: {item.floor_unit!r} cannot be expressed in {ctx.unit!r}"
            )
        floor = converted
    years = std.years_since_calibration
    if years is None or not math.isfinite(years) or years < 0:
        raise BudgetError(
            f"standards.{item.standard}: the date of its calibration is needed; input {item.name} scales its "
            "drift with the time since calibration"
        )
    return _clean((relative * abs(ctx.nominal) + floor) * years)


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

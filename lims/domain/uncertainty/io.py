"""The JSON budget format (docs/budget-format.md): parsing into a :class:`BudgetSpec`, and the result dict.

Parsing is strict: an unknown field is refused (it is usually a typo that would otherwise be ignored), and
every error names the field as a path, e.g. ``inputs[2].distribution.half_width``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from certificates.metrology.decision import DecisionRule, RuleKind, Specification
from certificates.metrology.errors import MetrologyError
from lims.domain.uncertainty.budget import (
    DEFAULT_COVERAGE_PROBABILITY,
    BudgetSpec,
    Correlation,
    InputQuantity,
)
from lims.domain.uncertainty.distributions import (
    KINDS,
    Arcsine,
    Distribution,
    Normal,
    Rectangular,
    StudentT,
    Triangular,
    TypeA,
    check_number,
)
from lims.domain.uncertainty.errors import BudgetFormatError, UncertaintyError
from lims.domain.uncertainty.expression import parse_expression

if TYPE_CHECKING:
    from lims.domain.uncertainty.evaluation import BudgetResult

_TOP = {
    "measurand",
    "model",
    "coverage_probability",
    "coverage_factor",
    "inputs",
    "correlations",
    "specification",
    "decision_rule",
}
_INPUT = {"name", "value", "unit", "distribution", "dof", "description"}
_DISTRIBUTION_FIELDS: dict[str, set[str]] = {
    "normal": {"u", "expanded", "k"},
    "rectangular": {"half_width"},
    "triangular": {"half_width"},
    "arcsine": {"half_width"},
    "student_t": {"scale", "dof"},
    "type_a": {"readings", "pooled_sd", "pooled_dof"},
}


def _mapping(data: object, field: str, allowed: set[str]) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise BudgetFormatError("must be an object", field=field)
    for key in data:
        if key not in allowed:
            where = f"{field}.{key}" if field else str(key)
            raise BudgetFormatError(f"unknown field (allowed: {', '.join(sorted(allowed))})", field=where)
    return data


def _required(data: Mapping[str, Any], key: str, field: str) -> Any:
    if key not in data or data[key] is None:
        raise BudgetFormatError("is required", field=f"{field}.{key}" if field else key)
    return data[key]


def _optional_str(data: Mapping[str, Any], key: str, field: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise BudgetFormatError("must be a string", field=f"{field}.{key}" if field else key)
    return value


def _nested(field: str, build: Callable[[], Any]) -> Any:
    """Run ``build`` and prefix the field of any error it raises with ``field``."""
    try:
        return build()
    except UncertaintyError as exc:
        if exc.field is None or exc.field.startswith(field):
            raise
        raise type(exc)(exc.detail, field=f"{field}.{exc.field}") from None


def parse_distribution(data: object, field: str = "distribution") -> Distribution:
    """Build a distribution from its JSON object.

    >>> parse_distribution({"kind": "normal", "expanded": 0.045, "k": 2}).standard_uncertainty
    0.0225
    >>> parse_distribution({"kind": "rectangular", "half_width": -1}, "inputs[2].distribution")
    Traceback (most recent call last):
    ...
    lims.domain.uncertainty.errors.BudgetFormatError: inputs[2].distribution.half_width: must be a finite \
number >= 0
    """
    if not isinstance(data, Mapping):
        raise BudgetFormatError("must be an object", field=field)
    kind = data.get("kind")
    if kind not in KINDS:
        raise BudgetFormatError(f"must be one of {', '.join(KINDS)}", field=f"{field}.kind")
    data = _mapping(data, field, _DISTRIBUTION_FIELDS[kind] | {"kind"})

    def build() -> Distribution:
        if kind == "normal":
            has_u = data.get("u") is not None
            has_expanded = data.get("expanded") is not None or data.get("k") is not None
            if has_u == has_expanded:
                raise BudgetFormatError("give either u, or expanded and k", field="u")
            if has_u:
                return Normal(check_number(data["u"], "u", minimum=0))
            return Normal.from_expanded(_required(data, "expanded", ""), _required(data, "k", ""))
        if kind in ("rectangular", "triangular", "arcsine"):
            half_width = check_number(_required(data, "half_width", ""), "half_width", minimum=0)
            if kind == "rectangular":
                return Rectangular(half_width)
            return Triangular(half_width) if kind == "triangular" else Arcsine(half_width)
        if kind == "student_t":
            return StudentT(
                check_number(_required(data, "scale", ""), "scale", minimum=0),
                check_number(_required(data, "dof", ""), "dof", minimum=0, strict=True),
            )
        readings = _required(data, "readings", "")
        if not isinstance(readings, list):
            raise BudgetFormatError("must be a list of at least two numbers", field="readings")
        return TypeA(tuple(readings), pooled_sd=data.get("pooled_sd"), pooled_dof=data.get("pooled_dof"))

    built: Distribution = _nested(field, build)
    return built


def parse_input(data: object, index: int) -> InputQuantity:
    """Build one input quantity from ``inputs[index]``.

    >>> q = parse_input({"name": "dm", "unit": "g", "distribution": {"kind": "type_a",
    ...                  "readings": [0.010, 0.030, 0.020]}}, 2)
    >>> round(q.estimate, 6), round(q.standard_uncertainty, 6), q.degrees_of_freedom
    (0.02, 0.005774, 2.0)
    """
    field = f"inputs[{index}]"
    data = _mapping(data, field, _INPUT)
    name = _required(data, "name", field)
    if not isinstance(name, str):
        raise BudgetFormatError("must be a string", field=f"{field}.name")
    distribution = parse_distribution(_required(data, "distribution", field), f"{field}.distribution")
    value = data.get("value")
    if value is not None:
        value = check_number(value, f"{field}.value")
    dof = data.get("dof")
    if dof is not None:
        dof = check_number(dof, f"{field}.dof", minimum=0, strict=True)
    return InputQuantity(
        name=name, distribution=distribution, value=value, unit=_optional_str(data, "unit", field), dof=dof
    )


def parse_budget(data: object) -> BudgetSpec:
    """Build a checked :class:`BudgetSpec` from the JSON budget format (a dict as ``json.load`` returns).

    >>> spec = parse_budget({"model": "x + 1", "inputs": [
    ...     {"name": "x", "value": 1, "distribution": {"kind": "normal", "u": 0.5}}]})
    >>> spec.names, spec.coverage_probability
    (('x',), 0.9545)
    """
    data = _mapping(data, "", _TOP)
    measurand = _mapping(data.get("measurand") or {}, "measurand", {"name", "unit", "description"})
    model = parse_expression(_required(data, "model", ""), field_name="model")
    if not isinstance(model.source, str):
        raise BudgetFormatError("must be a string", field="model")
    raw_inputs = _required(data, "inputs", "")
    if not isinstance(raw_inputs, list) or not raw_inputs:
        raise BudgetFormatError("must be a non-empty list", field="inputs")
    inputs = tuple(parse_input(item, i) for i, item in enumerate(raw_inputs))
    raw_correlations = data.get("correlations") or []
    if not isinstance(raw_correlations, list):
        raise BudgetFormatError("must be a list", field="correlations")
    correlations = []
    for k, item in enumerate(raw_correlations):
        field = f"correlations[{k}]"
        item = _mapping(item, field, {"between", "r"})
        between = _required(item, "between", field)
        if not (isinstance(between, list) and len(between) == 2 and all(isinstance(n, str) for n in between)):
            raise BudgetFormatError("must be a list of two input names", field=f"{field}.between")
        correlations.append(
            Correlation(between[0], between[1], check_number(_required(item, "r", field), f"{field}.r"))
        )
    raw_p = data.get("coverage_probability")
    p = DEFAULT_COVERAGE_PROBABILITY if raw_p is None else check_number(raw_p, "coverage_probability")
    raw_k = data.get("coverage_factor")
    fixed_k = None if raw_k is None else check_number(raw_k, "coverage_factor", minimum=0, strict=True)
    specification = None
    if data.get("specification") is not None:
        raw = _mapping(data["specification"], "specification", {"lower", "upper"})
        try:
            specification = Specification(raw.get("lower"), raw.get("upper"))
        except MetrologyError as exc:
            raise BudgetFormatError(exc.detail, field=exc.field) from None
    rule = None
    if data.get("decision_rule") is not None:
        raw = _mapping(data["decision_rule"], "decision_rule", {"kind", "guard_factor"})
        kind = raw.get("kind", "simple")
        if kind not in {r.value for r in RuleKind}:
            raise BudgetFormatError("must be one of simple, guarded, non_binary", field="decision_rule.kind")
        factor = raw.get("guard_factor")
        factor = 1.0 if factor is None else check_number(factor, "decision_rule.guard_factor", minimum=0)
        try:
            rule = DecisionRule(RuleKind(kind), factor)
        except MetrologyError as exc:
            raise BudgetFormatError(exc.detail, field=exc.field) from None
        if specification is None:
            raise BudgetFormatError("needs a specification", field="decision_rule")
    return BudgetSpec(
        model=model,
        inputs=inputs,
        measurand_name=_optional_str(measurand, "name", "measurand") or "Y",
        measurand_unit=_optional_str(measurand, "unit", "measurand"),
        correlations=tuple(correlations),
        coverage_probability=p,
        coverage_factor=fixed_k,
        specification=specification,
        decision_rule=rule,
    )


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _dof(value: float) -> float | None:
    return None if math.isinf(value) else value


def result_to_dict(result: BudgetResult) -> dict[str, Any]:
    """The JSON output of ``lims budget evaluate`` (keys listed in docs/budget-format.md). Unrounded
    values, plus a ``reported`` object rounded for a certificate (ILAC-P14, JCGM 100 7.2.6).

    >>> from lims.domain.uncertainty.evaluation import evaluate_budget
    >>> out = result_to_dict(evaluate_budget(parse_budget({"model": "2 * x", "inputs": [
    ...     {"name": "x", "value": 1.5, "dof": 4, "distribution": {"kind": "normal", "u": 0.01}}]})))
    >>> out["value"], out["dof_eff"], out["coverage_factor"], out["reported"]["text"]
    (3.0, 4.0, 2.87, '3.000 ± 0.057')
    """
    lpu = result.propagation
    out: dict[str, Any] = {
        "measurand": result.spec.measurand_name,
        "method": result.method,
        "value": lpu.value,
        "standard_uncertainty": lpu.standard_uncertainty,
        "dof_eff": _dof(lpu.effective_dof),
        "coverage_factor": lpu.coverage_factor,
        "coverage_factor_fixed": lpu.coverage_factor_fixed,
        "coverage_probability": lpu.coverage_probability,
        "expanded_uncertainty": lpu.expanded_uncertainty,
        "unit": result.unit,
        "contributions": [
            {
                "name": c.name,
                "estimate": c.estimate,
                "unit": c.unit,
                "distribution": c.distribution,
                "standard_uncertainty": c.standard_uncertainty,
                "sensitivity": c.sensitivity_coefficient,
                "contribution": c.contribution,
                "dof": _dof(c.degrees_of_freedom),
                "percent": c.percent,
            }
            for c in lpu.contributions
        ],
        "higher_order_variance": lpu.higher_order_variance,
        "correlation_terms": [
            {"between": [t.first, t.second], "r": t.r, "term": t.term} for t in lpu.correlation_terms
        ],
        "reported": {
            "value": result.reported.value_text,
            "expanded_uncertainty": result.reported.uncertainty_text,
            "text": result.reported.text(result.unit),
        },
    }
    if result.monte_carlo is not None:
        mcm = result.monte_carlo
        validation = result.validation
        out["mcm"] = {
            "value": mcm.value,
            "standard_uncertainty": mcm.standard_uncertainty,
            "interval": list(mcm.interval),
            "shortest_interval": list(mcm.shortest_interval),
            "coverage_probability": mcm.coverage_probability,
            "trials": mcm.trials,
            "seed": mcm.seed,
            "adaptive": None
            if mcm.adaptive is None
            else {
                "significant_digits": mcm.adaptive.significant_digits,
                "sequences": mcm.adaptive.sequences,
                "tolerance": _finite_or_none(mcm.adaptive.tolerance),
                "converged": mcm.adaptive.converged,
            },
            "validation": None
            if validation is None
            else {
                "passed": validation.passed,
                "d_low": validation.d_low,
                "d_high": validation.d_high,
                "tolerance": validation.tolerance,
                "significant_digits": validation.significant_digits,
            },
        }
    if result.conformity is not None:
        c = result.conformity
        out["conformity"] = {
            "statement": c.verdict.value,
            "rule": c.rule.kind.value,
            "acceptance_limits": list(c.acceptance_limits),
            "guard_band": c.guard_band,
            "probability_of_conformance": c.probability_of_conformance,
            "specific_risk": c.specific_risk,
        }
    if result.statement is not None:
        said = result.statement
        out.setdefault("conformity", {"statement": said.verdict.value, "rule": said.rule.kind.value})
        out["conformity"]["test_uncertainty_ratio"] = said.test_uncertainty_ratio
        out["conformity"]["reason"] = None if said.reason is None else said.reason.text("en")
    out["warnings"] = list(result.warnings)
    out["propagation_applicable"] = result.propagation_applicable
    return out

"""The stored form of a :class:`~certificates.metrology.point.PointResult`: one versioned JSON document.

The document carries its schema version (``"schema_version": 3``); every number is a decimal string, so a
stored value is exactly the value computed, with no float digits. Version 3 added how the interval was
obtained (``interval_method``), the hysteresis of a pressure point, the reason for no statement of
conformity, the probability of false acceptance and the point's notes; a version-2 document is still read
(its interval is the unvalidated law of propagation, the new fields empty). Version 1 was the untyped
dictionary of earlier releases (no ``schema_version`` key); migration 0015 converts it. Any other version
is refused with a clear :class:`~certificates.metrology.errors.MetrologyError`.

>>> from decimal import Decimal as D
>>> from certificates.metrology.coverage import CoverageDistribution
>>> p = PointResult("temperature", "°C", D("20"), D("20.003"), D("19.99"), D("-0.013"), D("0.04"), None,
...                 D("2"), D("0.9545"), CoverageDistribution.NORMAL, D("0.08"))
>>> decode(encode(p)) == p
True
>>> decode({"schema_version": 9})
Traceback (most recent call last):
...
certificates.metrology.errors.MetrologyError: result.schema_version: 9 is not a known point-result schema (this release reads 2, 3)
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from certificates.metrology.coverage import CoverageDistribution
from certificates.metrology.decision import NoStatementReason, Verdict, rule_from_dict
from certificates.metrology.errors import MetrologyError
from certificates.metrology.numbers import decimal_of
from certificates.metrology.point import Deviation, IntervalMethod, PointResult

__all__ = ["DECIMAL_FIELDS", "SCHEMA_VERSION", "budget_of", "decode", "encode", "is_current"]

SCHEMA_VERSION = 3
READABLE_VERSIONS = (2, 3)

_DECIMALS = (
    "nominal",
    "reference_value",
    "indication",
    "error",
    "standard_uncertainty",
    "coverage_factor",
    "coverage_probability",
    "expanded_uncertainty",
)
_OPTIONAL_DECIMALS = (
    "effective_dof",
    "mpe",
    "guard_band",
    "probability_of_conformance",
    "cmc",
    "hysteresis",
    "probability_of_false_acceptance",
)
#: The fields stored as decimal strings (readers such as the audit trail show them as numbers).
DECIMAL_FIELDS: tuple[str, ...] = _DECIMALS + _OPTIONAL_DECIMALS


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)  # str() keeps the exact digits and exponent


def encode(point: PointResult, *, budget: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The JSON document stored for ``point`` (and the instantiated budget the job page shows)."""
    doc: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    for name in ("quantity", "unit"):
        doc[name] = getattr(point, name)
    for name in _DECIMALS + _OPTIONAL_DECIMALS:
        doc[name] = _text(getattr(point, name))
    doc["distribution"] = point.distribution.value
    doc["deviation"] = point.deviation.value
    rule = point.decision_rule
    doc["decision_rule"] = (
        None if rule is None else {"kind": rule.kind.value, "guard_factor": rule.guard_factor}
    )
    doc["verdict"] = None if point.verdict is None else point.verdict.value
    doc["cmc_applied"] = point.cmc_applied
    doc["within_scope"] = point.within_scope
    doc["as_found"] = point.as_found
    doc["bench_reading_ids"] = list(point.bench_reading_ids)
    doc["deviations"] = list(point.deviations)
    doc["interval_method"] = point.interval_method.value
    doc["no_statement_reason"] = (
        None if point.no_statement_reason is None else point.no_statement_reason.value
    )
    doc["notes"] = list(point.notes)
    if budget is not None:
        doc["budget"] = dict(budget)
    return doc


def is_current(doc: Mapping[str, Any] | None) -> bool:
    """Whether ``doc`` is a stored point result of this release's schema (an empty one is not)."""
    return doc is not None and bool(doc) and doc.get("schema_version") in READABLE_VERSIONS


def decode(doc: Mapping[str, Any]) -> PointResult:
    """The point result stored in ``doc``; a clear error for another schema version or a bad field."""
    if not isinstance(doc, Mapping):
        raise MetrologyError("expected a stored point result (an object)", field="result")
    version = doc.get("schema_version")
    if version not in READABLE_VERSIONS:
        raise MetrologyError(
            f"{version} is not a known point-result schema (this release reads "
            f"{', '.join(str(v) for v in READABLE_VERSIONS)})"
            if version is not None
            else "the stored result has no schema version: run `lims db upgrade` (migration 0015)",
            field="result.schema_version",
        )
    try:
        values: dict[str, Any] = {
            name: decimal_of(_required(doc, name), field=f"result.{name}") for name in _DECIMALS
        }
        for name in _OPTIONAL_DECIMALS:
            raw = doc.get(name)
            values[name] = None if raw is None else decimal_of(raw, field=f"result.{name}")
        rule = doc.get("decision_rule")
        verdict = doc.get("verdict")
        reason = doc.get("no_statement_reason")
        return PointResult(
            quantity=str(_required(doc, "quantity")),
            unit=str(_required(doc, "unit")),
            distribution=CoverageDistribution(_required(doc, "distribution")),
            deviation=Deviation(doc.get("deviation", Deviation.ERROR.value)),
            decision_rule=None if rule is None else rule_from_dict(rule, "result.decision_rule"),
            verdict=None if verdict is None else Verdict(verdict),
            cmc_applied=bool(doc.get("cmc_applied", False)),
            within_scope=bool(doc.get("within_scope", True)),
            as_found=bool(doc.get("as_found", False)),
            bench_reading_ids=tuple(int(i) for i in doc.get("bench_reading_ids") or ()),
            deviations=tuple(str(d) for d in doc.get("deviations") or ()),
            interval_method=IntervalMethod(doc.get("interval_method") or IntervalMethod.LPU.value),
            no_statement_reason=None if reason is None else NoStatementReason(reason),
            notes=tuple(str(n) for n in doc.get("notes") or ()),
            **values,
        )
    except (ValueError, TypeError) as exc:
        if isinstance(exc, MetrologyError):
            raise
        raise MetrologyError(str(exc), field="result") from None


def budget_of(doc: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The instantiated uncertainty budget stored beside the point (shown on the job page)."""
    budget = (doc or {}).get("budget")
    return dict(budget) if isinstance(budget, Mapping) else None


def _required(doc: Mapping[str, Any], name: str) -> Any:
    if doc.get(name) is None:
        raise MetrologyError("is missing", field=f"result.{name}")
    return doc[name]

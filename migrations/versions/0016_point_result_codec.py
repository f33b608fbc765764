"""point results stored through the versioned codec (schema_version 2); readings as decimal text

Until now ``measurement.result`` (and ``measurement.as_found["result"]``) held an untyped dictionary read by
string keys, with every number a float, and the readings were stored as floats. From this revision the result
is the document of ``certificates.metrology.codec`` (``"schema_version": 2``): every number a decimal string,
the distribution k came from (normal when ν_eff is infinite, else t, EA-4/02 M:2022 section 5), the decision
rule as data (ILAC-G8:09/2019 4.2) instead of its English description, and the ids of the bench readings the
point used (the readings flagged ``used_in_point``). Readings and environment values become decimal text.

The conversion is written out here, frozen, so that it does not change when the codec does. A float becomes
the decimal of its shortest ``repr`` (the digits Python printed for it), so no value changes. The downgrade
writes the old form back (floats and the English description).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 04:30:00
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA_VERSION = 2

measurement = sa.table(
    "measurement",
    sa.column("id", sa.Integer),
    sa.column("job_id", sa.Integer),
    sa.column("point_index", sa.Integer),
    sa.column("unit", sa.String),
    sa.column("readings", sa.JSON),
    sa.column("environment", sa.JSON),
    sa.column("result", sa.JSON),
    sa.column("as_found", sa.JSON),
)
bench_reading = sa.table(
    "bench_reading",
    sa.column("id", sa.Integer),
    sa.column("job_id", sa.Integer),
    sa.column("point_index", sa.Integer),
    sa.column("used_in_point", sa.Boolean),
)
job = sa.table("job", sa.column("id", sa.Integer), sa.column("procedure_id", sa.Integer))
procedure = sa.table(
    "procedure",
    sa.column("id", sa.Integer),
    sa.column("quantity", sa.String),
    sa.column("definition", sa.JSON),
)

_RULE = re.compile(r"ILAC-G8:09/2019 4\.2\.(?P<clause>[123]),.*?(?:w = (?P<g>[0-9.]+)·U)?\)?$")
_KINDS = {"1": "simple", "2": "guarded", "3": "non_binary"}


def _text(value: Any) -> str | None:
    """The decimal text of a stored number: a float by its shortest repr, text as it is."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    return repr(value) if isinstance(value, float) else str(value)


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def rule_of(description: Any) -> dict[str, Any] | None:
    """The rule as data from the English description the old form stored (None when it cannot be read)."""
    match = _RULE.match(str(description or ""))
    if match is None:
        return None
    kind = _KINDS[match["clause"]]
    factor = 0.0 if kind == "simple" else float(match["g"] or 1.0)
    return {"kind": kind, "guard_factor": factor}


def describe(rule: dict[str, Any] | None) -> str | None:
    """The English description the old form stored for a rule."""
    if rule is None:
        return None
    g = f"{float(rule.get('guard_factor') or 0.0):g}"
    return {
        "simple": "ILAC-G8:09/2019 4.2.1, binary statement with simple acceptance (w = 0)",
        "guarded": f"ILAC-G8:09/2019 4.2.2, binary statement with guard band w = {g}·U",
        "non_binary": f"ILAC-G8:09/2019 4.2.3, non-binary statement with guard band w = {g}·U",
    }[rule["kind"]]


def to_v2(
    old: dict[str, Any], *, quantity: str, unit: str, as_found: bool, reading_ids: Sequence[int]
) -> dict[str, Any]:
    """A version-1 result (the untyped dict) as a version-2 document."""
    if not old or old.get("schema_version") == SCHEMA_VERSION:
        return old
    expanded = old["expanded_uncertainty"]
    k = old.get("coverage_factor") or 2.0
    dof = old.get("effective_dof")
    rule = rule_of(old.get("decision_rule"))
    budget = old.get("budget")
    probability = (budget or {}).get("coverage_probability") or 0.9545
    doc: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "quantity": old.get("quantity") or quantity,
        "unit": old.get("unit") or unit,
        "nominal": _text(old.get("nominal", old.get("reference"))),
        "reference_value": _text(old["reference"]),
        "indication": _text(old["mean"]),
        "error": _text(old["error"]),
        "standard_uncertainty": _text(old.get("standard_uncertainty", float(expanded) / float(k))),
        "coverage_factor": _text(k),
        "coverage_probability": _text(probability),
        "expanded_uncertainty": _text(expanded),
        "effective_dof": _text(dof),
        "distribution": "normal" if dof is None else "t",
        "deviation": "error",
        "mpe": _text(old.get("mpe")),
        "decision_rule": rule,
        "guard_band": None if rule is None else _text(rule["guard_factor"] * float(expanded)),
        "probability_of_conformance": None,
        "verdict": old.get("verdict"),
        "cmc": _text(old.get("cmc")),
        "cmc_applied": False,
        "within_scope": bool(old.get("within_scope", True)),
        "as_found": as_found,
        "bench_reading_ids": list(reading_ids),
        "deviations": list(old.get("deviations") or []),
    }
    if budget is not None:
        doc["budget"] = budget
    return doc


def to_v1(doc: dict[str, Any]) -> dict[str, Any]:
    """A version-2 document written back in the version-1 form."""
    if not doc or doc.get("schema_version") != SCHEMA_VERSION:
        return doc
    error = float(doc["error"])
    old: dict[str, Any] = {
        "nominal": _number(doc.get("nominal")),
        "quantity": doc.get("quantity"),
        "unit": doc.get("unit"),
        "mean": _number(doc["indication"]),
        "reference": _number(doc["reference_value"]),
        "error": error,
        "correction": -error if error else 0.0,
        "standard_uncertainty": _number(doc.get("standard_uncertainty")),
        "expanded_uncertainty": _number(doc["expanded_uncertainty"]),
        "coverage_factor": _number(doc["coverage_factor"]),
        "effective_dof": _number(doc.get("effective_dof")),
        "mpe": _number(doc.get("mpe")),
        "verdict": doc.get("verdict"),
        "decision_rule": describe(doc.get("decision_rule")),
        "within_scope": doc.get("within_scope", True),
        "cmc": _number(doc.get("cmc")),
        "deviations": list(doc.get("deviations") or []),
    }
    if doc.get("budget") is not None:
        old["budget"] = doc["budget"]
    return old


def _texts(values: Any) -> Any:
    return [_text(v) for v in values or []]


def _floats(values: Any) -> Any:
    return [float(v) for v in values or []]


def _env(environment: Any, convert: Any) -> Any:
    return {q: convert(v) for q, v in (environment or {}).items()}


def _rows(conn: sa.Connection) -> Any:
    return conn.execute(
        sa.select(
            measurement.c.id,
            measurement.c.job_id,
            measurement.c.point_index,
            measurement.c.unit,
            measurement.c.readings,
            measurement.c.environment,
            measurement.c.result,
            measurement.c.as_found,
            procedure.c.quantity,
            procedure.c.definition,
        )
        .select_from(
            measurement.join(job, job.c.id == measurement.c.job_id).outerjoin(
                procedure, procedure.c.id == job.c.procedure_id
            )
        )
        .order_by(measurement.c.id)
    ).all()


def upgrade() -> None:
    conn = op.get_bind()
    used: dict[tuple[int, int], list[int]] = {}
    for rid, job_id, point_index in conn.execute(
        sa.select(bench_reading.c.id, bench_reading.c.job_id, bench_reading.c.point_index)
        .where(bench_reading.c.used_in_point.is_(True))
        .order_by(bench_reading.c.id)
    ):
        used.setdefault((job_id, point_index), []).append(rid)
    for row in _rows(conn):
        # a result saved before points recorded their quantity takes the procedure's (its definition's
        # measured quantity, as the certificate builder did)
        definition = row.definition or {}
        quantity = str(definition.get("quantity") or row.quantity or "")
        found = dict(row.as_found or {})
        if found:
            found["readings"] = _texts(found.get("readings"))
            found["reference_value"] = _text(found.get("reference_value"))
            found["environment"] = _env(found.get("environment"), _texts)
            found["result"] = to_v2(
                found.get("result") or {}, quantity=quantity, unit=row.unit, as_found=True, reading_ids=()
            )
        conn.execute(
            measurement.update()
            .where(measurement.c.id == row.id)
            .values(
                readings=_texts(row.readings),
                environment=_env(row.environment, _texts),
                result=to_v2(
                    row.result or {},
                    quantity=quantity,
                    unit=row.unit,
                    as_found=False,
                    reading_ids=used.get((row.job_id, row.point_index), ()),
                ),
                as_found=found,
            )
        )


def downgrade() -> None:
    conn = op.get_bind()
    for row in _rows(conn):
        found = dict(row.as_found or {})
        if found:
            found["readings"] = _floats(found.get("readings"))
            found["reference_value"] = _number(found.get("reference_value"))
            found["environment"] = _env(found.get("environment"), _floats)
            found["result"] = to_v1(found.get("result") or {})
        conn.execute(
            measurement.update()
            .where(measurement.c.id == row.id)
            .values(
                readings=_floats(row.readings),
                environment=_env(row.environment, _floats),
                result=to_v1(row.result or {}),
                as_found=found,
            )
        )

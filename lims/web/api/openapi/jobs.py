"""The OpenAPI document's jobs area: jobs, their results per point, failure notices and the bench's readings."""

from __future__ import annotations

from typing import Any

from lims.models import JobKind, JobState
from lims.services.bench.readings import KEY_RE
from lims.web.api.openapi.common import (
    DATE,
    DECIMAL,
    JSON,
    NUMBER,
    PREFIX,
    STRING,
    URL,
    _binary_download,
    _enum,
    _json_ok,
    _list_operation,
    _nullable,
    _object,
    _operation,
    _page_schema,
    _path_param,
    _query,
    _ref,
)

JOB_NUMBER = _path_param("job_number", NUMBER, "Job number, e.g. `CV-2026-00001` (a `/` may be sent as is).")


def _ref_point_result() -> dict[str, Any]:
    """A point as the certificate prints it (``lims jobs show --json`` uses the same form)."""
    return {
        "type": "object",
        "description": "Every number a decimal string exactly as the certificate prints it (point as decimal sign).",
        "required": [
            "index",
            "quantity",
            "unit",
            "reference",
            "indication",
            "error",
            "expanded_uncertainty",
            "coverage_factor",
            "dof_eff",
            "coverage_probability",
            "mpe",
            "decision_rule",
            "verdict",
            "interval_method",
            "hysteresis",
            "no_statement_reason",
            "probability_of_false_acceptance",
            "notes",
        ],
        "properties": {
            "index": {"type": "integer"},
            "quantity": STRING,
            "unit": STRING,
            "reference": DECIMAL,
            "indication": DECIMAL,
            "error": DECIMAL,
            "expanded_uncertainty": DECIMAL,
            "coverage_factor": DECIMAL,
            "dof_eff": {
                **_nullable(DECIMAL),
                "description": "ν_eff; null when infinite (k from the normal).",
            },
            "coverage_probability": DECIMAL,
            "mpe": {**_nullable(DECIMAL), "description": "Half-width of the maximum permissible error."},
            "decision_rule": {"type": ["string", "null"], "enum": ["simple", "guarded", "non_binary", None]},
            "verdict": {
                "type": ["string", "null"],
                "enum": ["pass", "fail", "conditional_pass", "conditional_fail", "no_statement", None],
            },
            "interval_method": {
                "type": "string",
                "enum": ["lpu", "lpu_validated", "mcm"],
                "description": "How U was obtained: law of propagation (unchecked, or validated by Monte Carlo, "
                "JCGM 101:2008 8.2) or the Monte Carlo interval where the propagation was not validated.",
            },
            "hysteresis": {
                **_nullable(DECIMAL),
                "description": "DKD-R 6-1 hysteresis h of a pressure point.",
            },
            "no_statement_reason": {
                "type": ["string", "null"],
                "enum": ["tur_below_minimum", "no_acceptance_interval", "not_requested", None],
            },
            "probability_of_false_acceptance": {
                **_nullable(DECIMAL),
                "description": "1 − p_c of an accepted point under a guarded rule (JCGM 106:2012).",
            },
            "notes": {"type": "array", "items": STRING},
        },
    }


SCHEMAS: dict[str, Any] = {
    "ReadingBatch": {
        "type": "object",
        "required": ["readings"],
        "properties": {
            "readings": {
                "type": "array",
                "minItems": 1,
                "maxItems": 100,
                "items": {
                    "type": "object",
                    "required": ["idempotency_key", "value", "unit", "seq", "time", "raw"],
                    "properties": {
                        "idempotency_key": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 100,
                            "pattern": f"^{KEY_RE.pattern}$",
                        },
                        "value": {"type": "string", "maxLength": 50, "description": "The decimal as sent."},
                        "unit": {"type": "string", "maxLength": 20},
                        "stable": {"type": ["boolean", "null"]},
                        "seq": {"type": "integer", "minimum": 0},
                        "time": {"type": "string", "description": "UTC, ISO 8601 with Z."},
                        "raw": {"type": "string", "description": "The frame decoded as Latin-1."},
                        "instrument": {"type": "object"},
                    },
                },
            }
        },
    },
    "ReadingReply": _object(
        {
            "accepted": {"type": "array", "items": STRING},
            "duplicates": {"type": "array", "items": STRING},
            "rejected": {
                "type": "array",
                "items": _object({"idempotency_key": STRING, "error": STRING}),
            },
        }
    ),
    "Job": _object(
        {
            "number": STRING,
            "kind": _enum(JobKind),
            "state": _enum(JobState),
            "enterprise_id": {"type": "integer"},
            "instrument_id": {"type": "integer"},
            "on_site": {"type": "boolean"},
            "requested_on": DATE,
            "received_on": _nullable(DATE),
            "expected_on": {**_nullable(DATE), "description": "The date the lab expects to finish."},
            "measured_on": _nullable(DATE),
            "url": URL,
        }
    ),
    "JobDetail": {
        "allOf": [
            _ref("Job"),
            _object(
                {
                    "points": _object(
                        {
                            "count": {"type": "integer"},
                            "with_readings": {"type": "integer"},
                            "with_result": {"type": "integer"},
                            "items": {
                                "type": "array",
                                "items": _object(
                                    {
                                        "index": {"type": "integer"},
                                        "nominal": DECIMAL,
                                        "unit": STRING,
                                        "readings": {"type": "integer", "description": "How many readings."},
                                        "has_result": {"type": "boolean"},
                                        "result": _nullable(_ref_point_result()),
                                    }
                                ),
                            },
                        }
                    ),
                    "certificates": {"type": "array", "items": STRING},
                    "failure_notice": _nullable(
                        _object(
                            {"number": STRING, "sha256": STRING, "url": URL},
                        )
                    ),
                }
            ),
        ]
    },
    "JobPage": _page_schema("Job"),
}


def paths() -> dict[str, Any]:
    return {
        f"{PREFIX}/jobs": {
            "get": _list_operation(
                "listJobs",
                "Jobs, newest first.",
                "jobs",
                "Job",
                [_query("state", _enum(JobState), "Only this state.")],
            )
        },
        f"{PREFIX}/jobs/{{job_number}}": {
            "get": _operation(
                "getJob",
                "One job: state, expected date, points summary, certificates.",
                "jobs",
                _json_ok("JobDetail", "The job."),
                parameters=[JOB_NUMBER],
                errors=(404,),
            )
        },
        f"{PREFIX}/jobs/{{job_number}}/notice": {
            "get": _operation(
                "getJobFailureNotice",
                "The notice of failed verification of a verification job that did not pass (signed PDF).",
                "jobs",
                _binary_download("application/pdf"),
                parameters=[JOB_NUMBER],
                errors=(404,),
                description="404 when the job has no notice (it passed, or is not a verification).",
            )
        },
        f"{PREFIX}/jobs/{{job_number}}/points/{{point_id}}/readings": {
            "post": _operation(
                "uploadReadings",
                "Attach bench readings to a test point of a job in progress (bench agents; bench scope).",
                "jobs",
                _json_ok("ReadingReply", "Every key of the batch in exactly one list."),
                parameters=[
                    JOB_NUMBER,
                    _path_param(
                        "point_id",
                        {"type": "string", "pattern": "^P[1-9][0-9]{0,3}$"},
                        "Test point: `P1` is the job's first test point.",
                    ),
                ],
                scope="bench",
                errors=(404, 409, 413, 415, 422),
                description="The contract of docs/bench-agent.md: values are decimal strings kept exactly as "
                "sent; a key already stored is answered as a duplicate and never stored twice; a reading "
                "that fails validation is rejected for good with its reason. 400: the body is not a batch; "
                "409: the job does not accept readings in its state.",
                body={"required": True, "content": {JSON: {"schema": _ref("ReadingBatch")}}},
            )
        },
    }

"""The OpenAPI 3.1 description of ``/api/v1``, kept beside the routes it describes.

``tests/web/api/test_openapi.py`` fails when a route of the blueprint is missing here or a path here has
no route, and validates the document with openapi-spec-validator; schemathesis then checks that the
answers conform to it.
"""

from __future__ import annotations

from typing import Any

from lims import __version__
from lims.models import CertificateStatus, JobKind, JobState
from lims.services.bench.readings import KEY_RE
from lims.services.common.pagination import MAX_PAGE_SIZE
from lims.web.api.framework import CURSOR_PATTERN, DEFAULT_PAGE_SIZE, ERRORS, MAX_ID, REALM

PREFIX = "/api/v1"
JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema["type"]
    return {**schema, "type": [*(kind if isinstance(kind, list) else [kind]), "null"]}


STRING = {"type": "string"}
# Text the database can store: no NUL (the API answers 400 invalid_characters to one).
# Control characters (C0, DEL, C1) are refused in every path and query value (lims.web.edge, issue 21).
NO_CONTROL_CHARACTERS = r"^[^\u0000-\u001f\u007f-\u009f]*$"
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
DECIMAL = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "description": "A decimal number as text."}
URL = {"type": "string", "format": "uri"}


def _error_response(status: int) -> dict[str, Any]:
    code, message = ERRORS[status]
    response: dict[str, Any] = {
        "description": f"{message} (error code `{code}`)",
        "content": {JSON: {"schema": _ref("Error")}},
    }
    if status == 401:
        response["headers"] = {"WWW-Authenticate": {"schema": STRING, "description": "Bearer challenge."}}
    if status == 429:
        response["headers"] = {
            "Retry-After": {
                "schema": {"type": "string", "pattern": r"^\d+$"},
                "description": "Seconds to wait.",
            }
        }
    return response


def _errors(*statuses: int) -> dict[str, Any]:
    return {str(s): {"$ref": f"#/components/responses/E{s}"} for s in statuses}


AUTHENTICATED_ERRORS = (400, 401, 403, 429, 500)


def _operation(
    operation_id: str,
    summary: str,
    tag: str,
    ok: dict[str, Any],
    *,
    status: int = 200,
    parameters: list[dict[str, Any]] | None = None,
    errors: tuple[int, ...] = (),
    scope: str = "read",
    description: str = "",
    body: dict[str, Any] | None = None,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "tags": [tag],
        "security": [{"bearer": [scope]}],
        "parameters": parameters or [],
        "responses": {str(status): ok, **_errors(*sorted({*AUTHENTICATED_ERRORS, *errors}))},
    }
    if description:
        operation["description"] = description
    if body is not None:
        operation["requestBody"] = body
    return operation


def _json_ok(schema: str, description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": description, "content": {JSON: {"schema": _ref(schema)}}}
    if headers:
        ok["headers"] = headers
    return ok


def _no_controls(schema: dict[str, Any]) -> dict[str, Any]:
    if schema.get("type") == "string" and "pattern" not in schema and "enum" not in schema:
        return {**schema, "pattern": NO_CONTROL_CHARACTERS}
    return schema


def _path_param(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": _no_controls(schema),
        "description": description,
    }


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": _no_controls(schema),
        "description": description,
    }


PAGING = [
    _query(
        "limit",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE},
        "Items per page.",
    ),
    _query(
        "cursor", {"type": "string", "pattern": CURSOR_PATTERN}, "The `next_cursor` of the previous page."
    ),
]
NUMBER = {"type": "string", "minLength": 1, "maxLength": 50, "pattern": NO_CONTROL_CHARACTERS}
INSTRUMENT_ID = _path_param(
    "instrument_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "Instrument id."
)
JOB_NUMBER = _path_param("job_number", NUMBER, "Job number, e.g. `CV-2026-00001` (a `/` may be sent as is).")
CERTIFICATE_NUMBER = _path_param("number", NUMBER, "Certificate number (a `/` may be sent as is).")
LINK_HEADER = {"Link": {"schema": STRING, "description": 'The next page, as `<url>; rel="next"`.'}}

INSTRUMENT_PROPERTIES: dict[str, Any] = {
    "instrument_type": {"type": "string", "maxLength": 100},
    "manufacturer": _nullable({"type": "string", "maxLength": 100}),
    "model": _nullable({"type": "string", "maxLength": 100}),
    "serial_number": {"type": "string", "maxLength": 100},
    "range_min": _nullable(DECIMAL),
    "range_max": _nullable(DECIMAL),
    "unit": {"type": "string", "maxLength": 20},
    "resolution": _nullable(DECIMAL),
    "accuracy_class": _nullable({"type": "string", "maxLength": 50}),
    "legally_controlled": {"type": "boolean"},
    "location": _nullable({"type": "string", "maxLength": 200}),
    "last_calibrated_on": _nullable(DATE),
    "next_due_on": _nullable(DATE),
}


def _page_schema(item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "next_cursor", "links"],
        "properties": {
            "items": {"type": "array", "items": _ref(item)},
            "next_cursor": _nullable(STRING),
            "links": {
                "type": "object",
                "required": ["next"],
                "properties": {"next": _nullable(URL)},
            },
        },
    }


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


def _object(properties: dict[str, Any], *, required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "required": required or list(properties), "properties": properties}


def _stored_file() -> dict[str, Any]:
    return _object({"available": {"type": "boolean"}, "sha256": _nullable(STRING), "url": _nullable(URL)})


SCHEMAS: dict[str, Any] = {
    "Error": _object(
        {
            "error": _object(
                {
                    "code": {
                        "type": "string",
                        "enum": sorted(
                            {c for c, _ in ERRORS.values()}
                            | {
                                "insufficient_scope",
                                "invalid_parameter",
                                "invalid_characters",
                                "malformed_json",
                                "not_stored",
                                "rejected",
                            }
                        ),
                    },
                    "message": {"type": "string", "description": "English text for people."},
                    "details": {"description": "Structured details, e.g. the fields at fault; may be null."},
                }
            )
        }
    ),
    "Me": _object(
        {
            "username": STRING,
            "full_name": STRING,
            "role": {
                "type": "string",
                "enum": ["admin", "technician", "reviewer", "signatory", "auditor", "customer"],
            },
            "enterprise_id": _nullable({"type": "integer"}),
            "token": _object(
                {
                    "name": STRING,
                    "prefix": STRING,
                    "scopes": {
                        "type": "array",
                        "items": {"type": "string", "enum": ["read", "write", "bench"]},
                    },
                    "expires_at": DATETIME,
                }
            ),
        }
    ),
    "InstrumentInput": {
        "type": "object",
        "required": ["instrument_type", "serial_number", "unit"],
        "additionalProperties": False,
        "properties": {
            **INSTRUMENT_PROPERTIES,
            "range_min": {"type": ["string", "number", "null"]},
            "range_max": {"type": ["string", "number", "null"]},
            "resolution": {"type": ["string", "number", "null"]},
            "last_calibrated_on": {"type": ["string", "null"], "description": "yyyy-mm-dd or dd/mm/yyyy."},
            "next_due_on": {"type": ["string", "null"], "description": "yyyy-mm-dd or dd/mm/yyyy."},
        },
    },
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
    "Instrument": _object(
        {
            "id": {"type": "integer"},
            "enterprise_id": {"type": "integer"},
            **INSTRUMENT_PROPERTIES,
            "permitted_for_use": {
                "type": "boolean",
                "description": "False after a failed legal verification, until a later one passes.",
            },
            "not_permitted_since": {
                **_nullable(DATE),
                "description": "Date of the failed verification that made the instrument not permitted for use.",
            },
            "created_at": DATETIME,
            "url": URL,
        }
    ),
    "InstrumentPage": _page_schema("Instrument"),
    "Job": _object(
        {
            "number": STRING,
            "kind": {"type": "string", "enum": [k.value for k in JobKind]},
            "state": {"type": "string", "enum": [s.value for s in JobState]},
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
    "StoredFile": _stored_file(),
    "Certificate": _object(
        {
            "number": STRING,
            "kind": {"type": "string", "enum": [k.value for k in JobKind]},
            "status": {"type": "string", "enum": [s.value for s in CertificateStatus]},
            "revision": {"type": "integer"},
            "replaces": _nullable(STRING),
            "issued_at": DATETIME,
            "job_number": STRING,
            "enterprise_id": {"type": "integer"},
            "instrument_id": {"type": "integer"},
            "amendment_reason": _nullable(STRING),
            "withdrawal_reason": _nullable(STRING),
            "pdf": _ref("StoredFile"),
            "dcc": _ref("StoredFile"),
            "dcc_signature": _ref("StoredFile"),  # the DCC's detached CMS signature (.p7s)
            "url": URL,
        }
    ),
    "CertificatePage": _page_schema("Certificate"),
    "TraceabilityChain": _object(
        {
            "subject": STRING,
            "subject_kind": STRING,
            "on": DATE,
            "links": {
                "type": "array",
                "items": _object(
                    {
                        "from": _nullable(STRING),
                        "to": STRING,
                        "used_on": DATE,
                        "certificate": _nullable(STRING),
                        "issuer": _nullable(STRING),
                        "issuer_kind": _nullable(STRING),
                        "calibrated_on": _nullable(DATE),
                        "valid_until": _nullable(DATE),
                        "has_file": _nullable({"type": "boolean"}),
                        "expanded_uncertainty": _nullable({"type": "number"}),
                        "unit": _nullable(STRING),
                        "terminal": {"type": "boolean"},
                        "parent": _nullable({"type": "integer"}),
                    }
                ),
            },
            "findings": {
                "type": "array",
                "items": _object(
                    {
                        "kind": STRING,
                        "severity": STRING,
                        "message": STRING,
                        "link": _nullable({"type": "integer"}),
                        "standard": _nullable(STRING),
                    }
                ),
            },
            "complete": {"type": "boolean"},
        }
    ),
}


def _paths() -> dict[str, Any]:
    download = {
        "description": "The stored bytes, exactly as issued (the ETag is their SHA-256).",
        "headers": {"ETag": {"schema": STRING}, "Content-Disposition": {"schema": STRING}},
    }
    return {
        f"{PREFIX}/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document (no token needed).",
                "tags": ["meta"],
                "security": [],
                "responses": {
                    "200": {
                        "description": "The OpenAPI document.",
                        "content": {JSON: {"schema": {"type": "object"}}},
                    }
                },
            }
        },
        f"{PREFIX}/me": {
            "get": _operation("me", "The token's user and scopes.", "meta", _json_ok("Me", "The caller."))
        },
        f"{PREFIX}/instruments": {
            "get": _operation(
                "listInstruments",
                "Instruments (a customer's token: its enterprise's only), newest first.",
                "instruments",
                _json_ok("InstrumentPage", "One page.", LINK_HEADER),
                parameters=[
                    *PAGING,
                    _query(
                        "q",
                        {"type": "string", "maxLength": 100, "pattern": NO_CONTROL_CHARACTERS},
                        "Text in serial, type, maker or model.",
                    ),
                    _query(
                        "instrument_type",
                        {"type": "string", "maxLength": 100, "pattern": NO_CONTROL_CHARACTERS},
                        "Exact instrument type.",
                    ),
                    _query(
                        "due_within_days",
                        {"type": "integer", "minimum": 0, "maximum": 3650},
                        "Due for calibration within this many days (overdue included).",
                    ),
                ],
            ),
            "post": _operation(
                "createInstrument",
                "Register an instrument of the customer's enterprise (customers' tokens with the write scope).",
                "instruments",
                {
                    **_json_ok("Instrument", "Registered."),
                    "headers": {"Location": {"schema": URL, "description": "The new instrument."}},
                },
                status=201,
                scope="write",
                errors=(409, 413, 415, 422),
                description="The fields are checked as in the portal's form; every fault is listed in "
                "`error.details` as `{field, message}`.",
                body={"required": True, "content": {JSON: {"schema": _ref("InstrumentInput")}}},
            ),
        },
        f"{PREFIX}/instruments/{{instrument_id}}": {
            "get": _operation(
                "getInstrument",
                "One instrument.",
                "instruments",
                _json_ok("Instrument", "The instrument."),
                parameters=[INSTRUMENT_ID],
                errors=(404,),
            )
        },
        f"{PREFIX}/jobs": {
            "get": _operation(
                "listJobs",
                "Jobs, newest first.",
                "jobs",
                _json_ok("JobPage", "One page.", LINK_HEADER),
                parameters=[
                    *PAGING,
                    _query(
                        "state", {"type": "string", "enum": [s.value for s in JobState]}, "Only this state."
                    ),
                ],
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
                {
                    **download,
                    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
                },
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
        f"{PREFIX}/certificates": {
            "get": _operation(
                "listCertificates",
                "Certificates, newest first.",
                "certificates",
                _json_ok("CertificatePage", "One page.", LINK_HEADER),
                parameters=[
                    *PAGING,
                    _query(
                        "status",
                        {"type": "string", "enum": [s.value for s in CertificateStatus]},
                        "Only this status.",
                    ),
                ],
            )
        },
        f"{PREFIX}/certificates/{{number}}": {
            "get": _operation(
                "getCertificate",
                "One certificate.",
                "certificates",
                _json_ok("Certificate", "The certificate."),
                parameters=[CERTIFICATE_NUMBER],
                errors=(404,),
            )
        },
        f"{PREFIX}/certificates/{{number}}/pdf": {
            "get": _operation(
                "getCertificatePdf",
                "The issued PDF.",
                "certificates",
                {
                    **download,
                    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
                },
                parameters=[CERTIFICATE_NUMBER],
                errors=(404,),
            )
        },
        f"{PREFIX}/certificates/{{number}}/dcc": {
            "get": _operation(
                "getCertificateDcc",
                "The issued Digital Calibration Certificate (PTB DCC XML).",
                "certificates",
                {**download, "content": {"application/xml": {"schema": {"type": "string"}}}},
                parameters=[CERTIFICATE_NUMBER],
                errors=(404,),
            )
        },
        f"{PREFIX}/certificates/{{number}}/p7s": {
            "get": _operation(
                "getCertificateDccSignature",
                "The detached CMS signature (.p7s, RFC 5652) of the issued DCC.",
                "certificates",
                {
                    **download,
                    "content": {
                        "application/pkcs7-signature": {"schema": {"type": "string", "format": "binary"}}
                    },
                },
                parameters=[CERTIFICATE_NUMBER],
                errors=(404,),
                description="Check it against the bytes of getCertificateDcc, e.g. "
                "`openssl cms -verify -binary -inform DER -in X.xml.p7s -content X.xml -CAfile root.pem`.",
            )
        },
        f"{PREFIX}/certificates/{{number}}/traceability": {
            "get": _operation(
                "getCertificateTraceability",
                "The metrological traceability chain of a certificate, as it stood on the measurement date.",
                "certificates",
                _json_ok("TraceabilityChain", "The chain, with findings (ILAC P10, ISO/IEC 17025 6.5)."),
                parameters=[CERTIFICATE_NUMBER],
                errors=(404,),
            )
        },
    }


# OpenAPI links (OAS 3.1 §4.8.20, Link Object): which operation a response's values can be passed to. They tell
# a client (and schemathesis's stateful tests, tests/web/api/test_schemathesis.py) how to go from a list to a
# record and from a record to its files: operationId -> {link name: (target operationId, {parameter: expression})}.
_FIRST = "$response.body#/items/0"
LINKS: dict[str, dict[str, tuple[str, dict[str, str]]]] = {
    "listInstruments": {"GetFirstInstrument": ("getInstrument", {"instrument_id": f"{_FIRST}/id"})},
    "createInstrument": {"GetCreatedInstrument": ("getInstrument", {"instrument_id": "$response.body#/id"})},
    "listJobs": {"GetFirstJob": ("getJob", {"job_number": f"{_FIRST}/number"})},
    "getJob": {
        "GetJobInstrument": ("getInstrument", {"instrument_id": "$response.body#/instrument_id"}),
        "UploadReadingsToFirstPoint": ("uploadReadings", {"job_number": "$response.body#/number"}),
        "GetJobFailureNotice": ("getJobFailureNotice", {"job_number": "$response.body#/number"}),
    },
    "listCertificates": {"GetFirstCertificate": ("getCertificate", {"number": f"{_FIRST}/number"})},
    "getCertificate": {
        "GetCertificatePdf": ("getCertificatePdf", {"number": "$response.body#/number"}),
        "GetCertificateDcc": ("getCertificateDcc", {"number": "$response.body#/number"}),
        "GetCertificateDccSignature": ("getCertificateDccSignature", {"number": "$response.body#/number"}),
        "GetCertificateTraceability": ("getCertificateTraceability", {"number": "$response.body#/number"}),
        "GetCertificateJob": ("getJob", {"job_number": "$response.body#/job_number"}),
        "GetCertificateInstrument": ("getInstrument", {"instrument_id": "$response.body#/instrument_id"}),
    },
}


def _with_links(paths: dict[str, Any]) -> dict[str, Any]:
    """``paths`` with :data:`LINKS` added to each operation's success response."""
    for item in paths.values():
        for operation in item.values():
            links = LINKS.get(operation["operationId"], {})
            if not links:
                continue
            success = next(code for code in operation["responses"] if code.startswith("2"))
            operation["responses"][success]["links"] = {
                name: {"operationId": target, "parameters": parameters}
                for name, (target, parameters) in links.items()
            }
    return paths


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document (a fresh dict: callers may change it)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "LIMS API",
            "version": __version__,
            "description": "Instruments, jobs, certificates and traceability of the calibration laboratory. "
            "Authenticate with a personal API token (`Authorization: Bearer <token>`), made under "
            'My account → API tokens. Errors are `{"error": {"code", "message", "details"}}`. '
            "See docs/api.md.",
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "paths": _with_links(_paths()),
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": f"A personal API token (realm `{REALM}`); scopes: read, write, bench.",
                }
            },
            "schemas": SCHEMAS,
            "responses": {f"E{status}": _error_response(status) for status in sorted(ERRORS)},
        },
    }

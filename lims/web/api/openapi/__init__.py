"""The OpenAPI 3.1 description of ``/api/v1``, kept beside the routes it describes.

``tests/web/api/test_openapi.py`` fails when a route of the blueprint is missing here or a path here has
no route, and validates the document with openapi-spec-validator; schemathesis then checks that the
answers conform to it.

Each area (:mod:`.meta`, :mod:`.instruments`, :mod:`.jobs`, :mod:`.certificates`) gives its schemas and
paths, built from the blocks of :mod:`.common`; this module joins them and adds the links between
operations.
"""

from __future__ import annotations

from typing import Any

from lims import __version__
from lims.web.api.framework import ERRORS, REALM
from lims.web.api.openapi import certificates, instruments, jobs, meta
from lims.web.api.openapi.common import _error_response

AREAS = (meta, instruments, jobs, certificates)
SCHEMAS: dict[str, Any] = {name: schema for area in AREAS for name, schema in area.SCHEMAS.items()}


def _paths() -> dict[str, Any]:
    return {path: item for area in AREAS for path, item in area.paths().items()}


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

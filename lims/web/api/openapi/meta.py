"""The OpenAPI document's meta area: the document itself, the caller, the error body."""

from __future__ import annotations

from typing import Any

from lims.web.api.framework import ERRORS
from lims.web.api.openapi.common import (
    DATETIME,
    JSON,
    PREFIX,
    STRING,
    _json_ok,
    _nullable,
    _object,
    _operation,
)

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
}


def paths() -> dict[str, Any]:
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
    }

"""Building blocks of the OpenAPI document shared by every area: types, parameters, paging, operations,
error responses."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from lims.services.common.pagination import MAX_PAGE_SIZE
from lims.web.api.framework import CURSOR_PATTERN, DEFAULT_PAGE_SIZE, ERRORS

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
LINK_HEADER = {"Link": {"schema": STRING, "description": 'The next page, as `<url>; rel="next"`.'}}


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


def _object(properties: dict[str, Any], *, required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "required": required or list(properties), "properties": properties}


def _download() -> dict[str, Any]:
    """A stored file's success response (a fresh dict per document)."""
    return {
        "description": "The stored bytes, exactly as issued (the ETag is their SHA-256).",
        "headers": {"ETag": {"schema": STRING}, "Content-Disposition": {"schema": STRING}},
    }


def _binary_download(media_type: str) -> dict[str, Any]:
    """A stored binary file's success response (a signed PDF, a detached signature)."""
    return {**_download(), "content": {media_type: {"schema": {"type": "string", "format": "binary"}}}}


def _enum(values: Iterable[StrEnum]) -> dict[str, Any]:
    """A string that is one of an enumeration's values."""
    return {"type": "string", "enum": [v.value for v in values]}


def _list_operation(
    operation_id: str, summary: str, tag: str, item: str, filters: list[dict[str, Any]]
) -> dict[str, Any]:
    """A list of ``item`` records: one page (schema ``<item>Page``, :func:`_page_schema`) with the paging
    parameters and the ``filters``; the ``Link`` header names the next page."""
    return _operation(
        operation_id,
        summary,
        tag,
        _json_ok(f"{item}Page", "One page.", LINK_HEADER),
        parameters=[*PAGING, *filters],
    )

"""The OpenAPI document's instruments area: the customers' instruments, listed, read and registered."""

from __future__ import annotations

from typing import Any

from lims.web.api.framework import MAX_ID
from lims.web.api.openapi.common import (
    DATE,
    DATETIME,
    DECIMAL,
    JSON,
    NO_CONTROL_CHARACTERS,
    PREFIX,
    URL,
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

INSTRUMENT_ID = _path_param(
    "instrument_id", {"type": "integer", "minimum": 1, "maximum": MAX_ID}, "Instrument id."
)

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


SCHEMAS: dict[str, Any] = {
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
}


def paths() -> dict[str, Any]:
    return {
        f"{PREFIX}/instruments": {
            "get": _list_operation(
                "listInstruments",
                "Instruments (a customer's token: its enterprise's only), newest first.",
                "instruments",
                "Instrument",
                [
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
    }

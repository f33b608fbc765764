"""The OpenAPI document: valid OpenAPI 3.1, and in step with the routes of the blueprint (both ways)."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from lims.web.api.openapi import document

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _template(rule: str) -> str:
    """``/api/v1/jobs/<path:job_number>`` → ``/api/v1/jobs/{job_number}``.

    >>> _template("/api/v1/instruments/<int(min=1, max=9):instrument_id>")
    '/api/v1/instruments/{instrument_id}'
    """
    return re.sub(r"<(?:[^:<>]+:)?([A-Za-z_]+)>", r"{\1}", rule)


def test_document_is_valid_openapi_3_1() -> None:
    validate(document())  # raises on any fault


def test_every_route_is_documented_and_every_path_has_a_route(app: Flask) -> None:
    routes = {
        (_template(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in (rule.methods or set()) - IGNORED_METHODS
    }
    documented = {(path, method) for path, item in document()["paths"].items() for method in item}
    assert routes == documented


def test_path_parameters_match_the_routes(app: Flask) -> None:
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        item = document()["paths"][_template(rule.rule)]
        for method in (rule.methods or set()) - IGNORED_METHODS:
            declared = {p["name"] for p in item[method.lower()].get("parameters", []) if p["in"] == "path"}
            assert declared == set(rule.arguments), rule.rule


def test_query_parameters_match_the_views(app: Flask) -> None:
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api.openapi":
            continue
        item = document()["paths"][_template(rule.rule)]
        for method in (rule.methods or set()) - IGNORED_METHODS:
            declared = {p["name"] for p in item[method.lower()].get("parameters", []) if p["in"] == "query"}
            assert declared == app.view_functions[rule.endpoint].__lims_api_query__, rule.endpoint


def test_every_token_operation_declares_security_and_error_objects() -> None:
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            if path.endswith("/openapi.json"):
                assert operation["security"] == []
                continue
            assert operation["security"] and next(iter(operation["security"][0])) == "bearer", path
            for status in ("400", "401", "403", "429", "500"):
                assert operation["responses"][status] == {"$ref": f"#/components/responses/E{status}"}, (
                    path,
                    method,
                )


def test_served_document_is_the_module_document(client: FlaskClient) -> None:
    assert client.get("/api/v1/openapi.json").get_json() == document()


def test_a_405_allows_exactly_the_documented_methods(app: Flask, client: FlaskClient) -> None:
    """Issue 21: the probe's schemathesis run found a 405 whose ``Allow`` disagreed with the document."""
    for path, item in document()["paths"].items():
        url = re.sub(r"\{[^}]+\}", "1", path)
        documented = {method.upper() for method in item}
        undocumented = next(m for m in ("DELETE", "PATCH", "PUT") if m not in documented)
        response = client.open(url, method=undocumented)
        assert response.status_code == 405, (path, response.status_code)
        assert {m.strip() for m in response.headers["Allow"].split(",")} == documented, path


def test_the_readings_idempotency_key_pattern_is_the_services(app: Flask) -> None:
    from lims.services.bench.readings import KEY_RE

    schema = document()["components"]["schemas"]["ReadingBatch"]["properties"]["readings"]["items"]
    key = schema["properties"]["idempotency_key"]
    assert key["pattern"] == f"^{KEY_RE.pattern}$"
    assert re.fullmatch(KEY_RE.pattern, "can-1:2026-12-06T05:00:00.123Z") and not re.fullmatch(
        KEY_RE.pattern, "a b"
    )

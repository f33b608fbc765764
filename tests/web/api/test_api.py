"""The JSON API through the test client: tenancy, pagination, downloads, errors, rate limit."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.models import ApiToken, CustomerInstrument, JobState
from lims.services.standards.traceability import certificate_chain
from tests.factories import make_instrument, make_job
from tests.web.api.conftest import World, bearer, token_for

API = "/api/v1"


def error_of(response) -> dict:  # type: ignore[no-untyped-def]
    body = response.get_json()
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]


def test_customer_lists_only_its_enterprise(client: FlaskClient, world: World) -> None:
    response = client.get(f"{API}/instruments", headers=bearer(world.a.token))
    assert response.status_code == 200
    ids = {item["id"] for item in response.get_json()["items"]}
    assert ids == {world.a.instrument_id}
    assert response.headers["Cache-Control"] == "no-store"
    staff = client.get(f"{API}/instruments?limit=200", headers=bearer(world.staff_token)).get_json()
    assert {world.a.instrument_id, world.b.instrument_id} <= {item["id"] for item in staff["items"]}


def test_instrument_fields_and_decimals_as_text(client: FlaskClient, world: World) -> None:
    body = client.get(f"{API}/instruments/{world.a.instrument_id}", headers=bearer(world.a.token)).get_json()
    assert body["range_max"] == "3200" and body["resolution"] == "0.01" and body["unit"] == "g"
    assert body["url"].endswith(f"/api/v1/instruments/{world.a.instrument_id}")


def test_pagination_walks_every_instrument_once(client: FlaskClient, session: Session, world: World) -> None:
    for _ in range(4):
        make_instrument(session, world.a.enterprise)
    session.commit()
    seen: list[int] = []
    url: str | None = f"{API}/instruments?limit=2"
    pages = 0
    while url:
        response = client.get(url, headers=bearer(world.a.token))
        assert response.status_code == 200
        body = response.get_json()
        assert len(body["items"]) <= 2
        seen += [item["id"] for item in body["items"]]
        url = body["links"]["next"]
        if url:
            assert body["next_cursor"] and f"cursor={body['next_cursor']}" in url
            assert response.headers["Link"] == f'<{url}>; rel="next"'
        else:
            assert body["next_cursor"] is None and "Link" not in response.headers
        pages += 1
    assert pages == 3
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) == 5


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=201", "limit=x", "cursor=%%%", "cursor=aWQ6eA", "state=nope"]
)
def test_bad_parameters_are_400(client: FlaskClient, world: World, query: str) -> None:
    response = client.get(f"{API}/jobs?{query}", headers=bearer(world.a.token))
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid_parameter" and error["details"]["parameter"] in (
        "limit",
        "cursor",
        "state",
    )


def test_jobs_with_state_filter_and_detail(client: FlaskClient, session: Session, world: World) -> None:
    other = make_job(
        session, enterprise=world.a.enterprise, state=JobState.RECEIVED, due_on=date(2026, 12, 1)
    )
    session.commit()
    listed = client.get(f"{API}/jobs?state=received", headers=bearer(world.a.token)).get_json()
    assert [j["number"] for j in listed["items"]] == [other.number]
    everything = client.get(f"{API}/jobs", headers=bearer(world.a.token)).get_json()
    assert {j["number"] for j in everything["items"]} == {other.number, world.a.job.number}
    detail = client.get(f"{API}/jobs/{other.number}", headers=bearer(world.a.token)).get_json()
    assert detail["state"] == "received" and detail["expected_on"] == "2026-12-01"
    issued = client.get(f"{API}/jobs/{world.a.job.number}", headers=bearer(world.a.token)).get_json()
    assert issued["points"]["count"] == 2 and issued["points"]["with_readings"] == 2
    assert issued["points"]["with_result"] == 1
    assert issued["points"]["items"][0] == {
        "index": 0,
        "nominal": "100",
        "unit": "g",
        "readings": 2,
        "has_result": False,
        "result": None,
    }
    assert issued["points"]["items"][1]["result"] == {
        "index": 1,
        "quantity": "mass",
        "unit": "g",
        "reference": "200.000",
        "indication": "200.010",
        "error": "0.010",
        "expanded_uncertainty": "0.012",
        "coverage_factor": "2",
        "dof_eff": None,
        "coverage_probability": "0.9545",
        "mpe": None,
        "decision_rule": None,
        "verdict": None,
        "interval_method": "lpu",
        "hysteresis": None,
        "no_statement_reason": None,
        "probability_of_false_acceptance": None,
        "notes": [],
    }
    assert issued["certificates"] == [world.a.certificate.number]


def test_certificate_and_downloads_are_the_stored_bytes(client: FlaskClient, world: World) -> None:
    number = world.a.certificate.number
    body = client.get(f"{API}/certificates/{number}", headers=bearer(world.a.token)).get_json()
    assert body["job_number"] == world.a.job.number and body["status"] == "valid"
    assert body["pdf"]["available"] and body["pdf"]["sha256"] == world.a.certificate.pdf_sha256
    pdf = client.get(f"{API}/certificates/{number}/pdf", headers=bearer(world.a.token))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data == world.a.pdf
    assert pdf.headers["ETag"] == f'"{world.a.certificate.pdf_sha256}"'
    assert f'filename="{number}.pdf"' in pdf.headers["Content-Disposition"]
    dcc = client.get(f"{API}/certificates/{number}/dcc", headers=bearer(world.a.token))
    assert dcc.status_code == 200 and dcc.mimetype == "application/xml" and dcc.data == world.a.dcc
    listed = client.get(f"{API}/certificates", headers=bearer(world.a.token)).get_json()
    assert [c["number"] for c in listed["items"]] == [number]


def test_certificate_without_stored_dcc_is_404_not_stored(
    client: FlaskClient, session: Session, world: World
) -> None:
    world.a.certificate.dcc_key = None
    session.commit()
    response = client.get(
        f"{API}/certificates/{world.a.certificate.number}/dcc", headers=bearer(world.a.token)
    )
    assert response.status_code == 404 and error_of(response)["code"] == "not_stored"


def test_traceability_is_the_service_chain(client: FlaskClient, session: Session, world: World) -> None:
    number = world.a.certificate.number
    response = client.get(f"{API}/certificates/{number}/traceability", headers=bearer(world.a.token))
    assert response.status_code == 200
    assert response.get_json() == certificate_chain(session, number).to_dict()


def test_customer_registers_an_instrument(client: FlaskClient, session: Session, world: World) -> None:
    body = {
        "instrument_type": "Nhiệt kế",
        "serial_number": "API-001",
        "unit": "°C",
        "range_min": -40,
        "range_max": "150",
        "resolution": 0.1,
        "legally_controlled": True,
        "next_due_on": "2027-03-05",
    }
    response = client.post(f"{API}/instruments", json=body, headers=bearer(world.a.token))
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert response.headers["Location"] == created["url"]
    assert created["enterprise_id"] == world.a.enterprise.id and created["range_min"] == "-40"
    stored = session.get(CustomerInstrument, created["id"])
    assert stored is not None and stored.enterprise_id == world.a.enterprise.id
    again = client.post(f"{API}/instruments", json=body, headers=bearer(world.a.token))
    assert again.status_code == 422
    assert error_of(again)["details"][0]["field"] == "serial_number"


def test_invalid_instrument_lists_every_field(client: FlaskClient, world: World) -> None:
    response = client.post(
        f"{API}/instruments",
        json={"instrument_type": "", "unit": "bogons", "range_min": "1e30", "extra": 1},
        headers=bearer(world.a.token),
    )
    assert response.status_code == 422
    assert [d["field"] for d in error_of(response)["details"]] == ["extra"]
    response = client.post(
        f"{API}/instruments",
        json={"instrument_type": "", "unit": "bogons", "range_min": "1e30"},
        headers=bearer(world.a.token),
    )
    assert response.status_code == 422
    fields = {d["field"] for d in error_of(response)["details"]}
    assert fields == {"instrument_type", "serial_number", "unit", "range_min"}


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        ("{}", "text/plain", 415, "unsupported_media_type"),
        ("{not json", "application/json", 400, "malformed_json"),
        ("[1, 2]", "application/json", 400, "malformed_json"),
        ('{"instrument_type": "a\\u0000b"}', "application/json", 400, "invalid_characters"),
        ('{"instrument_type": "\\ud800"}', "application/json", 400, "invalid_characters"),
    ],
)
def test_body_errors(
    client: FlaskClient, world: World, data: str, content_type: str, status: int, code: str
) -> None:
    response = client.post(
        f"{API}/instruments", data=data, content_type=content_type, headers=bearer(world.a.token)
    )
    assert response.status_code == status
    assert error_of(response)["code"] == code


def test_nul_in_path_or_query_is_400(client: FlaskClient, world: World) -> None:
    for url in (f"{API}/jobs/A%00B", f"{API}/instruments?q=%00"):
        response = client.get(url, headers=bearer(world.a.token))
        assert response.status_code == 400 and error_of(response)["code"] == "invalid_characters"


def test_body_too_large_is_413(app: Flask, client: FlaskClient, world: World) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100
    response = client.post(f"{API}/instruments", json={"location": "x" * 500}, headers=bearer(world.a.token))
    assert response.status_code == 413 and error_of(response)["code"] == "payload_too_large"


def test_write_needs_the_write_scope_and_a_customer(
    client: FlaskClient, session: Session, world: World
) -> None:
    read_only = token_for(session, world.a.customer, "read")
    response = client.post(f"{API}/instruments", json={}, headers=bearer(read_only))
    assert response.status_code == 403
    assert error_of(response)["code"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    response = client.post(f"{API}/instruments", json={}, headers=bearer(world.staff_token))
    assert response.status_code == 403  # the staff token has no write scope, and staff may not anyway


def test_unknown_route_and_wrong_method_answer_error_objects(client: FlaskClient, world: World) -> None:
    response = client.get(f"{API}/no/such/thing", headers=bearer(world.a.token))
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    response = client.delete(f"{API}/instruments", headers=bearer(world.a.token))
    assert response.status_code == 405 and error_of(response)["code"] == "method_not_allowed"
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_server_error_is_an_error_object(
    app: Flask, client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lims.services.customers import portal

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(portal, "search_instruments", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get(f"{API}/instruments", headers=bearer(world.a.token))
    assert response.status_code == 500
    error = error_of(response)
    assert error["code"] == "internal_error" and "boom" not in response.get_data(as_text=True)


def test_rate_limit_per_token(
    app: Flask, client: FlaskClient, session: Session, world: World, frozen_rate_window: float
) -> None:
    app.config["API_RATE_LIMIT_PER_MINUTE"] = 3
    for _ in range(3):
        assert client.get(f"{API}/me", headers=bearer(world.a.token)).status_code == 200
    response = client.get(f"{API}/me", headers=bearer(world.a.token))
    assert response.status_code == 429
    assert error_of(response)["code"] == "rate_limited"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert client.get(f"{API}/me", headers=bearer(world.b.token)).status_code == 200  # counted per token


def test_an_unsupported_database_for_rate_limits_is_a_503_error_object(
    app: Flask, client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lims.services.common import ratelimit
    from lims.web.api import framework
    from tests.services.test_ratelimit import unsupported_session

    def hit_on_mysql(session: Any, key: str, **limits: Any) -> ratelimit.RateLimitResult:
        return ratelimit.hit(unsupported_session(), key, **limits)

    monkeypatch.setattr(framework, "hit", hit_on_mysql)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get(f"{API}/me", headers=bearer(world.a.token))
    assert response.status_code == 503
    assert error_of(response)["code"] == "unavailable" and "not mysql" in error_of(response)["message"]


def test_last_used_is_recorded(client: FlaskClient, session: Session, world: World) -> None:
    assert client.get(f"{API}/me", headers=bearer(world.a.token)).status_code == 200
    session.expire_all()
    used = session.scalars(select(ApiToken.last_used_at).where(ApiToken.user_id == world.a.customer.id)).all()
    assert any(u is not None for u in used)


def test_openapi_is_public_json(client: FlaskClient) -> None:
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200 and response.get_json()["openapi"] == "3.1.0"
    assert re.match(r"^\d+\.\d+", response.get_json()["info"]["version"])

"""Who may use each /api/v1 endpoint with a token, and the tenancy sweep: every endpoint, with another
enterprise's identifiers, answers 404 to a customer's token (never 403, never the record)."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lims.models import Role
from lims.services.access import api_tokens
from tests.factories import make_user
from tests.web.api.conftest import Side, World, bearer, token_for
from tests.web.test_routes_by_role import EXPECTED, TOKEN

EVERYONE = set(Role)
# endpoint -> (roles whose tokens may use it, scope the token needs)
API_ACCESS: dict[str, tuple[set[Role], str]] = {
    "api.me": (EVERYONE, "read"),
    "api.instruments": (EVERYONE, "read"),
    "api.create_instrument": ({Role.CUSTOMER}, "write"),
    "api.instrument": (EVERYONE, "read"),
    "api.jobs": (EVERYONE, "read"),
    "api.job": (EVERYONE, "read"),
    "api.certificates": (EVERYONE, "read"),
    "api.certificate": (EVERYONE, "read"),
    "api.certificate_pdf": (EVERYONE, "read"),
    "api.certificate_dcc": (EVERYONE, "read"),
    "api.certificate_p7s": (EVERYONE, "read"),
    "api.job_notice": (EVERYONE, "read"),
    "api.certificate_traceability": (EVERYONE, "read"),
    "api.upload_readings": ({Role.ADMIN, Role.TECHNICIAN}, "bench"),
}


def test_table_covers_every_token_route(app: Flask) -> None:
    assert set(API_ACCESS) == {e for e, rule in EXPECTED.items() if rule == TOKEN}
    for endpoint, (roles, scope) in API_ACCESS.items():
        view = app.view_functions[endpoint]
        assert view.__lims_access__ == frozenset({"token", *(str(r) for r in roles)}), endpoint
        assert view.__lims_api_scope__ == scope, endpoint


# Token routes whose file the API world does not hold (a notice of failed verification belongs to a failed
# verification job; tests/web/api/test_api_legal_files.py serves one and checks its tenancy).
NO_FILE_HERE = frozenset({"api.job_notice"})


def _requests(app: Flask, side: Side) -> list[tuple[str, str, str]]:
    """(endpoint, method, url) of every token route, with ``side``'s identifiers."""
    from flask import url_for

    values = {
        "instrument_id": side.instrument_id,
        "job_number": side.job.number,
        "number": side.certificate.number,
        "point_id": "P1",
    }
    found = []
    for rule in app.url_map.iter_rules():
        if EXPECTED.get(rule.endpoint) != TOKEN:
            continue
        with app.test_request_context():
            url = url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})
        method = "POST" if "POST" in (rule.methods or set()) else "GET"
        found.append((rule.endpoint, method, url))
    return found


def _call(client: FlaskClient, method: str, url: str, secret: str | None):  # type: ignore[no-untyped-def]
    headers = bearer(secret) if secret else {}
    if method == "POST":
        return client.post(url, json={"instrument_type": "x"}, headers=headers)
    return client.get(url, headers=headers)


def test_every_token_route_refuses_a_missing_token(app: Flask, client: FlaskClient, world: World) -> None:
    for endpoint, method, url in _requests(app, world.a):
        response = _call(client, method, url, None)
        assert response.status_code == 401, endpoint
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), endpoint
        assert response.get_json()["error"]["code"] == "unauthorized", endpoint


@pytest.mark.parametrize("role", list(Role))
def test_role_by_token_route(
    app: Flask, client: FlaskClient, session: Session, world: World, role: Role
) -> None:
    side = world.a
    user = side.customer if role == Role.CUSTOMER else make_user(session, role)
    secret = token_for(session, user, *(str(s) for s in api_tokens.scopes_for(role)))
    for endpoint, method, url in _requests(app, side):
        roles, scope = API_ACCESS[endpoint]
        response = _call(client, method, url, secret)
        if role in roles and scope in {str(s) for s in api_tokens.scopes_for(role)}:
            if endpoint in NO_FILE_HERE:  # allowed: the world's calibration job has no notice to serve
                assert response.get_json()["error"]["code"] == "not_stored", (endpoint, role)
                continue
            assert response.status_code not in (401, 403, 404), (endpoint, role, response.get_json())
        else:
            assert response.status_code == 403, (endpoint, role, response.status_code)


def test_other_enterprise_is_404_everywhere(app: Flask, client: FlaskClient, world: World) -> None:
    checked = 0
    for endpoint, method, url in _requests(app, world.b):
        if endpoint in NO_FILE_HERE or method != "GET" or "<" not in next(
            r.rule for r in app.url_map.iter_rules() if r.endpoint == endpoint
        ):
            continue
        mine = _call(client, method, url, world.b.token)
        assert mine.status_code == 200, (endpoint, mine.get_json())
        theirs = _call(client, method, url, world.a.token)
        assert theirs.status_code == 404, endpoint
        assert theirs.get_json()["error"]["code"] == "not_found", endpoint
        assert world.b.certificate.number not in theirs.get_data(as_text=True)
        checked += 1
    assert checked == 7  # instrument, job, certificate, its PDF, DCC, the DCC's signature and traceability


def test_lists_never_show_another_enterprise(app: Flask, client: FlaskClient, world: World) -> None:
    for path in ("instruments", "jobs", "certificates"):
        items = client.get(f"/api/v1/{path}?limit=200", headers=bearer(world.a.token)).get_json()["items"]
        assert items and {item["enterprise_id"] for item in items} == {world.a.enterprise.id}, path

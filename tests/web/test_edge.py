"""Finding 3 of the outside probe (issue 21): requests that used to end in an unhandled 500."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lims.models import Role
from lims.web.edge import MAX_DATABASE_ID, MAX_JSON_DEPTH
from tests.factories import make_enterprise, make_user
from tests.web.api.conftest import bearer, token_for
from tests.webutil import csrf_token, login

CONTROL_VI = "Yêu cầu chứa ký tự điều khiển"


def test_nul_in_the_anonymous_login_form_is_a_clear_400(client: FlaskClient, session: Session) -> None:
    user = make_user(session, Role.ADMIN)
    token = csrf_token(client)
    for data in (
        {"username": "admin\x00", "password": "x"},
        {"username": user.username, "password": "pass\x00word"},
        {"username": "a\x1bb", "password": "x"},
    ):
        response = client.post("/login", data={**data, "csrf_token": token})
        assert response.status_code == 400, data
        assert CONTROL_VI in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/certificates/?q=%00", "/jobs/?q=a%00b", "/instruments/?q=%1F", "/%00"])
def test_nul_in_a_search_query_or_path_is_a_clear_400(
    client: FlaskClient, session: Session, url: str
) -> None:
    login(client, make_user(session, Role.ADMIN).username)
    response = client.get(url)
    assert response.status_code == 400
    assert CONTROL_VI in response.get_data(as_text=True)


def test_line_breaks_in_a_text_area_are_still_accepted(client: FlaskClient, session: Session) -> None:
    """Tab, CR and LF are what a browser sends from a text area: not refused."""
    from lims.web.edge import FORM_WHITESPACE, has_control

    assert not has_control("dòng 1\r\ndòng 2\tcột", allowed=FORM_WHITESPACE)
    assert has_control("dòng 1\r\ndòng 2\x00", allowed=FORM_WHITESPACE)


def _int_rules(app: Flask) -> list[tuple[str, str, list[str]]]:
    found = []
    for rule in app.url_map.iter_rules():
        names = [name for name, conv in rule._converters.items() if type(conv).__name__ == "BoundedInt"]
        if names:
            method = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})[0]
            found.append((rule.rule, method, names))
    return found


@pytest.mark.parametrize("too_big", [str(MAX_DATABASE_ID + 1), str(2**63), "9" * 5000])
def test_every_integer_route_answers_404_beyond_the_database_range(
    app: Flask, client: FlaskClient, session: Session, too_big: str
) -> None:
    rules = _int_rules(app)
    assert len([r for r in rules if not r[0].startswith("/api/")]) >= 23  # the probe counted 23 web routes
    login(client, make_user(session, Role.ADMIN).username)
    token = token_for(session, make_user(session, Role.TECHNICIAN))
    for rule, method, names in rules:
        url = rule
        for name in names:
            url = url.replace(f"<int:{name}>", too_big)
            url = url.replace(f"<{name}>", too_big)
        url = url.split("<", 1)[0] + (url.split(">", 1)[1] if "<" in url else "")
        response = client.open(url, method=method, headers=bearer(token) if url.startswith("/api/") else {})
        assert response.status_code == 404, (rule, url, response.status_code)


def test_the_largest_id_the_database_holds_is_still_routed(client: FlaskClient, session: Session) -> None:
    login(client, make_user(session, Role.ADMIN).username)
    response = client.get(f"/jobs/{MAX_DATABASE_ID}")
    assert response.status_code == 404  # routed to the view, which finds no such job
    assert "Trang này không tồn tại" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "body",
    ["[" * 100_000, "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), '{"a":' * 5000],
    ids=["probe", "one-too-deep", "objects"],
)
def test_deeply_nested_json_is_a_400_not_a_recursion_error(
    client: FlaskClient, session: Session, body: str
) -> None:
    customer = make_user(session, Role.CUSTOMER, enterprise_id=make_enterprise(session).id)
    token = token_for(session, customer, "read", "write")
    response = client.post(
        "/api/v1/instruments", data=body, content_type="application/json", headers=bearer(token)
    )
    assert response.status_code == 400
    assert json.loads(response.data)["error"]["code"] == "malformed_json"


def test_json_within_the_depth_limit_is_parsed(app: Flask) -> None:
    with app.app_context():
        nested = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
        assert app.json.loads(nested) is not None

"""Helpers for driving the app through its test client, CSRF tokens included."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.factories import PASSWORD

_TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf_token(client: FlaskClient, url: str = "/login") -> str:
    page = client.get(url).get_data(as_text=True)
    match = _TOKEN.search(page)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post_form(
    client: FlaskClient, url: str, data: dict[str, Any], *, token_from: str | None = None
) -> TestResponse:
    token = csrf_token(client, token_from or url)
    return client.post(url, data={**data, "csrf_token": token})


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> TestResponse:
    response = post_form(client, "/login", {"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response

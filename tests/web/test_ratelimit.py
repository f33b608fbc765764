"""``@rate_limit`` on a public view: 429 with Retry-After, counted per client address."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from lims.services.common import ratelimit as service
from lims.web import ratelimit
from lims.web.access import PUBLIC, allow
from lims.web.ratelimit import rate_limit
from tests.services.test_ratelimit import unsupported_session


def _add_limited_view(app: Flask, *, limit: int) -> None:
    @allow(PUBLIC)
    @rate_limit("probe", limit=limit, window_s=3600)
    def probe() -> str:
        return "ok"

    app.add_url_rule("/_probe", "probe", probe)


def test_public_view_answers_429_with_retry_after(fresh_app: Flask, frozen_rate_window: float) -> None:
    app = fresh_app
    _add_limited_view(app, limit=2)
    client = app.test_client()
    env = {"REMOTE_ADDR": "198.51.100.7"}
    assert [client.get("/_probe", environ_base=env).status_code for _ in range(2)] == [200, 200]
    refused = client.get("/_probe", environ_base=env, headers={"Accept": "application/json"})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert refused.get_json()["error"]["status"] == 429
    assert refused.headers["X-Content-Type-Options"] == "nosniff"  # the app's usual headers still apply
    page = client.get("/_probe", environ_base=env, headers={"Accept-Language": "vi"})
    assert page.status_code == 429 and "Retry-After" in page.headers
    # Another client is not affected.
    assert client.get("/_probe", environ_base={"REMOTE_ADDR": "198.51.100.8"}).status_code == 200


def test_limits_can_be_switched_off(fresh_app: Flask) -> None:
    app = fresh_app
    app.config["RATE_LIMIT_ENABLED"] = False
    _add_limited_view(app, limit=1)
    client = app.test_client()
    assert {client.get("/_probe").status_code for _ in range(3)} == {200}


def test_an_unsupported_database_is_a_503_with_its_reason_never_a_500(
    fresh_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def hit_on_mysql(session: Any, key: str, **limits: Any) -> service.RateLimitResult:
        return service.hit(unsupported_session(), key, **limits)

    monkeypatch.setattr(ratelimit, "hit", hit_on_mysql)
    app = fresh_app
    app.config["PROPAGATE_EXCEPTIONS"] = False
    _add_limited_view(app, limit=2)
    client = app.test_client()
    page = client.get("/_probe", headers={"Accept-Language": "vi"})
    assert page.status_code == 503
    assert "phải là PostgreSQL hoặc SQLite, không phải mysql" in page.get_data(as_text=True)
    english = client.get("/_probe", headers={"Accept": "application/json"})
    assert english.status_code == 503 and english.get_json()["error"]["status"] == 503

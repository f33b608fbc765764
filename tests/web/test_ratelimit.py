"""``@rate_limit`` on a public view: 429 with Retry-After, counted per client address."""

from __future__ import annotations

from flask import Flask

from lims.web.access import PUBLIC, allow
from lims.web.ratelimit import rate_limit


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

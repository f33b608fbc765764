"""Personal API tokens: made with the secret shown once, stored as a digest, refused once expired, revoked
or when their user is deactivated; managed by each user under /account/tokens."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.models import ApiToken, AuditEntry, Role
from lims.services.access import api_tokens
from tests.factories import make_user
from tests.web.api.conftest import bearer, token_for
from tests.webutil import csrf_token, login, post_form

ME = "/api/v1/me"


def test_only_the_digest_is_stored(session: Session) -> None:
    user = make_user(session, Role.TECHNICIAN)
    created = api_tokens.create_token(session, user, api_tokens.NewToken("bench PC", 30, ("read", "bench")))
    session.commit()
    row = session.get(ApiToken, created.token.id)
    assert row is not None
    assert created.secret.startswith(row.prefix + "_") and len(created.secret) > 40
    assert row.secret_sha256 == api_tokens.digest(created.secret)
    tail = created.secret[len(row.prefix) + 1 :]  # the random part, never stored (the prefix is shown)
    assert len(tail) >= 40
    assert not any(tail[:16] in str(getattr(row, c.key)) for c in ApiToken.__table__.columns)
    assert row.expires_at - row.created_at == timedelta(days=30)
    trail = session.scalars(select(AuditEntry).where(AuditEntry.table_name == "api_token")).all()
    assert trail and all(
        created.secret not in str(e.changes) and row.secret_sha256 not in str(e.changes) for e in trail
    )


@pytest.mark.parametrize(
    ("role", "data", "error"),
    [
        (Role.TECHNICIAN, api_tokens.NewToken("x", 367, ("read",)), api_tokens.TokenLifetimeInvalid),
        (Role.TECHNICIAN, api_tokens.NewToken("x", 0, ("read",)), api_tokens.TokenLifetimeInvalid),
        (Role.TECHNICIAN, api_tokens.NewToken("  ", 30, ("read",)), api_tokens.TokenNameRequired),
        (Role.TECHNICIAN, api_tokens.NewToken("x", 30, ()), api_tokens.TokenScopeInvalid),
        (Role.TECHNICIAN, api_tokens.NewToken("x", 30, ("write",)), api_tokens.TokenScopeInvalid),
        (Role.CUSTOMER, api_tokens.NewToken("x", 30, ("bench",)), api_tokens.TokenScopeInvalid),
        (Role.AUDITOR, api_tokens.NewToken("x", 30, ("bench",)), api_tokens.TokenScopeInvalid),
    ],
)
def test_refused_tokens(
    session: Session, role: Role, data: api_tokens.NewToken, error: type[Exception]
) -> None:
    user = make_user(session, role)
    with pytest.raises(error):
        api_tokens.create_token(session, user, data)


def _challenge(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "unauthorized"
    return str(response.headers["WWW-Authenticate"])


def test_missing_and_malformed_tokens_are_401(client: FlaskClient) -> None:
    assert _challenge(client.get(ME)) == 'Bearer realm="lims-api"'
    assert 'error="invalid_request"' in _challenge(client.get(ME, headers={"Authorization": "Basic eDp5"}))
    assert 'error="invalid_token"' in _challenge(client.get(ME, headers=bearer("lims_nope_nope")))
    assert 'error="invalid_token"' in _challenge(client.get(ME, headers=bearer("x" * 5000)))


def test_expired_revoked_and_deactivated_are_401(client: FlaskClient, session: Session) -> None:
    user = make_user(session, Role.CUSTOMER)
    secret = token_for(session, user)
    assert client.get(ME, headers=bearer(secret)).status_code == 200
    token = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).one()
    token.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    session.commit()
    assert 'error="invalid_token"' in _challenge(client.get(ME, headers=bearer(secret)))

    secret = token_for(session, user)
    api_tokens.revoke_token(session, user, api_tokens.tokens_of(session, user)[0].id)
    session.commit()
    _challenge(client.get(ME, headers=bearer(secret)))

    secret = token_for(session, user)
    assert client.get(ME, headers=bearer(secret)).status_code == 200
    user.is_active = False
    session.commit()
    _challenge(client.get(ME, headers=bearer(secret)))


def test_session_cookie_does_not_authenticate_the_api(client: FlaskClient, session: Session) -> None:
    user = make_user(session, Role.ADMIN)
    login(client, user.username)
    assert client.get("/account/tokens").status_code == 200
    _challenge(client.get(ME))


def test_token_page_shows_the_secret_once_and_revokes(client: FlaskClient, session: Session) -> None:
    user = make_user(session, Role.CUSTOMER)
    login(client, user.username)
    page = client.get("/account/tokens")
    assert page.status_code == 200
    response = post_form(
        client, "/account/tokens", {"name": "ERP", "days": "90", "scopes": ["read", "write"]}
    )
    assert response.status_code == 201, response.get_data(as_text=True)[:2000]
    html = response.get_data(as_text=True)
    match = re.search(r'id="new-token">(lims_[A-Za-z0-9_-]+)<', html)
    assert match, html
    secret = match.group(1)
    me = client.get(ME, headers=bearer(secret)).get_json()
    assert me["username"] == user.username and me["token"]["scopes"] == ["read", "write"]
    again = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in again and secret[:13] in again  # the prefix only
    token = api_tokens.tokens_of(session, user)[0]
    revoked = client.post(
        f"/account/tokens/{token.id}/revoke", data={"csrf_token": csrf_token(client, "/account/tokens")}
    )
    assert revoked.status_code == 302
    _challenge(client.get(ME, headers=bearer(secret)))


def test_token_page_refuses_bad_input_and_forgery(client: FlaskClient, session: Session) -> None:
    user = make_user(session, Role.AUDITOR)
    login(client, user.username)
    response = post_form(client, "/account/tokens", {"name": "x", "days": "90", "scopes": ["bench"]})
    assert response.status_code == 422 and api_tokens.tokens_of(session, user) == []
    response = client.post("/account/tokens", data={"name": "x", "days": "90", "scopes": ["read"]})
    assert response.status_code == 400  # no CSRF token
    assert api_tokens.tokens_of(session, user) == []


def test_cannot_revoke_another_users_token(client: FlaskClient, session: Session) -> None:
    owner = make_user(session, Role.CUSTOMER)
    secret = token_for(session, owner)
    token = api_tokens.tokens_of(session, owner)[0]
    intruder = make_user(session, Role.ADMIN)
    login(client, intruder.username)
    response = client.post(
        f"/account/tokens/{token.id}/revoke", data={"csrf_token": csrf_token(client, "/account/tokens")}
    )
    assert response.status_code == 404
    assert client.get(ME, headers=bearer(secret)).status_code == 200

"""Finding 5 of the outside probe (issue 21): a cookie captured before logout still opened /audit/ for 8 h.

Each login is now a row on the server (lims.services.access.login_sessions); the cookie is honoured only
while its row lives. These tests replay a captured cookie in a second client, as the probe did.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.models import LoginSession, Role
from lims.services.access import accounts, login_sessions
from tests.factories import PASSWORD, make_user
from tests.webutil import csrf_token, login, post_form

NEW_PASSWORD = "Đổi-mật-khẩu-2026!xyz"


def _replay(app: Flask, client: FlaskClient) -> FlaskClient:
    """A second browser holding a copy of ``client``'s session cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def _opens_audit(client: FlaskClient) -> bool:
    response = client.get("/audit/")
    return response.status_code == 200


def test_a_cookie_captured_before_logout_is_refused_after_it(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    auditor = make_user(session, Role.AUDITOR)
    session.commit()
    login(client, auditor.username)
    copy = _replay(app, client)
    assert _opens_audit(copy)  # the copy works while the login lives
    response = post_form(client, "/logout", {}, token_from="/account")
    assert response.status_code == 302
    assert not _opens_audit(copy)
    assert copy.get("/audit/").headers["Location"].startswith("/login")
    assert (
        session.scalar(
            select(func.count()).select_from(LoginSession).where(LoginSession.user_id == auditor.id)
        )
        == 0
    )


def test_a_password_change_ends_every_other_session(app: Flask, session: Session) -> None:
    auditor = make_user(session, Role.AUDITOR)
    session.commit()
    first, second = app.test_client(), app.test_client()
    login(first, auditor.username)
    login(second, auditor.username)
    token = csrf_token(first, "/account")
    response = first.post(
        "/account",
        data={"csrf_token": token, "current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert _opens_audit(first)  # the browser that changed it stays logged in
    assert not _opens_audit(second)


def test_disabling_an_account_ends_its_sessions(app: Flask, client: FlaskClient, session: Session) -> None:
    auditor = make_user(session, Role.AUDITOR)
    session.commit()
    login(client, auditor.username)
    assert _opens_audit(client)
    accounts.set_active(session, auditor, False)
    session.commit()
    assert (
        session.scalar(
            select(func.count()).select_from(LoginSession).where(LoginSession.user_id == auditor.id)
        )
        == 0
    )
    assert not _opens_audit(client)


def test_a_signed_cookie_without_a_live_session_id_is_refused(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    """A cookie made before the upgrade (or forged with a leaked key but no database access) has no id."""
    auditor = make_user(session, Role.AUDITOR)
    session.commit()
    with client.session_transaction() as cookie:
        cookie["_user_id"] = auditor.get_id()
        cookie["_fresh"] = True
    assert not _opens_audit(client)
    with client.session_transaction() as cookie:
        cookie["_user_id"] = auditor.get_id()
        cookie["sid"] = "not-a-session-we-issued"
    assert not _opens_audit(client)


def test_sessions_expire_and_are_swept(session: Session) -> None:
    user = make_user(session, Role.AUDITOR)
    start = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
    raw = login_sessions.start(session, user, now=start)
    assert login_sessions.is_live(session, user.id, raw, now=start + timedelta(hours=7, minutes=59))
    assert not login_sessions.is_live(session, user.id, raw, now=start + login_sessions.SESSION_LIFETIME)
    assert not login_sessions.is_live(session, user.id + 1, raw, now=start)  # another user's id: refused
    login_sessions.start(session, user, now=start + timedelta(hours=9))  # sweeps the expired one
    assert (
        session.scalar(select(func.count()).select_from(LoginSession).where(LoginSession.user_id == user.id))
        == 1
    )

"""Logging in and out, lock-out, CSRF, session cookies, security headers, language."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.models import Enterprise, Role
from lims.services.access import accounts
from tests.factories import PASSWORD, make_user, valid_tax_code
from tests.webutil import csrf_token, login, post_form


def test_login_page_is_vietnamese_by_default(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert "Đăng nhập" in page and "Tên đăng nhập" in page


def test_wrong_password_gets_a_clear_message(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    response = post_form(client, "/login", {"username": user.username, "password": "wrong"})
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu." in response.get_data(as_text=True)


def test_lock_out_message(app: Flask, client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    for _ in range(accounts.FAILURES_BEFORE_LOCK):
        post_form(client, "/login", {"username": user.username, "password": "wrong"})
    response = post_form(client, "/login", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429
    assert "Đăng nhập sai quá nhiều lần từ địa chỉ này. Hãy chờ" in response.get_data(as_text=True)
    # Issue 21: the owner at another address is not kept out by failures from this one.
    owner = app.test_client()
    token = csrf_token(owner)
    elsewhere = owner.post(
        "/login",
        data={"csrf_token": token, "username": user.username, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.20.30.40"},
    )
    assert elsewhere.status_code == 302


def test_login_then_dashboard_shows_role_navigation(client: FlaskClient, session: Session) -> None:
    user = make_user(session, Role.AUDITOR, full_name="Vũ Thị Mai")
    login(client, user.username)
    page = client.get("/").get_data(as_text=True)
    assert "Vũ Thị Mai" in page and "Nhật ký kiểm tra" in page
    assert "Người dùng" not in page  # only administrators manage users


def test_customer_sees_only_customer_navigation(client: FlaskClient, session: Session) -> None:
    user = make_user(session, Role.CUSTOMER)
    login(client, user.username)
    page = client.get("/").get_data(as_text=True)
    assert "Tổng quan" in page
    assert "/enterprises/" not in page and "/audit/" not in page


def test_open_redirect_after_login_is_refused(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    token = csrf_token(client)
    response = client.post(
        "/login",
        data={
            "username": user.username,
            "password": PASSWORD,
            "next": "https://evil.example/",
            "csrf_token": token,
        },
    )
    assert response.headers["Location"] == "/"


def test_missing_csrf_token_is_refused_and_changes_nothing(client: FlaskClient, session: Session) -> None:
    admin = make_user(session, Role.ADMIN)
    login(client, admin.username)
    before = session.scalar(select(func.count()).select_from(Enterprise))
    response = client.post(
        "/enterprises/new", data={"name": "Công ty X", "tax_code": valid_tax_code(), "address": "Hà Nội"}
    )
    assert response.status_code == 400
    assert "Biểu mẫu đã hết hạn hoặc không hợp lệ" in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Enterprise)) == before


def test_security_headers(client: FlaskClient) -> None:
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_flags(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    response = login(client, user.username)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_language_switch_is_kept_per_user(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    login(client, user.username)
    post_form(client, "/language", {"language": "en", "next": "/"}, token_from="/")
    assert "Dashboard" in client.get("/").get_data(as_text=True)
    session.refresh(user)
    assert user.language == "en"


def test_logout(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    login(client, user.username)
    response = post_form(client, "/logout", {}, token_from="/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_password_change_keeps_policy(client: FlaskClient, session: Session) -> None:
    user = make_user(session)
    login(client, user.username)
    response = post_form(client, "/account", {"current": PASSWORD, "new": "weak", "confirm": "weak"})
    assert "Mật khẩu quá yếu" in response.get_data(as_text=True)
    response = post_form(
        client,
        "/account",
        {"current": PASSWORD, "new": "Another#Strong2027", "confirm": "Another#Strong2027"},
    )
    assert response.status_code == 302
    session.refresh(user)
    assert accounts.verify_password(user.password_hash, "Another#Strong2027")


def test_admin_sees_and_forgives_login_throttles(app: Flask, client: FlaskClient, session: Session) -> None:
    """Issue 21: an administrator can see who is slowed down at login, from where, and clear it."""
    user = make_user(session)
    admin = make_user(session, Role.ADMIN)
    session.commit()
    victim = app.test_client()
    for _ in range(accounts.FAILURES_BEFORE_LOCK):
        post_form(victim, "/login", {"username": user.username, "password": "wrong"})
    assert post_form(victim, "/login", {"username": user.username, "password": PASSWORD}).status_code == 429
    login(client, admin.username, PASSWORD)
    page = client.get("/admin/throttles").get_data(as_text=True)
    assert "Giới hạn đăng nhập" in page and user.username in page and "127.0.0.1" in page
    response = post_form(
        client,
        "/admin/throttles/clear",
        {"username": user.username, "address": "127.0.0.1"},
        token_from="/admin/throttles",
    )
    assert response.status_code == 302
    assert "Đã xoá giới hạn đăng nhập sai từ 127.0.0.1." in client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    assert post_form(victim, "/login", {"username": user.username, "password": PASSWORD}).status_code == 302

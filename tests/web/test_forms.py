"""lims.web.forms.save_form through a form page: errors beside their field, nothing half-saved, then success."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.models import Role, User
from tests.factories import PASSWORD, make_user
from tests.webutil import login, post_form


def _errors(body: str, field: str) -> list[str]:
    return re.findall(rf'<p class="error" id="{field}-error">([^<]*)</p>', body)


def _users(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


def test_user_form_maps_service_errors_to_their_fields_and_saves_only_when_valid(
    client: FlaskClient, session: Session
) -> None:
    admin = make_user(session, Role.ADMIN)
    login(client, admin.username)
    base = {"full_name": "Kỹ thuật viên", "role": "technician", "enterprise_id": "0", "language": "vi"}
    before = _users(session)
    taken = post_form(client, "/admin/users/new", {**base, "username": admin.username, "password": PASSWORD})
    assert taken.status_code == 422
    assert _errors(taken.get_data(as_text=True), "username"), "DuplicateUser belongs beside the user name"
    weak = post_form(client, "/admin/users/new", {**base, "username": "ktv.moi", "password": "ktv.moi1"})
    assert weak.status_code == 422
    assert _errors(weak.get_data(as_text=True), "password"), "WeakPassword belongs beside the password"
    assert _users(session) == before
    done = post_form(client, "/admin/users/new", {**base, "username": "ktv.moi", "password": PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/users")
    assert "ktv.moi" in client.get("/admin/users").get_data(as_text=True)  # the flash and the list
    assert _users(session) == before + 1

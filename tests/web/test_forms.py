"""lims.web.forms.save_form through a form page: errors beside their field, nothing half-saved, then success."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.models import Complaint, NonconformingWork, Role, User
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


def _flashes(client: FlaskClient, url: str) -> list[str]:
    return re.findall(
        r'<div class="flash flash-\w+"[^>]*>([^<]*)</div>', client.get(url).get_data(as_text=True)
    )


def test_run_action_commits_a_step_or_flashes_its_refusal_with_nothing_kept(
    client: FlaskClient, session: Session
) -> None:
    """lims.web.forms.run_action through the complaint pages: a refusal is flashed in Vietnamese and nothing
    is kept, a success is committed with its messages, an unknown record is a 404."""
    reviewer = make_user(session, Role.REVIEWER)
    session.commit()
    login(client, reviewer.username)
    listing = "/nc/complaints"
    complaint = {"subject": "Sai đơn vị", "description": "In °F thay vì °C", "channel": "phone"}
    refused = post_form(client, listing, complaint)
    assert refused.status_code == 302 and refused.headers["Location"].endswith(listing)
    assert _flashes(client, listing) == ["Hãy nêu tên người khiếu nại."]
    assert session.scalars(select(Complaint)).all() == []
    recorded = post_form(client, listing, {**complaint, "complainant": "Ông Nguyễn Văn Bình"})
    row = session.scalars(select(Complaint)).one()
    url = f"/nc/complaints/{row.id}"
    assert recorded.status_code == 302 and recorded.headers["Location"].endswith(url)
    assert _flashes(client, url) == [f"Đã ghi nhận khiếu nại {row.number}."]
    early = post_form(client, f"{url}/close", {}, token_from=url)
    assert early.status_code == 302 and early.headers["Location"].endswith(url)
    assert _flashes(client, url) == ["Bước này không phù hợp với trạng thái hiện tại của khiếu nại."]
    session.refresh(row)
    assert row.state == "received"
    post_form(client, f"{url}/acknowledge", {}, token_from=url)  # (its flash is read by the next form's GET)
    post_form(client, f"{url}/investigate", {"findings": "Lỗi mẫu", "nonconforming": "yes"}, token_from=url)
    opened = session.scalars(select(NonconformingWork)).one()
    assert _flashes(client, url) == ["Đã ghi kết quả điều tra.", f"Đã mở hồ sơ {opened.number}."]
    assert (
        post_form(client, "/nc/complaints/999999/answer", {"answer": "x"}, token_from=url).status_code == 404
    )

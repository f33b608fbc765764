"""Enterprises through the web: validation in Vietnamese, nothing half-saved, history shown."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.models import AuditEntry, Enterprise, Role
from tests.factories import make_enterprise, make_user, valid_tax_code
from tests.webutil import login, post_form


def _admin(client: FlaskClient, session: Session) -> None:
    login(client, make_user(session, Role.ADMIN).username)


def test_invalid_tax_code_is_explained_and_nothing_saved(client: FlaskClient, session: Session) -> None:
    _admin(client, session)
    before = session.scalar(select(func.count()).select_from(Enterprise))
    response = post_form(
        client, "/enterprises/new", {"name": "Công ty Sai Mã", "tax_code": "0100109107", "address": "Hà Nội"}
    )
    assert response.status_code == 422
    assert "Mã số thuế 0100109107 không hợp lệ: chữ số kiểm tra phải là 6." in response.get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Enterprise)) == before


def test_duplicate_tax_code(client: FlaskClient, session: Session) -> None:
    _admin(client, session)
    existing = make_enterprise(session)
    response = post_form(
        client, "/enterprises/new", {"name": "Khác", "tax_code": existing.tax_code, "address": "Hà Nội"}
    )
    assert response.status_code == 422
    assert f"Đã có doanh nghiệp với mã số thuế {existing.tax_code}." in response.get_data(as_text=True)


def test_create_and_edit_are_audited(client: FlaskClient, session: Session) -> None:
    _admin(client, session)
    code = valid_tax_code()
    response = post_form(
        client,
        "/enterprises/new",
        {"name": "Công ty Cổ phần Thép Đông Á", "tax_code": code, "address": "Hải Phòng"},
    )
    assert response.status_code == 302
    ent = session.scalar(select(Enterprise).where(Enterprise.tax_code == code))
    assert ent is not None and ent.name == "Công ty Cổ phần Thép Đông Á"
    url = f"/enterprises/{ent.id}/edit"
    response = post_form(client, url, {"name": ent.name, "tax_code": code, "address": "Hà Nội"})
    assert response.status_code == 302
    entries = list(
        session.scalars(
            select(AuditEntry).where(
                AuditEntry.table_name == "enterprise", AuditEntry.record_id == str(ent.id)
            ).order_by(AuditEntry.seq)
        )
    )
    assert [e.action for e in entries] == ["insert", "update"]
    assert entries[1].changes["address"] == ["Hải Phòng", "Hà Nội"]
    page = client.get(f"/enterprises/{ent.id}").get_data(as_text=True)
    assert "Hải Phòng → Hà Nội" in re.sub(r"<[^>]+>", "", page)  # the values sit in spans titled with the stored text


def test_search_and_keyset_pages(client: FlaskClient, session: Session) -> None:
    login(client, make_user(session, Role.TECHNICIAN).username)
    for n in range(55):
        make_enterprise(session, name=f"Công ty Tìm Kiếm {n:02d}")
    first = client.get("/enterprises/?q=Tìm Kiếm").get_data(as_text=True)
    assert first.count("Công ty Tìm Kiếm") == 50 and 'rel="next"' in first
    import re

    after = re.search(r"after=(\d+)", first)
    assert after
    second = client.get(f"/enterprises/?q=Tìm Kiếm&after={after.group(1)}").get_data(as_text=True)
    assert second.count("Công ty Tìm Kiếm") == 5 and 'rel="next"' not in second

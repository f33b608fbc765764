"""Issuing, amending and withdrawing certificates from the job page (signatory and administrator only)."""

from __future__ import annotations

import hashlib

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.models import Certificate, CertificateStatus, JobState
from tests.services import certsetup
from tests.webutil import login, post_form


def _follow(client: FlaskClient, response: object) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:300]  # type: ignore[attr-defined]
    return client.get(response.headers["Location"]).get_data(as_text=True)  # type: ignore[attr-defined]


def test_signatory_issues_amends_and_withdraws(client: FlaskClient, session: Session) -> None:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    session.commit()
    page_url = f"/jobs/{job.id}"

    login(client, setup.technician.username)
    assert "Ban hành giấy chứng nhận" not in client.get(page_url).get_data(as_text=True)
    assert post_form(client, f"/jobs/{job.id}/issue", {}, token_from=page_url).status_code == 403
    client.post("/logout", data={})

    client.delete_cookie("session")
    login(client, setup.signatory.username)
    page = client.get(page_url).get_data(as_text=True)
    assert "Ban hành giấy chứng nhận" in page and 'name="stamp_number"' not in page
    html = _follow(
        client, post_form(client, f"/jobs/{job.id}/issue", {"version": str(job.version)}, token_from=page_url)
    )
    cert = session.scalars(select(Certificate).where(Certificate.job_id == job.id)).one()
    assert f"Đã ban hành giấy chứng nhận {cert.number}" in html and "còn hiệu lực" in html
    session.refresh(job)
    assert job.state == JobState.ISSUED

    labels = client.get(f"/jobs/{job.id}/certificates/{cert.id}/labels.pdf")
    assert labels.status_code == 200 and labels.mimetype == "application/pdf"
    assert hashlib.sha256(labels.data).hexdigest() == cert.labels_sha256 == labels.headers["X-Content-SHA256"]
    assert client.get(f"/jobs/{job.id + 1000}/certificates/{cert.id}/labels.pdf").status_code == 404

    amend_url = f"/jobs/{job.id}/certificates/{cert.id}/amend"
    html = _follow(client, post_form(client, amend_url, {"reason": "  "}, token_from=page_url))
    assert "Hãy nêu lý do sửa đổi" in html
    html = _follow(
        client, post_form(client, amend_url, {"reason": "Sửa tên khách hàng"}, token_from=page_url)
    )
    new = session.scalars(select(Certificate).where(Certificate.replaces_id == cert.id)).one()
    assert f"Đã ban hành giấy chứng nhận {new.number} thay thế {cert.number}" in html
    session.refresh(cert)
    assert cert.status == CertificateStatus.SUPERSEDED and "đã được thay thế" in html

    html = _follow(client, post_form(client, amend_url, {"reason": "lần nữa"}, token_from=page_url))
    assert "chỉ giấy chứng nhận còn hiệu lực" in html
    withdraw_url = f"/jobs/{job.id}/certificates/{new.id}/withdraw"
    html = _follow(
        client, post_form(client, withdraw_url, {"reason": "Khách hàng hủy hợp đồng"}, token_from=page_url)
    )
    assert f"Đã thu hồi giấy chứng nhận {new.number}" in html, html[html.find("flash") :][:300]
    assert "Khách hàng hủy hợp đồng" in html
    session.refresh(new)
    assert new.status == CertificateStatus.WITHDRAWN


def test_verification_needs_the_stamp_number(client: FlaskClient, session: Session) -> None:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "VER-NAWI-R76")
    session.commit()
    login(client, setup.signatory.username)
    page_url = f"/jobs/{job.id}"
    page = client.get(page_url).get_data(as_text=True)
    assert 'name="stamp_number"' in page
    assert "tem chưa dùng tiếp theo là HN-25-000100" in page  # the stock's first stamp, as a hint
    html = _follow(client, post_form(client, f"/jobs/{job.id}/issue", {}, token_from=page_url))
    assert "Nhập số tem kiểm định" in html
    assert session.scalars(select(Certificate).where(Certificate.job_id == job.id)).first() is None
    # A stamp outside the lab's stock (the batch is HN-25-000100 … 000199): refused in Vietnamese.
    html = _follow(
        client,
        post_form(client, f"/jobs/{job.id}/issue", {"stamp_number": "HN-25-000777"}, token_from=page_url),
    )
    assert "Tem HN-25-000777 không có trong kho tem của phòng thí nghiệm" in html
    assert session.scalars(select(Certificate).where(Certificate.job_id == job.id)).first() is None
    html = _follow(
        client,
        post_form(client, f"/jobs/{job.id}/issue", {"stamp_number": "HN-25-000177"}, token_from=page_url),
    )
    cert = session.scalars(select(Certificate).where(Certificate.job_id == job.id)).one()
    assert cert.number.startswith("KĐ-") and cert.stamp_number == "HN-25-000177" and cert.number in html


def test_plain_transition_cannot_issue(client: FlaskClient, session: Session) -> None:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    session.commit()
    login(client, setup.signatory.username)
    page_url = f"/jobs/{job.id}"
    assert 'value="issued"' not in client.get(page_url).get_data(as_text=True)
    html = _follow(
        client, post_form(client, f"/jobs/{job.id}/transition", {"to": "issued"}, token_from=page_url)
    )
    assert "Ban hành giấy chứng nhận" in html
    session.refresh(job)
    assert job.state == JobState.APPROVED

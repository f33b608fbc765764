"""The customer portal through the web: own enterprise only, forms in Vietnamese, import, export, invite."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from lims.models import AuditEntry, CustomerInstrument, Enterprise, Role, User
from tests.factories import PASSWORD, make_enterprise, make_instrument, make_user
from tests.webutil import csrf_token, login, post_form


def _customer(client: FlaskClient, session: Session, enterprise: Enterprise, **over: object) -> User:
    user = make_user(session, Role.CUSTOMER, enterprise_id=enterprise.id, **over)
    login(client, user.username)
    return user


def _count(session: Session, enterprise: Enterprise) -> int:
    stmt = (
        select(func.count())
        .select_from(CustomerInstrument)
        .where(CustomerInstrument.enterprise_id == enterprise.id)
    )
    return int(session.scalar(stmt) or 0)


def test_dashboard_lists_own_instruments_and_due_counts(client: FlaskClient, session: Session) -> None:
    mine, theirs = make_enterprise(session), make_enterprise(session)
    make_instrument(session, mine, serial_number="MINE-1", next_due_on=date.today() + timedelta(days=10))
    make_instrument(session, mine, serial_number="MINE-2", next_due_on=date.today() + timedelta(days=80))
    make_instrument(session, theirs, serial_number="THEIRS-1", next_due_on=date.today() + timedelta(days=10))
    _customer(client, session, mine)
    page = client.get("/portal/").get_data(as_text=True)
    assert "MINE-1" in page and "MINE-2" in page and "THEIRS-1" not in page
    assert "đến hạn trong 30 ngày" in page and "MINE-1" in page
    due = client.get("/portal/due/30").get_data(as_text=True)
    assert "MINE-1" in due and "MINE-2" not in due and "THEIRS-1" not in due
    assert "MINE-2" in client.get("/portal/due/90").get_data(as_text=True)
    assert client.get("/portal/due/45").status_code == 404
    filtered = client.get("/portal/?q=mine-2").get_data(as_text=True)
    assert "MINE-2" in filtered and "MINE-1" not in filtered
    assert "MINE-2" not in client.get("/portal/?due=30").get_data(as_text=True)


def test_pages_follow_keyset(client: FlaskClient, session: Session) -> None:
    mine = make_enterprise(session)
    for n in range(55):
        make_instrument(session, mine, serial_number=f"P-{n:03d}")
    _customer(client, session, mine)
    first = client.get("/portal/").get_data(as_text=True)
    assert "P-054" in first and "P-004" not in first and 'rel="next"' in first
    after = session.scalar(select(CustomerInstrument.id).where(CustomerInstrument.serial_number == "P-005"))
    second = client.get(f"/portal/?after={after}").get_data(as_text=True)
    assert "P-004" in second and "P-000" in second and "P-005" not in second


def test_add_instrument_validates_in_vietnamese_and_is_audited(client: FlaskClient, session: Session) -> None:
    mine = make_enterprise(session)
    _customer(client, session, mine)
    bad = post_form(
        client,
        "/portal/instruments/new",
        {"instrument_type": "Cân", "serial_number": "N-1", "unit": "g", "range_min": "10", "range_max": "5"},
    )
    assert bad.status_code == 422
    assert "Giới hạn trên của phạm vi đo phải lớn hơn giới hạn dưới." in bad.get_data(as_text=True)
    assert _count(session, mine) == 0
    good = post_form(
        client,
        "/portal/instruments/new",
        {
            "instrument_type": "Cân",
            "serial_number": "N-1",
            "unit": "g",
            "range_max": "200",
            "next_due_on": "01/02/2028",
        },
    )
    assert good.status_code == 302
    created = session.scalar(select(CustomerInstrument).where(CustomerInstrument.enterprise_id == mine.id))
    assert created is not None and created.next_due_on == date(2028, 2, 1)
    duplicate = post_form(
        client, "/portal/instruments/new", {"instrument_type": "Cân", "serial_number": "N-1", "unit": "g"}
    )
    assert duplicate.status_code == 422 and "Số sản xuất N-1 đã được đăng ký." in duplicate.get_data(
        as_text=True
    )
    edit = post_form(
        client,
        f"/portal/instruments/{created.id}/edit",
        {"instrument_type": "Cân", "serial_number": "N-1", "unit": "kg"},
    )
    assert edit.status_code == 302
    actions = session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.table_name == "customer_instrument", AuditEntry.record_id == str(created.id)
        )
    ).all()
    assert list(actions) == ["insert", "update"]
    assert "Lịch sử thay đổi" in client.get(f"/portal/instruments/{created.id}").get_data(as_text=True)


def test_export_escapes_formula_cells(client: FlaskClient, session: Session) -> None:
    mine, theirs = make_enterprise(session), make_enterprise(session)
    make_instrument(
        session,
        mine,
        serial_number="=1+1",
        manufacturer="@SUM(A1)",
        model="+cmd",
        location="-x",
        range_min=-40,
    )
    make_instrument(session, theirs, serial_number="THEIRS-1")
    _customer(client, session, mine)
    response = client.get("/portal/instruments.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 1
    (row,) = rows
    assert row["serial_number"] == "'=1+1" and row["manufacturer"] == "'@SUM(A1)"
    assert row["model"] == "'+cmd" and row["location"] == "'-x"
    assert row["range_min"] == "-40"  # a number written by the lab is not a formula


def test_import_through_the_page(client: FlaskClient, session: Session) -> None:
    mine = make_enterprise(session)
    _customer(client, session, mine)
    token = csrf_token(client, "/portal/import")
    bad = b"instrument_type,serial_number,unit,next_due_on\nC\xc3\xa2n,I-1,g,31/02/2027\nC\xc3\xa2n,I-2,xyzunit,\n"
    response = client.post(
        "/portal/import", data={"csrf_token": token, "file": (io.BytesIO(bad), "list.xlsx")}
    )  # the name says xlsx; the content is CSV and is read as such
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Không phải là ngày (dd/mm/yyyy): 31/02/2027." in text and "Đơn vị xyzunit không hợp lệ." in text
    assert "Ngày đến hạn (dd/mm/yyyy)" in text  # the column named in the user's language
    assert _count(session, mine) == 0
    good = b"instrument_type,serial_number,unit\nC\xc3\xa2n,I-1,g\nC\xc3\xa2n,I-2,kg\n"
    response = client.post("/portal/import", data={"csrf_token": token, "file": (io.BytesIO(good), "x.csv")})
    assert response.status_code == 302 and _count(session, mine) == 2
    # Encoded in memory: the test client would otherwise spool this large body to a temporary file it never closes.
    stream, _length, boundary = stream_encode_multipart(
        {"csrf_token": token, "file": FileStorage(io.BytesIO(b"a," * 1_100_000), filename="big.csv")},
        use_tempfile=False,
    )
    huge = client.post(
        "/portal/import",
        data=stream.getvalue(),
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert huge.status_code == 422 and "Tệp lớn hơn 2 MB." in huge.get_data(as_text=True)


def test_import_past_its_time_budget_is_refused_in_the_users_language(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 21: the import's wall-clock budget (5 s), with a clock that jumps 2 s per read instead of a sleep."""
    from lims.services.common import budget

    mine = make_enterprise(session)
    _customer(client, session, mine)
    token = csrf_token(client, "/portal/import")
    rows = "".join(f"C\u00e2n,T-{n},g\n" for n in range(10))
    content = ("instrument_type,serial_number,unit\n" + rows).encode()
    ticks = iter(range(0, 10_000, 2))
    monkeypatch.setattr(budget, "monotonic", lambda: float(next(ticks)))
    response = client.post(
        "/portal/import", data={"csrf_token": token, "file": (io.BytesIO(content), "list.csv")}
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Việc kiểm tra tệp kéo dài quá 5 giây nên đã dừng lại và chưa có gì được lưu." in text
    assert _count(session, mine) == 0
    client.post("/language", data={"csrf_token": token, "language": "en", "next": "/portal/import"})
    english = client.post(
        "/portal/import", data={"csrf_token": token, "file": (io.BytesIO(content), "list.csv")}
    )
    assert "took longer than 5 seconds" in english.get_data(as_text=True) and _count(session, mine) == 0


def test_templates_download(client: FlaskClient, session: Session) -> None:
    _customer(client, session, make_enterprise(session))
    xlsx = client.get("/portal/import/template.xlsx")
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    assert "Số sản xuất" in client.get("/portal/import/template.csv").get_data(as_text=True)
    assert client.get("/portal/import/template.exe").status_code == 404


def test_enterprise_admin_invites_a_colleague_of_the_same_enterprise(
    client: FlaskClient, session: Session
) -> None:
    mine = make_enterprise(session)
    admin = _customer(client, session, mine)
    admin.is_enterprise_admin = True
    session.flush()
    response = post_form(
        client,
        "/portal/colleagues",
        {"username": "dong.nghiep", "full_name": "Đồng Nghiệp", "password": PASSWORD, "language": "vi"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    invited = session.scalar(select(User).where(User.username == "dong.nghiep"))
    assert invited is not None and invited.enterprise_id == mine.id and invited.role == Role.CUSTOMER
    assert not invited.is_enterprise_admin
    weak = post_form(
        client,
        "/portal/colleagues",
        {"username": "yeu", "full_name": "Yếu", "password": "short", "language": "vi"},
    )
    assert weak.status_code == 422


def test_plain_customer_cannot_invite(client: FlaskClient, session: Session) -> None:
    _customer(client, session, make_enterprise(session))
    page = client.get("/portal/colleagues").get_data(as_text=True)
    assert "Mời đồng nghiệp" not in page
    response = post_form(
        client,
        "/portal/colleagues",
        {"username": "x.y", "full_name": "X", "password": PASSWORD, "language": "vi"},
    )
    assert response.status_code == 403
    assert session.scalar(select(User).where(User.username == "x.y")) is None


def test_isolation_sweep_every_portal_route_answers_404_for_another_enterprise(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    """Customers of two enterprises ask for each other's records through every portal route: 404, no data.

    Covers instruments, service requests, jobs, certificates (and their stored files) and notifications.
    """
    from flask import url_for

    from lims.models import Notification, ServiceRequest, ServiceRequestItem
    from lims.services.common import notifications
    from tests.factories import make_job
    from tests.web.portalutil import make_certificate

    one, two = make_enterprise(session), make_enterprise(session)
    users = {e.id: make_user(session, Role.CUSTOMER, enterprise_id=e.id) for e in (one, two)}
    for user in users.values():
        user.is_enterprise_admin = True
    instruments = {
        e.id: make_instrument(session, e, serial_number=f"SECRET-{e.id}", manufacturer=f"Maker-{e.id}")
        for e in (one, two)
    }
    ids: dict[int, dict[str, object]] = {}
    for e in (one, two):
        job = make_job(session, enterprise=e, instrument=instruments[e.id], number=f"JOBSECRET-{e.id}")
        cert, _files = make_certificate(app, session, job, f"CERTSECRET-{e.id}")
        req = ServiceRequest(
            enterprise_id=e.id, requested_by_id=users[e.id].id, kind=job.kind, notes=f"NOTESECRET-{e.id}"
        )
        session.add(req)
        session.flush()
        session.add(ServiceRequestItem(request_id=req.id, instrument_id=instruments[e.id].id, points=[]))
        note = notifications.notify(session, kind="t", msgid=f"MSGSECRET-{e.id}", enterprise_id=e.id)
        ids[e.id] = {
            "instrument_id": instruments[e.id].id,
            "job_id": job.id,
            "request_id": req.id,
            "certificate_id": cert.id,
            "file_kind": "pdf",
            "notification_id": note.id,
        }
    session.flush()
    id_args = {"instrument_id", "job_id", "request_id", "certificate_id", "notification_id"}
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.split(".")[0] in ("portal", "notifications")]
    with_ids = [r for r in rules if set(r.arguments) & id_args]
    assert {r.endpoint for r in with_ids} == {
        "portal.instrument",
        "portal.edit_instrument",
        "portal.request",
        "portal.cancel_request",
        "portal.job",
        "portal.certificate_file",
        "portal.failure_notice",
        "notifications.read",
    }
    secrets = ("SECRET-", "Maker-", "JOBSECRET-", "CERTSECRET-", "NOTESECRET-", "MSGSECRET-")
    for me, other in ((one, two), (two, one)):
        client = app.test_client()  # a fresh session per customer
        login(client, users[me.id].username)
        token = csrf_token(client, "/portal/")
        theirs = ids[other.id]
        for rule in with_ids:
            for kind in ("pdf", "dcc", "p7s") if "file_kind" in rule.arguments else ("pdf",):
                args = {name: theirs[name] for name in rule.arguments}
                if "file_kind" in args:
                    args["file_kind"] = kind
                with app.test_request_context():
                    url = url_for(rule.endpoint, **args)
                for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                    data = {
                        "csrf_token": token,
                        "instrument_type": "Cân",
                        "serial_number": "HIJACK",
                        "unit": "g",
                        "confirm": "y",
                    }
                    response = client.get(url) if method == "GET" else client.post(url, data=data)
                    body = response.get_data(as_text=True)
                    assert response.status_code == 404, (rule.endpoint, method, response.status_code)
                    assert not any(f"{s}{other.id}" in body for s in secrets), (rule.endpoint, method)
        # lists, due lists, export, colleagues and notifications never show the other enterprise
        for url in (
            "/portal/",
            "/portal/due/30",
            "/portal/due/90",
            "/portal/instruments.csv",
            "/portal/colleagues",
            "/portal/requests/",
            "/portal/requests/new",
            "/portal/jobs/",
            "/portal/certificates/",
            "/notifications/",
            "/notifications/?unread=1",
        ):
            body = client.get(url).get_data(as_text=True)
            assert not any(f"{s}{other.id}" in body for s in secrets), url
            assert users[other.id].username not in body, url
        # own records are there (the sweep would pass vacuously on empty pages otherwise)
        assert f"JOBSECRET-{me.id}" in client.get("/portal/jobs/").get_data(as_text=True)
        assert f"CERTSECRET-{me.id}" in client.get("/portal/certificates/").get_data(as_text=True)
        assert f"MSGSECRET-{me.id}" in client.get("/notifications/").get_data(as_text=True)
        searched = client.get(f"/portal/?q=SECRET-{other.id}").get_data(as_text=True)
        assert (
            f">{instruments[other.id].serial_number}</a>" not in searched
        )  # the query is echoed, never a row
        # a request naming the other enterprise's instrument is refused as not found, and nothing is stored
        before = session.scalar(select(func.count()).select_from(ServiceRequest))
        response = client.post(
            "/portal/requests/new",
            data={
                "csrf_token": token,
                "kind": "calibration",
                "place": "lab",
                "decision_rule": "procedure",
                "instrument_ids": [str(instruments[other.id].id)],
            },
        )
        assert response.status_code == 404
        assert session.scalar(select(func.count()).select_from(ServiceRequest)) == before
        # marking the other's notification read through "read all" leaves it unread for its readers
        their_unread = notifications.unread_count(session, users[other.id])
        post_form(client, "/notifications/read-all", {}, token_from="/notifications/")
        assert notifications.unread_count(session, users[me.id]) == 0
        assert notifications.unread_count(session, users[other.id]) == their_unread
        assert session.get(Notification, theirs["notification_id"]) is not None
    session.refresh(instruments[one.id])
    session.refresh(instruments[two.id])
    assert instruments[one.id].serial_number == f"SECRET-{one.id}"
    assert instruments[two.id].serial_number == f"SECRET-{two.id}"


def test_lab_admin_makes_the_first_enterprise_admin(client: FlaskClient, session: Session) -> None:
    ent = make_enterprise(session)
    login(client, make_user(session, Role.ADMIN).username)
    response = post_form(
        client,
        "/admin/users/new",
        {
            "username": "qa.truong",
            "full_name": "Trưởng QA",
            "role": "customer",
            "enterprise_id": str(ent.id),
            "language": "vi",
            "password": PASSWORD,
            "is_enterprise_admin": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    created = session.scalar(select(User).where(User.username == "qa.truong"))
    assert created is not None and created.is_enterprise_admin and created.enterprise_id == ent.id
    refused = post_form(
        client,
        "/admin/users/new",
        {
            "username": "ktv.x",
            "full_name": "KTV",
            "role": "technician",
            "enterprise_id": "0",
            "language": "vi",
            "password": PASSWORD,
            "is_enterprise_admin": "y",
        },
    )
    assert refused.status_code == 422
    assert "Chỉ người dùng là khách hàng mới có thể là quản trị viên của doanh nghiệp." in refused.get_data(
        as_text=True
    )


def test_the_customer_downloads_its_notice_of_failed_verification(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    """Issue 17: the notice is on the job's portal page and downloads as stored; another enterprise's: 404."""
    from datetime import UTC, datetime

    from lims.models import JobKind, JobState, VerificationFailureNotice
    from lims.services.common.storage import open_storage
    from tests.factories import make_job

    mine, theirs = make_enterprise(session), make_enterprise(session)
    job = make_job(session, enterprise=mine, kind=JobKind.VERIFICATION, state=JobState.ISSUED)
    pdf = b"%PDF-1.7\n% TB-KD-2026-00001\n%%EOF\n"
    stored = open_storage(app.config["SETTINGS"], session).put("issued/notice/TB-KD-2026-00001.pdf", pdf,
                                                               "application/pdf")
    session.add(VerificationFailureNotice(
        number="TB-KĐ-2026-00001", job_id=job.id, instrument_id=job.instrument_id,
        failed_requirement="Sai số vượt SSLNCP tại 15 kg", verified_on=date(2026, 3, 1),
        issued_at=datetime(2026, 3, 2, tzinfo=UTC), issued_by_id=make_user(session, Role.SIGNATORY).id,
        pdf_key=stored.key, pdf_sha256=stored.sha256))
    session.commit()
    _customer(client, session, mine)
    page = client.get(f"/portal/jobs/{job.id}").get_data(as_text=True)
    assert "Thông báo kết quả kiểm định không đạt" in page and "TB-KĐ-2026-00001" in page
    assert f"/portal/jobs/{job.id}/notice.pdf" in page and "Chưa có giấy chứng nhận" not in page
    # the Certificates heading is not left empty: it says why there is none
    assert "Không cấp giấy chứng nhận: phương tiện đo kiểm định không đạt." in page
    assert '<span class="badge state-failed">' in page  # the status reads as a failure, not as "issued"
    download = client.get(f"/portal/jobs/{job.id}/notice.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf" and download.data == pdf
    assert "no-store" in download.headers["Cache-Control"]
    other = app.test_client()
    _customer(other, session, theirs)
    assert other.get(f"/portal/jobs/{job.id}/notice.pdf").status_code == 404

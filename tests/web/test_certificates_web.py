"""The certificate register (lab) and the public verification page, through the test client."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import itertools
import re
import unicodedata
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.models import CertificateStatus, JobKind, Role, StoredFile
from lims.services.common.storage import DatabaseStorage
from tests.factories import (
    issued_files,
    make_certificate,
    make_enterprise,
    make_instrument,
    make_job,
    make_user,
)
from tests.webutil import csrf_token, login

NUMBER = "KĐ-2026-00007"
ENCODED = "K%C4%90-2026-00007"
CUSTOMER = "Công ty TNHH Cân Điện Tử Bí Mật"


@pytest.fixture
def storage(session: Session) -> DatabaseStorage:
    return DatabaseStorage(session)


@pytest.fixture
def chain(session: Session, storage: DatabaseStorage) -> dict[str, Any]:
    """A verification certificate amended once (the original superseded), and a withdrawn one."""
    enterprise = make_enterprise(session, name=CUSTOMER)
    instrument = make_instrument(
        session, enterprise, instrument_type="Cân phân tích", serial_number="B-778812"
    )
    job = make_job(session, enterprise=enterprise, instrument=instrument, kind=JobKind.VERIFICATION)
    original = make_certificate(
        session, job, storage=storage, number=NUMBER, status=CertificateStatus.SUPERSEDED
    )
    amended = make_certificate(
        session,
        job,
        storage=storage,
        number="KĐ-2026-00008",
        revision=1,
        replaces_id=original.id,
        amendment_reason="Sửa số hiệu tem kiểm định",
    )
    withdrawn = make_certificate(session, job, storage=storage, number="KĐ-2026-00009")
    withdrawn.status = CertificateStatus.WITHDRAWN
    withdrawn.withdrawal_reason = "Chuẩn hết hạn hiệu chuẩn"
    session.flush()
    return {"original": original, "amended": amended, "withdrawn": withdrawn, "enterprise": enterprise}


def _reader(session: Session, client: FlaskClient, role: Role = Role.AUDITOR) -> None:
    login(client, make_user(session, role).username)


# --- the lab register -------------------------------------------------------------------------------


def test_list_search_and_filters(session: Session, client: FlaskClient, chain: dict[str, Any]) -> None:
    _reader(session, client)
    page = client.get("/certificates/?q=B-778812").get_data(as_text=True)
    for number in (NUMBER, "KĐ-2026-00008", "KĐ-2026-00009"):
        assert number in page
    assert CUSTOMER in page  # lab staff see the customer
    valid_only = client.get("/certificates/?q=B-778812&status=valid").get_data(as_text=True)
    assert "KĐ-2026-00008" in valid_only and NUMBER not in valid_only and "KĐ-2026-00009" not in valid_only
    assert "KĐ-2026-00008" not in client.get("/certificates/?q=B-778812&kind=calibration").get_data(
        as_text=True
    )
    by_enterprise = client.get("/certificates/?q=Cân Điện Tử Bí").get_data(as_text=True)
    assert "KĐ-2026-00009" in by_enterprise
    assert client.get("/certificates/?status=nonsense&after=x").status_code == 200


def test_list_pages_by_keyset(session: Session, client: FlaskClient) -> None:
    job = make_job(session)
    for n in range(52):
        make_certificate(session, job, number=f"HC-2027-{n:05d}")
    _reader(session, client)
    first = client.get("/certificates/?q=HC-2027").get_data(as_text=True)
    assert "HC-2027-00051" in first and "HC-2027-00001" not in first
    after = re.search(r'href="(/certificates/\?[^"]*after=\d+[^"]*)"', first)
    assert after, "no link to the next page"
    second = client.get(after.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "HC-2027-00001" in second and "HC-2027-00000" in second and "HC-2027-00051" not in second


def test_detail_marks_superseded_and_withdrawn(
    session: Session, client: FlaskClient, chain: dict[str, Any]
) -> None:
    _reader(session, client)
    original = client.get(f"/certificates/{ENCODED}")
    assert original.status_code == 200
    text = original.get_data(as_text=True)
    assert "Đã bị thay thế bởi giấy chứng nhận KĐ-2026-00008." in text
    assert f'href="/certificates/{ENCODED}/pdf"' in text and chain["original"].pdf_sha256 in text
    assert f"/audit/certificate/{chain['original'].id}" in text
    assert f"/traceability/?id={ENCODED}" in text
    # Staff see the verification code (to read out to a customer whose older paper has none) and open the
    # public page with it.
    code = _code(client.application, NUMBER)
    assert f'<code class="verification-code">{code}</code>' in text
    assert f'href="/verify/{ENCODED}?c={code}"' in text
    amended = client.get("/certificates/KĐ-2026-00008").get_data(as_text=True)
    assert "Sửa số hiệu tem kiểm định" in amended and f'href="/certificates/{ENCODED}"' in amended
    assert "cert-marking" not in amended  # the current revision carries no marking
    assert amended.index(NUMBER) < amended.index("KĐ-2026-00008</strong>")  # revisions oldest first
    withdrawn = client.get("/certificates/KĐ-2026-00009").get_data(as_text=True)
    assert "Đã thu hồi: Chuẩn hết hạn hiệu chuẩn" in withdrawn
    assert client.get("/certificates/KĐ-2026-99999").status_code == 404


def test_downloads_stream_the_stored_bytes(
    session: Session, client: FlaskClient, chain: dict[str, Any]
) -> None:
    _reader(session, client, Role.TECHNICIAN)
    files = issued_files(NUMBER)
    pdf = client.get(f"/certificates/{ENCODED}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data == files.pdf and pdf.data.startswith(b"%PDF-")
    assert (
        hashlib.sha256(pdf.data).hexdigest()
        == chain["original"].pdf_sha256
        == pdf.headers["X-Content-SHA256"]
    )
    disposition = pdf.headers["Content-Disposition"]
    assert disposition.isascii()
    assert (
        'filename="KD-2026-00007.pdf"' in disposition
        and "filename*=UTF-8''K%C4%90-2026-00007.pdf" in disposition
    )
    dcc = client.get(f"/certificates/{ENCODED}/dcc")
    assert dcc.status_code == 200 and dcc.mimetype == "application/xml" and dcc.data == files.dcc
    assert hashlib.sha256(dcc.data).hexdigest() == chain["original"].dcc_sha256
    assert 'filename="KD-2026-00007.xml"' in dcc.headers["Content-Disposition"]
    no_files = make_certificate(session, number="HC-2026-88888")
    assert client.get(f"/certificates/{no_files.number}/pdf").status_code == 404


def test_download_of_altered_stored_bytes_is_refused(
    session: Session, client: FlaskClient, chain: dict[str, Any]
) -> None:
    from sqlalchemy import update

    session.execute(
        update(StoredFile).where(StoredFile.key == chain["amended"].pdf_key).values(data=b"%PDF-1.7 tampered")
    )
    session.flush()
    _reader(session, client)
    response = client.get("/certificates/KĐ-2026-00008/pdf")
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert "không khớp mã SHA-256; hãy khôi phục từ bản sao lưu" in response.get_data(as_text=True)
    assert b"tampered" not in response.data


def test_customers_and_visitors_cannot_reach_the_register(
    session: Session, client: FlaskClient, chain: dict[str, Any]
) -> None:
    for url in ("/certificates/", f"/certificates/{ENCODED}", f"/certificates/{ENCODED}/pdf"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, make_user(session, Role.CUSTOMER, enterprise_id=chain["enterprise"].id).username)
    for url in (
        "/certificates/",
        f"/certificates/{ENCODED}",
        f"/certificates/{ENCODED}/pdf",
        f"/certificates/{ENCODED}/dcc",
    ):
        assert client.get(url).status_code == 403, url


def test_certificates_in_the_navigation_of_lab_staff_only(session: Session, client: FlaskClient) -> None:
    _reader(session, client, Role.REVIEWER)
    assert 'href="/certificates/"' in client.get("/").get_data(as_text=True)
    other = client.application.test_client()
    login(other, make_user(session, Role.CUSTOMER).username)
    assert 'href="/certificates/"' not in other.get("/").get_data(as_text=True)


# --- public verification ----------------------------------------------------------------------------


_visitors = itertools.count(1)


def _public(client: FlaskClient, number_path: str, **kw: Any) -> Any:
    """A look-up from a new address each time: the per-address limit (10 a minute) is tested on its own."""
    address = f"2001:db8::{next(_visitors):x}"
    return client.get(f"/verify/{number_path}", environ_base={"REMOTE_ADDR": address}, **kw)


def _code(app: Flask, number: str) -> str:
    """The verification code printed on ``number``: derived from the deployment's signing key."""
    from lims.services.certificates.verification_code import verification_code
    from lims.services.records.signing import load_or_create_key

    return verification_code(load_or_create_key(app.config["SETTINGS"].instance_path), number)


def test_verify_valid_superseded_withdrawn(
    session: Session, app: Flask, client: FlaskClient, chain: dict[str, Any]
) -> None:
    valid = _public(client, "K%C4%90-2026-00008", query_string={"c": _code(app, "KĐ-2026-00008")})
    assert valid.status_code == 200 and valid.headers["Cache-Control"] == "no-store"
    body = valid.get_data(as_text=True)
    assert "Hợp lệ và đang có hiệu lực" in body and "KĐ-2026-00008" in body
    assert "Cân phân tích" in body and "B-778812" in body and "20/11/2026" in body
    assert 'lang="vi"' in body

    superseded = _public(client, ENCODED, query_string={"c": _code(app, NUMBER)}).get_data(as_text=True)
    assert "Hợp lệ nhưng đã bị thay thế" in superseded and "KĐ-2026-00008" in superseded
    assert 'href="/verify/K%C4%90-2026-00008"' in superseded

    withdrawn = _public(
        client, "K%C4%90-2026-00009", query_string={"c": _code(app, "KĐ-2026-00009")}
    ).get_data(as_text=True)
    assert "Đã thu hồi" in withdrawn and re.search(
        r"thu hồi giấy chứng nhận này ngày \d\d/\d\d/\d{4}", withdrawn
    )


def test_verify_by_number_alone_shows_only_existence_and_status(
    session: Session, app: Flask, client: FlaskClient, chain: dict[str, Any]
) -> None:
    """Issue 21, finding 8: sequential numbers must not let anyone list instruments, serials and dates."""
    for number, verdict in (
        ("KĐ-2026-00008", "Hợp lệ và đang có hiệu lực"),
        (NUMBER, "Hợp lệ nhưng đã bị thay thế"),
        ("KĐ-2026-00009", "Đã thu hồi"),
    ):
        response = _public(client, number)
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and verdict in body and number in body
        assert "Cân phân tích" not in body and "B-778812" not in body and CUSTOMER not in body
        assert not re.search(r"\d\d/\d\d/\d{4}", body), "a date is shown without the code"
        assert "mã xác thực in bên cạnh mã QR" in body  # tells the visitor what is missing
        assert _code(app, number) not in body


def test_a_wrong_code_is_answered_like_no_code(
    session: Session, app: Flask, client: FlaskClient, chain: dict[str, Any]
) -> None:
    app.config["RATE_LIMIT_ENABLED"] = False  # the limit has its own tests; here only the answers compare
    number = "KĐ-2026-00008"
    right = _code(app, number)
    wrong = right[:-1] + ("0" if right[-1] != "0" else "1")
    without = _public(client, number)
    bodies = {
        _neutral(_public(client, number, query_string={"c": c}).get_data(as_text=True), f"/verify/{number}")
        for c in (wrong, "", "x" * 500, right.lower()[:7], "<script>")
    }
    bodies.add(_neutral(without.get_data(as_text=True), f"/verify/{number}"))
    if len(bodies) != 1:  # say where the answers differ
        import difflib

        first, second, *_ = sorted(bodies)
        pytest.fail("\n".join(difflib.unified_diff(first.splitlines(), second.splitlines(), lineterm="")))
    assert "B-778812" not in bodies.pop()
    # the code as a visitor might type it: lower case, with a hyphen
    typed = (right[:4] + "-" + right[4:]).lower()
    assert "B-778812" in _public(client, number, query_string={"c": typed}).get_data(as_text=True)
    # another certificate's code opens nothing
    other = _public(client, number, query_string={"c": _code(app, "KĐ-2026-00009")})
    assert "B-778812" not in other.get_data(as_text=True)


def test_verify_shows_nothing_of_the_customer(
    session: Session, client: FlaskClient, chain: dict[str, Any]
) -> None:
    for number in (NUMBER, "KĐ-2026-00008", "KĐ-2026-00009"):
        body = _public(client, number, query_string={"lang": "en"}).get_data(as_text=True)
        assert CUSTOMER not in body and "Cân Điện Tử" not in body
        assert "Chuẩn hết hạn" not in body and "Sửa số hiệu tem" not in body  # reasons stay in the lab
        for certificate in chain.values():
            if hasattr(certificate, "pdf_sha256"):
                assert certificate.pdf_sha256 not in body
        assert "/certificates/" not in body and "/jobs/" not in body


def _neutral(body: str, path: str) -> str:
    """The page with the echoes of the request (the language form's return path, the search box's
    value) taken out: what remains must not depend on the number asked for."""
    from markupsafe import escape

    from lims.services.certificates.register import normalise_number

    typed = normalise_number(path.split("/verify/", 1)[1])
    body = body.replace(f'name="next" value="{escape(path)}"', 'name="next" value=""')
    # the CSRF token is signed with the time to the second, whatever the attributes between name and value
    body = re.sub(r'(name="csrf_token"[^>]*?value=")[^"]*"', r'\1"', body)
    return body.replace(f'value="{escape(typed)}"', 'value=""')


def test_unknown_and_malformed_numbers_get_the_same_answer(
    session: Session, client: FlaskClient, chain: dict[str, Any]
) -> None:
    answers = {}
    for typed in (
        "KĐ-2026-00010",
        "KĐ-2026-00006",
        "<script>alert(1)</script>",
        "x" * 300,
        "..%2F..%2Fetc",
    ):
        response = _public(client, typed)
        answers[typed] = (response.status_code, response.headers.get("Content-Type"))
        shape = _neutral(response.get_data(as_text=True), response.request.path)
        answers[typed] += (shape,)
    statuses = {a[:2] for a in answers.values()}
    assert statuses == {(404, "text/html; charset=utf-8")}
    bodies = {a[2] for a in answers.values()}
    assert len(bodies) == 1, "the page differs between unknown and malformed numbers"
    body = bodies.pop()
    assert "Không tìm thấy" in body and "<script>alert" not in body
    # A NUL is refused at the edge for every route alike (issue 21), so it tells nothing about the number.
    assert _public(client, "%00").status_code == 400


def test_number_is_nfc_normalised_from_the_url(session: Session, client: FlaskClient) -> None:
    make_certificate(session, number="KĐ-HẢI-2026-00001")
    decomposed = unicodedata.normalize("NFD", "KĐ-HẢI-2026-00001")
    from urllib.parse import quote

    assert _public(client, quote(decomposed)).status_code == 200


def test_verify_form_redirects_to_the_encoded_url(client: FlaskClient) -> None:
    response = client.get("/verify", query_string={"number": " KĐ-2026-00007 "})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/verify/{ENCODED}")
    with_code = client.get("/verify", query_string={"number": "KĐ-2026-00007", "c": " abcd-efgh "})
    assert with_code.headers["Location"].endswith(f"/verify/{ENCODED}?c=ABCDEFGH")
    page = client.get("/verify/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="number"' in text
    assert 'name="c"' in text and "Mã xác thực" in text
    english = client.get("/verify/", query_string={"lang": "en"}).get_data(as_text=True)
    assert "Verification code" in english


def test_language_switch_without_login(client: FlaskClient, session: Session, chain: dict[str, Any]) -> None:
    token = csrf_token(client, f"/verify/{ENCODED}")
    response = client.post(
        "/language", data={"csrf_token": token, "language": "en", "next": f"/verify/{NUMBER}"}
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Genuine but superseded" in page and 'lang="en"' in page


# --- checking a PDF ---------------------------------------------------------------------------------


def _upload(
    client: FlaskClient, number: str, data: bytes, filename: str = "certificate.pdf", code: str = ""
) -> Any:
    token = csrf_token(client, f"/verify/{number}")
    return client.post(
        f"/verify/{number}" + (f"?c={code}" if code else ""),
        data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def _stored_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(StoredFile)) or 0


def test_upload_matching_other_revision_and_mismatch(
    session: Session, client: FlaskClient, storage: DatabaseStorage, chain: dict[str, Any]
) -> None:
    before = _stored_count(session)
    original_pdf = storage.get(chain["original"].pdf_key)
    amended_pdf = storage.get(chain["amended"].pdf_key)

    same = _upload(client, "KĐ-2026-00008", amended_pdf)
    assert same.status_code == 200
    assert "giống hệt giấy chứng nhận" in same.get_data(as_text=True)

    older = _upload(client, "KĐ-2026-00008", original_pdf, filename="ban-cu.PDF")
    text = older.get_data(as_text=True)
    assert older.status_code == 200 and "một phiên bản khác của giấy chứng nhận này: KĐ-2026-00007" in text
    assert "không còn hiệu lực" in text

    altered = issued_files("KĐ-2026-00008", variant="altered").pdf
    mismatch = _upload(client, "KĐ-2026-00008", altered).get_data(as_text=True)
    assert "không khớp" in mismatch and hashlib.sha256(altered).hexdigest() in mismatch
    assert _stored_count(session) == before


def test_upload_refuses_a_non_pdf_by_content_and_a_large_file(
    session: Session, app: Flask, client: FlaskClient, storage: DatabaseStorage, chain: dict[str, Any]
) -> None:
    before = _stored_count(session)
    html = _upload(
        client, "KĐ-2026-00008", b"<html><body>%PDF-1.7 fake</body></html>", filename="certificate.pdf"
    )
    assert html.status_code == 422 and "không phải là tài liệu PDF" in html.get_data(as_text=True)

    no_file = client.post(
        "/verify/KĐ-2026-00008", data={"csrf_token": csrf_token(client, "/verify/KĐ-2026-00008")}
    )
    assert no_file.status_code == 422 and "Chọn tệp PDF" in no_file.get_data(as_text=True)

    pdf = storage.get(chain["amended"].pdf_key)
    app.config["SETTINGS"] = dataclasses.replace(app.config["SETTINGS"], max_file_bytes=len(pdf) - 1)
    large = _upload(client, "KĐ-2026-00008", pdf)
    assert large.status_code == 422 and f"{len(pdf) - 1}" in large.get_data(as_text=True)
    assert _stored_count(session) == before


def test_upload_needs_the_csrf_token(client: FlaskClient, chain: dict[str, Any]) -> None:
    response = client.post(
        "/verify/KĐ-2026-00008",
        data={"file": (io.BytesIO(b"%PDF-1.4"), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400


def test_upload_for_an_unknown_number_is_the_neutral_page(client: FlaskClient, chain: dict[str, Any]) -> None:
    response = _upload(client, "KĐ-2026-00010", b"%PDF-1.4 anything")
    assert response.status_code == 404 and "Không tìm thấy" in response.get_data(as_text=True)


def test_lookups_are_rate_limited_per_client(
    client: FlaskClient, chain: dict[str, Any], frozen_rate_window: float
) -> None:
    from lims.web.certificates.public import LOOKUP_LIMIT

    env = {"REMOTE_ADDR": "198.51.100.44"}
    codes = [
        client.get(f"/verify/KĐ-2026-{n:05d}", environ_base=env).status_code for n in range(LOOKUP_LIMIT)
    ]
    assert set(codes) <= {200, 404}
    refused = client.get(f"/verify/{ENCODED}", environ_base=env)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert client.get(f"/verify/{ENCODED}", environ_base={"REMOTE_ADDR": "198.51.100.45"}).status_code == 200


def test_lookups_are_limited_per_day_too(
    session: Session, client: FlaskClient, chain: dict[str, Any], frozen_rate_window: float
) -> None:
    """10 a minute and 300 a day per address (was 30 a minute, about 43 000 a day: issue 21, finding 8)."""
    from lims.models import RateLimitCounter
    from lims.web.certificates.public import DAILY_LIMIT, DAILY_WINDOW_S, LOOKUP_LIMIT, LOOKUP_WINDOW_S

    assert (LOOKUP_LIMIT, LOOKUP_WINDOW_S, DAILY_LIMIT, DAILY_WINDOW_S) == (10, 60, 300, 86_400)
    client.get(f"/verify/{ENCODED}", environ_base={"REMOTE_ADDR": "198.51.100.46"})
    session.expire_all()
    daily = session.get(RateLimitCounter, "verify-day:198.51.100.46")
    assert daily is not None and daily.hits == 1

"""Signatures through the web: issuing refused in the user's language, the DCC's .p7s beside it, and the
public verification page reporting an uploaded PDF's signature (issue 17, items 5 and 6)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.models import Certificate, CertificateCounter, JobState, StoredFile
from lims.services.certificates import issue as svc
from lims.services.common.storage import DatabaseStorage
from tests import pkitools
from tests.certificates.test_signing import flip_byte_in_content
from tests.factories import issued_files, make_certificate, make_job
from tests.services import certsetup
from tests.webutil import csrf_token, login, post_form


@pytest.fixture
def trusted_roots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The deployment trusts the tests' root (LIMS_SIGNING_TRUST_ROOTS), as a lab trusts its CA's."""
    pem = tmp_path / "roots.pem"
    pem.write_bytes(pkitools.authority().certificate.public_bytes(Encoding.PEM))
    monkeypatch.setenv("LIMS_SIGNING_TRUST_ROOTS", str(pem))


def _issued(session: Session) -> tuple[Certificate, bytes]:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    cert = svc.issue_certificate(
        session, job.id, setup.signatory, storage=DatabaseStorage(session), settings=certsetup.SETTINGS,
        now=certsetup.ISSUED_AT,
    )
    session.flush()
    return cert, svc.stored_bytes(DatabaseStorage(session), cert, "pdf")


def _upload(client: FlaskClient, number: str, data: bytes) -> str:
    token = csrf_token(client, f"/verify/{number}")
    response = client.post(
        f"/verify/{number}",
        data={"csrf_token": token, "file": (io.BytesIO(data), "certificate.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_verify_reports_a_valid_signature_with_signer_and_time(
    client: FlaskClient, session: Session, trusted_roots: None
) -> None:
    cert, pdf = _issued(session)
    page = _upload(client, cert.number, pdf)
    assert "giống hệt giấy chứng nhận" in page
    assert "Chữ ký số: hợp lệ. Tệp không bị thay đổi kể từ khi được ký." in page
    assert pkitools.SIGNATORY in page and pkitools.ORGANISATION in page
    assert "09:30" in page  # 02:30 UTC, the time of issue, on the lab's clock (Hà Nội)


def test_verify_reports_a_changed_byte_as_an_invalid_signature(
    client: FlaskClient, session: Session, trusted_roots: None
) -> None:
    cert, pdf = _issued(session)
    page = _upload(client, cert.number, flip_byte_in_content(pdf))
    assert "không khớp" in page  # not the stored file
    assert "Chữ ký số: không hợp lệ. Tệp đã bị thay đổi sau khi được ký." in page


def test_verify_says_when_the_signer_is_not_trusted_or_there_is_no_signature(
    client: FlaskClient, session: Session
) -> None:
    cert, pdf = _issued(session)  # signed by the tests' root, which this deployment does not trust
    assert "không do tổ chức chứng thực mà phòng thí nghiệm tin cậy cấp" in _upload(client, cert.number, pdf)
    unsigned = make_certificate(session, make_job(session), number="HC-2026-00077")
    page = _upload(client, unsigned.number, issued_files("HC-2026-00077").pdf)
    assert "Tệp không mang chữ ký số của phòng thí nghiệm." in page


def test_the_dcc_signature_is_downloadable_beside_the_dcc(client: FlaskClient, session: Session) -> None:
    from lims.models import Role
    from tests.factories import make_user

    cert, _pdf = _issued(session)
    session.commit()
    login(client, make_user(session, Role.AUDITOR).username)
    page = client.get(f"/certificates/{cert.number}").get_data(as_text=True)
    assert f'href="/certificates/{cert.number}/dcc-signature"' in page and "Chữ ký số của DCC (.p7s)" in page
    p7s = client.get(f"/certificates/{cert.number}/dcc-signature")
    assert p7s.status_code == 200 and p7s.mimetype == "application/pkcs7-signature"
    from certificates.signature_check import verify_detached

    dcc = client.get(f"/certificates/{cert.number}/dcc").data
    assert verify_detached(dcc, p7s.data, trust_roots=[pkitools.root_der()]).ok


def _expired_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    identity = pkitools.identity(not_after=datetime(2025, 1, 1, tzinfo=UTC))
    path = tmp_path / "expired.p12"
    path.write_bytes(identity.pkcs12)
    monkeypatch.setenv("LIMS_SIGNING_PKCS12", str(path))
    monkeypatch.setenv("LIMS_SIGNING_PASSPHRASE", identity.passphrase.decode())


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("vi", "Chứng thư số ký của Nguyễn Thị Thu Hằng đã hết hạn ngày"),
        ("en", "The signing certificate of Nguyễn Thị Thu Hằng expired on"),
    ],
)
def test_issuing_with_an_expired_key_is_refused_in_the_user_s_language(
    client: FlaskClient, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: str,
    message: str,
) -> None:
    _expired_key(tmp_path, monkeypatch)
    setup = certsetup.lab(session)
    setup.signatory.language = language
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    session.commit()
    login(client, setup.signatory.username)
    page_url = f"/jobs/{job.id}"
    before = _totals(session)
    response = post_form(client, f"/jobs/{job.id}/issue", {"version": str(job.version)}, token_from=page_url)
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert message in html
    assert _totals(session) == before
    session.refresh(job)
    assert job.state == JobState.APPROVED


def _totals(session: Session) -> Any:
    return (
        session.scalar(select(func.count()).select_from(Certificate)),
        session.scalar(select(func.coalesce(func.sum(CertificateCounter.last_number), 0))),
        session.scalar(select(func.count()).select_from(StoredFile)),
    )


def test_a_customer_downloads_the_dcc_signature_of_their_own_certificate_only(
    app: Any, client: FlaskClient, session: Session
) -> None:
    from certificates.signature_check import verify_detached
    from lims.models import Role
    from tests.factories import make_enterprise, make_user

    cert, _pdf = _issued(session)
    from lims.models import Job

    job_enterprise = session.get_one(Job, cert.job_id).enterprise_id
    session.commit()
    login(client, make_user(session, Role.CUSTOMER, enterprise_id=job_enterprise).username)
    listing = client.get("/portal/certificates/").get_data(as_text=True)
    assert f"/portal/certificates/{cert.id}/p7s" in listing and "Chữ ký số của DCC (.p7s)" in listing
    p7s = client.get(f"/portal/certificates/{cert.id}/p7s")
    dcc = client.get(f"/portal/certificates/{cert.id}/dcc")
    assert p7s.status_code == 200 and p7s.mimetype == "application/pkcs7-signature"
    assert verify_detached(dcc.data, p7s.data, trust_roots=[pkitools.root_der()]).ok
    other = app.test_client()
    login(other, make_user(session, Role.CUSTOMER, enterprise_id=make_enterprise(session).id).username)
    assert other.get(f"/portal/certificates/{cert.id}/p7s").status_code == 404

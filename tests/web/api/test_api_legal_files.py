"""Issue 17 through the JSON API: the DCC's detached signature beside the DCC, and the notice of failed
verification of a job; both tenant-checked (another enterprise's answers 404) and the stored bytes."""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete
from sqlalchemy.orm import Session

from lims.models import Role, StoredFile, VerificationFailureNotice
from lims.services.common.storage import detached_signature_key, open_storage, sha256_hex
from tests.factories import make_user
from tests.web.api.conftest import P7S, Side, World, bearer
from tests.web.api.test_api import API, error_of

NOTICE = b"%PDF-1.7\n% notice of failed verification\n%%EOF\n"


def _unsign_dcc(app: Flask, session: Session, side: Side) -> None:
    """Remove the stored signature, as for a certificate issued before certificates were signed."""
    assert side.certificate.dcc_key is not None
    key = detached_signature_key(side.certificate.dcc_key)
    storage = open_storage(app.config["SETTINGS"], session)
    session.execute(delete(StoredFile).where(StoredFile.key == key))
    session.commit()
    assert not storage.exists(key)


def _notice(app: Flask, session: Session, side: Side) -> VerificationFailureNotice:
    storage = open_storage(app.config["SETTINGS"], session)
    stored = storage.put(f"issued/notice/TB-KD-2026-{side.job.id:05d}.pdf", NOTICE, "application/pdf")
    row = VerificationFailureNotice(
        number=f"TB-KĐ-2026-{side.job.id:05d}",
        job_id=side.job.id,
        instrument_id=side.instrument_id,
        failed_requirement="Sai số vượt SSLNCP tại 15 kg",
        verified_on=date(2026, 3, 1),
        issued_at=datetime(2026, 3, 2, tzinfo=UTC),
        issued_by_id=make_user(session, Role.SIGNATORY).id,
        pdf_key=stored.key,
        pdf_sha256=stored.sha256,
    )
    session.add(row)
    session.commit()
    return row


def test_the_dcc_signature_is_served_beside_the_dcc(
    app: Flask, client: FlaskClient, session: Session, world: World
) -> None:
    number, signature = world.a.certificate.number, P7S + b"A"  # what the world stored for side A
    body = client.get(f"{API}/certificates/{number}", headers=bearer(world.a.token)).get_json()
    assert body["dcc_signature"]["available"] and body["dcc_signature"]["sha256"] == sha256_hex(signature)
    assert body["dcc_signature"]["url"].endswith(f"{API}/certificates/{number}/p7s")
    p7s = client.get(f"{API}/certificates/{number}/p7s", headers=bearer(world.a.token))
    assert p7s.status_code == 200 and p7s.mimetype == "application/pkcs7-signature" and p7s.data == signature
    assert p7s.headers["ETag"] == f'"{sha256_hex(signature)}"'
    assert f'filename="{number}.xml.p7s"' in p7s.headers["Content-Disposition"]
    # another enterprise's token: not found, and nothing of the file
    theirs = client.get(f"{API}/certificates/{number}/p7s", headers=bearer(world.b.token))
    assert theirs.status_code == 404 and P7S not in theirs.data
    staff = client.get(f"{API}/certificates/{number}/p7s", headers=bearer(world.staff_token))
    assert staff.status_code == 200 and staff.data == signature
    # a certificate issued before signing has no signature: said so, never a 500
    _unsign_dcc(app, session, world.a)
    body = client.get(f"{API}/certificates/{number}", headers=bearer(world.a.token)).get_json()
    assert body["dcc_signature"] == {"available": False, "sha256": None, "url": None}
    missing = client.get(f"{API}/certificates/{number}/p7s", headers=bearer(world.a.token))
    assert missing.status_code == 404 and error_of(missing)["code"] == "not_stored"


def test_the_failure_notice_is_served_to_its_enterprise_only(
    app: Flask, client: FlaskClient, session: Session, world: World
) -> None:
    job = world.a.job.number
    assert client.get(f"{API}/jobs/{job}", headers=bearer(world.a.token)).get_json()["failure_notice"] is None
    none = client.get(f"{API}/jobs/{job}/notice", headers=bearer(world.a.token))
    assert none.status_code == 404 and error_of(none)["code"] == "not_stored"
    row = _notice(app, session, world.a)
    body = client.get(f"{API}/jobs/{job}", headers=bearer(world.a.token)).get_json()
    assert body["failure_notice"]["number"] == row.number and body["failure_notice"]["sha256"] == row.pdf_sha256
    assert body["failure_notice"]["url"].endswith(f"{API}/jobs/{job}/notice")
    pdf = client.get(f"{API}/jobs/{job}/notice", headers=bearer(world.a.token))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data == NOTICE
    assert pdf.headers["ETag"] == f'"{row.pdf_sha256}"'
    theirs = client.get(f"{API}/jobs/{job}/notice", headers=bearer(world.b.token))
    assert theirs.status_code == 404 and NOTICE not in theirs.data
    assert client.get(f"{API}/jobs/{job}", headers=bearer(world.b.token)).status_code == 404

"""Issue 17 through the JSON API: the DCC's detached signature beside the DCC, and the notice of failed
verification of a job; both tenant-checked (another enterprise's answers 404) and the stored bytes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, delete, event
from sqlalchemy.orm import Session

from lims.models import Certificate, JobKind, Role, StoredFile, VerificationFailureNotice
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
    assert (
        body["failure_notice"]["number"] == row.number and body["failure_notice"]["sha256"] == row.pdf_sha256
    )
    assert body["failure_notice"]["url"].endswith(f"{API}/jobs/{job}/notice")
    pdf = client.get(f"{API}/jobs/{job}/notice", headers=bearer(world.a.token))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data == NOTICE
    assert pdf.headers["ETag"] == f'"{row.pdf_sha256}"'
    theirs = client.get(f"{API}/jobs/{job}/notice", headers=bearer(world.b.token))
    assert theirs.status_code == 404 and NOTICE not in theirs.data
    assert client.get(f"{API}/jobs/{job}", headers=bearer(world.b.token)).status_code == 404


def _statements(connection: Connection, client: FlaskClient, url: str, token: str) -> tuple[int, Any]:
    """The SQL statements one API request runs (every session of the test's app goes through ``connection``)."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(connection, "before_cursor_execute", count)
    try:
        response = client.get(url, headers=bearer(token))
    finally:
        event.remove(connection, "before_cursor_execute", count)
    assert response.status_code == 200
    return len(seen), response.get_json()


def test_a_page_of_certificates_looks_up_its_signatures_in_one_query(
    app: Flask, client: FlaskClient, connection: Connection, session: Session, world: World
) -> None:
    """The signatures (``.p7s``) of a page are one catalogue query beside the listing, not two a certificate:
    a page of one and a page of eight run the same statements."""
    storage = open_storage(app.config["SETTINGS"], session)
    signer = make_user(session, Role.SIGNATORY)
    signed: dict[str, bytes] = {
        world.a.certificate.number: P7S + b"A",
        world.b.certificate.number: P7S + b"B",
    }
    for n in range(6):  # more of side A's certificates, every other one signed
        number, dcc_key = f"HC-2026-{world.a.job.id:05d}-{n}", f"certificates/extra-{world.a.job.id}-{n}.xml"
        if n % 2 == 0:
            signed[number] = P7S + f"extra {n}".encode()
            storage.put(detached_signature_key(dcc_key), signed[number], "application/pkcs7-signature")
        session.add(
            Certificate(
                number=number,
                job_id=world.a.job.id,
                kind=JobKind.CALIBRATION,
                issued_at=datetime(2026, 3, 3, tzinfo=UTC),
                issued_by_id=signer.id,
                dcc_key=dcc_key,
                dcc_sha256="0" * 64,
            )
        )
    session.commit()
    one, _ = _statements(connection, client, f"{API}/certificates?limit=1", world.staff_token)
    eight, body = _statements(connection, client, f"{API}/certificates?limit=8", world.staff_token)
    assert len(body["items"]) == 8
    assert eight == one
    for item in body["items"]:
        expected = signed.get(item["number"])
        assert item["dcc_signature"]["available"] is (expected is not None)
        assert item["dcc_signature"]["sha256"] == (sha256_hex(expected) if expected is not None else None)

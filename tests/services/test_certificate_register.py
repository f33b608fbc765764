"""The certificate register: lookup by number, search, revision chains, stored files, public facts, file checks."""

from __future__ import annotations

import dataclasses
import unicodedata

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.errors import NotFound
from lims.models import CertificateStatus, JobKind, StoredFile
from lims.services.certificates import register
from lims.services.certificates.verification_code import verification_code
from lims.services.common.storage import DatabaseStorage, FileTooLarge, NotAPdf, StoredFileCorrupt, sha256_hex
from tests.factories import issued_files, make_certificate, make_enterprise, make_instrument, make_job


@pytest.fixture
def storage(session: Session) -> DatabaseStorage:
    return DatabaseStorage(session)


def _amended_chain(session: Session, storage: DatabaseStorage, base: str) -> list:
    """Three revisions of one certificate (ISO/IEC 17025:2017 7.8.8): the first two superseded."""
    job = make_job(session)
    first = make_certificate(
        session, job, storage=storage, number=f"{base}", status=CertificateStatus.SUPERSEDED
    )
    second = make_certificate(
        session,
        job,
        storage=storage,
        number=f"{base}-R1",
        revision=1,
        replaces_id=first.id,
        amendment_reason="Sai số đánh máy ở số hiệu",
        status=CertificateStatus.SUPERSEDED,
    )
    third = make_certificate(
        session,
        job,
        storage=storage,
        number=f"{base}-R2",
        revision=2,
        replaces_id=second.id,
        amendment_reason="x",
    )
    return [first, second, third]


def test_lookup_normalises_the_number_to_nfc(session: Session) -> None:
    certificate = make_certificate(session, number="KĐ-HẢI-2026-00007")
    decomposed = unicodedata.normalize("NFD", " KĐ-HẢI-2026-00007 ")
    assert decomposed.strip() != certificate.number  # really another spelling of the same text
    assert register.get_by_number(session, decomposed).id == certificate.id
    assert register.get_by_number(session, "kđ-hải-2026-00007").id == certificate.id  # typed in lower case
    with pytest.raises(NotFound):
        register.get_by_number(session, "KĐ-HẢI-2026-00008")
    with pytest.raises(NotFound):
        register.get_by_number(session, "")


def test_revision_chain_from_any_revision(session: Session, storage: DatabaseStorage) -> None:
    first, second, third = _amended_chain(session, storage, "HC-2026-70001")
    for member in (first, second, third):
        assert [c.id for c in register.revision_chain(session, member)] == [first.id, second.id, third.id]
    assert register.successor(session, first).id == second.id
    assert register.successor(session, third) is None
    view = register.detail(session, second.number)
    assert view.replaces.id == first.id and view.superseded_by.id == third.id
    assert view.job.id == first.job_id and view.enterprise.id == view.job.enterprise_id


def test_withdrawal_date_comes_from_the_audit_trail(session: Session) -> None:
    certificate = make_certificate(session)
    assert register.withdrawn_at(session, certificate) is None
    certificate.status = CertificateStatus.WITHDRAWN
    certificate.withdrawal_reason = "Chuẩn sử dụng hết hạn hiệu chuẩn"
    session.flush()
    when = register.withdrawn_at(session, certificate)
    assert when is not None
    key = b"k" * 32
    code = verification_code(key, certificate.number)
    assert register.public_verification(session, certificate.number, key=key, code=code).withdrawn_at == when
    assert register.public_verification(session, certificate.number, key=key).withdrawn_at is None


def test_search_by_number_serial_enterprise_with_filters_and_keyset_pages(session: Session) -> None:
    enterprise = make_enterprise(session, name="Công ty Cơ khí Sông Hồng")
    instrument = make_instrument(session, enterprise, serial_number="SH-ZX-4411")
    job = make_job(session, enterprise=enterprise, instrument=instrument, kind=JobKind.VERIFICATION)
    verification = make_certificate(session, job, number="KĐ-2026-61001")
    other = make_certificate(session, number="HC-2026-61002")
    withdrawn = make_certificate(session, number="HC-2026-61003", status=CertificateStatus.WITHDRAWN)

    def numbers(**kw: object) -> set[str]:
        return {row.certificate.number for row in register.search(session, size=200, **kw).items}  # type: ignore[arg-type]

    assert numbers(query="61001") == {verification.number}
    assert numbers(query="zx-44") == {verification.number}  # serial, any case
    assert numbers(query="Sông Hồng") == {verification.number}
    assert numbers(query="kđ-2026-61") == {verification.number}
    assert numbers(query="\x0061001") == {verification.number}  # a NUL from a crafted URL is dropped
    assert numbers(query="2026-610", status=CertificateStatus.WITHDRAWN) == {withdrawn.number}
    assert numbers(query="2026-610", kind=JobKind.VERIFICATION) == {verification.number}
    assert numbers(query="2026-610", enterprise_id=enterprise.id) == {verification.number}
    assert other.number in numbers(query="2026-610")

    first = register.search(session, query="2026-610", size=2)
    assert [r.certificate.number for r in first.items] == ["HC-2026-61003", "HC-2026-61002"]  # newest first
    assert first.next_after is not None
    rest = register.search(session, query="2026-610", size=2, after=first.next_after)
    assert [r.certificate.number for r in rest.items] == ["KĐ-2026-61001"] and rest.next_after is None
    assert rest.items[0].job.enterprise.name == "Công ty Cơ khí Sông Hồng"


def test_portal_scope_hides_another_enterprises_certificate(session: Session) -> None:
    certificate = make_certificate(session)
    mine = make_enterprise(session)
    with pytest.raises(NotFound):
        register.detail(session, certificate.number, enterprise_id=mine.id)


def test_stored_file_is_the_issued_bytes(session: Session, storage: DatabaseStorage) -> None:
    certificate = make_certificate(session, storage=storage, number="KĐ-2026-00007")
    files = issued_files("KĐ-2026-00007")
    pdf = register.stored_file_for(session, storage, certificate, "pdf")
    assert pdf.data == files.pdf and pdf.sha256 == certificate.pdf_sha256 == sha256_hex(files.pdf)
    assert pdf.content_type == "application/pdf" and pdf.filename == "KĐ-2026-00007.pdf"
    dcc = register.stored_file_for(session, storage, certificate, "dcc")
    assert dcc.data == files.dcc and dcc.content_type == "application/xml" and dcc.filename.endswith(".xml")


def test_stored_file_refuses_bytes_that_are_not_the_issued_ones(
    session: Session, storage: DatabaseStorage
) -> None:
    certificate = make_certificate(session, storage=storage)
    certificate.pdf_sha256 = "0" * 64  # the record says another file was issued
    with pytest.raises(StoredFileCorrupt):
        register.stored_file_for(session, storage, certificate, "pdf")
    with pytest.raises(NotFound):
        register.stored_file_for(session, storage, make_certificate(session), "pdf")  # no file stored


def test_public_facts_hold_nothing_of_the_customer(session: Session, storage: DatabaseStorage) -> None:
    first, second, third = _amended_chain(session, storage, "HC-2026-70002")
    facts = register.public_verification(session, first.number)
    assert facts is not None and facts.status == CertificateStatus.SUPERSEDED
    assert facts.superseded_by == second.number and not facts.current
    assert register.public_verification(session, third.number).current
    assert {f.name for f in dataclasses.fields(register.PublicVerification)} == {
        "number",
        "kind",
        "disclosed",
        "issued_at",
        "instrument_type",
        "serial_number",
        "status",
        "superseded_by",
        "superseded_at",
        "withdrawn_at",
    }
    # Without the code (or with a wrong one) nothing but the number, kind and status (issue 21, finding 8).
    key = b"k" * 32
    right = verification_code(key, third.number)
    for code in (None, "", "0000000", right[:-1] + ("Z" if right[-1] != "Z" else "Y"),
                 verification_code(key, first.number), verification_code(b"j" * 32, third.number)):
        hidden = register.public_verification(session, third.number, key=key, code=code)
        assert hidden is not None and not hidden.disclosed
        assert (hidden.issued_at, hidden.instrument_type, hidden.serial_number, hidden.withdrawn_at) == (
            None, None, None, None)
    shown = register.public_verification(session, third.number, key=key, code=right.lower())
    assert shown is not None and shown.disclosed and shown.serial_number and shown.issued_at
    # No key configured: no code can match, not even an empty one.
    assert not register.public_verification(session, third.number, key=b"", code="").disclosed
    assert register.public_verification(session, "HC-2026-79999") is None
    assert register.public_verification(session, "<script>") is None


def test_check_pdf_by_content(session: Session, storage: DatabaseStorage) -> None:
    first, second, third = _amended_chain(session, storage, "HC-2026-70003")
    stored_before = session.scalar(select(func.count()).select_from(StoredFile))
    pdf_of = {c.number: storage.get(c.pdf_key) for c in (first, second, third)}

    same = register.check_pdf(session, second.number, pdf_of[second.number], limit=10**8)
    assert same.outcome == register.FileMatch.THIS_CERTIFICATE and same.sha256 == second.pdf_sha256
    older = register.check_pdf(session, third.number, pdf_of[first.number], limit=10**8)
    assert older.outcome == register.FileMatch.OTHER_REVISION
    assert (older.revision_number, older.revision_status) == (first.number, CertificateStatus.SUPERSEDED)
    stranger = issued_files("HC-2026-70003", variant="altered").pdf
    assert (
        register.check_pdf(session, third.number, stranger, limit=10**8).outcome
        == register.FileMatch.NO_MATCH
    )

    with pytest.raises(NotAPdf):
        register.check_pdf(session, third.number, b"<html>%PDF-1.7</html>", limit=10**8, name="cert.pdf")
    with pytest.raises(FileTooLarge):
        register.check_pdf(session, third.number, pdf_of[third.number], limit=1000)
    assert register.check_pdf(session, "HC-2026-79999", pdf_of[third.number], limit=10**8) is None
    assert session.scalar(select(func.count()).select_from(StoredFile)) == stored_before  # nothing stored

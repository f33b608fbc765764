"""The register of issued certificates: lookup, search, revision chains, stored files, public verification.

Read-only. Issuing, amending and withdrawing are :mod:`lims.services.certificates.issue`; this module only
reads what they recorded, so the lab register, the customer portal, the API and the public verification
page all answer from the same queries.

ISO/IEC 17025:2017 7.8.8: an issued certificate is changed only by a new one that identifies the one it
replaces; the replaced one stays in the register, marked superseded, and a withdrawn one stays, marked
withdrawn. The public page (:func:`public_verification`) shows only what a third party needs to decide
whether a certificate in their hands is genuine and current (number, date of issue, the instrument, the
status), never the customer or the results (7.1.1 d / 4.2: confidentiality of the customer's
information).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Literal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from certificates.signature_check import PdfSignatureReport, verify_pdf
from lims.errors import N_, NotFound
from lims.models import (
    AuditEntry,
    Certificate,
    CertificateStatus,
    CustomerInstrument,
    Enterprise,
    Job,
    JobKind,
    User,
)
from lims.services.certificates.verification_code import code_matches
from lims.services.common.pagination import Page, keyset_page
from lims.services.common.storage import (
    Storage,
    StoredFileCorrupt,
    check_size,
    issued_file_key,
    sha256_hex,
    sniff_pdf,
)
from lims.services.jobs.jobs import jobs_by_id

NUMBER_MAX_LENGTH = 50
MAX_CHAIN = 100  # revisions followed at most (a guard against a cycle in bad data, never reached in practice)

FileKind = Literal["pdf", "dcc", "p7s"]
# p7s: the DCC's detached CMS signature (RFC 5751 3.2.1), stored beside the DCC at issue
CONTENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "dcc": "application/xml",
    "p7s": "application/pkcs7-signature",
}
EXTENSIONS: dict[str, str] = {"pdf": "pdf", "dcc": "xml", "p7s": "xml.p7s"}



def normalise_number(raw: str) -> str:
    """The number as stored: NFC, control characters dropped (PostgreSQL refuses NUL in text), surrounding
    blanks removed, at most 50 characters.

    >>> normalise_number(" KĐ-2026-00007\\x00 ") == "KĐ-2026-00007"
    True
    >>> normalise_number("HC-2026-00001" + "x" * 100)[-3:]
    'xxx'
    """
    printable = "".join(c for c in unicodedata.normalize("NFC", raw) if c.isprintable())
    return printable.strip()[:NUMBER_MAX_LENGTH]


def _find(session: Session, raw: str) -> Certificate | None:
    number = normalise_number(raw)
    if not number:
        return None
    found = session.scalar(select(Certificate).where(Certificate.number == number))
    if found is None and number.upper() != number:
        # Numbers are printed in capitals; a visitor may type "kđ-2026-00007".
        found = session.scalar(select(Certificate).where(Certificate.number == number.upper()))
    return found


def get_by_number(session: Session, number: str) -> Certificate:
    """The certificate with this number (NFC-normalised), else :class:`NotFound`."""
    certificate = _find(session, number)
    if certificate is None:
        raise NotFound(N_("No certificate has the number %(number)s."), number=normalise_number(number))
    return certificate


# --- the lab register ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RegisterRow:
    certificate: Certificate
    job: Job  # with its enterprise and instrument loaded


def search(
    session: Session,
    *,
    query: str = "",
    status: CertificateStatus | None = None,
    kind: JobKind | None = None,
    enterprise_id: int | None = None,
    issued_since: date | None = None,
    after: int | None = None,
    size: int = 50,
) -> Page[RegisterRow]:
    """Certificates, newest first, by keyset on the id. ``query`` matches part of the number, the
    instrument's serial number or the enterprise's name; ``enterprise_id`` scopes to one customer
    (the portal passes the user's enterprise)."""
    stmt = select(Certificate)
    text = "".join(c for c in unicodedata.normalize("NFC", query) if c.isprintable() and c not in "%_")
    text = text.strip()[:100]
    if text:
        pattern = f"%{text}%"
        jobs_matching = (
            select(Job.id)
            .join(CustomerInstrument, CustomerInstrument.id == Job.instrument_id)
            .join(Enterprise, Enterprise.id == Job.enterprise_id)
            .where(or_(CustomerInstrument.serial_number.ilike(pattern), Enterprise.name.ilike(pattern)))
        )
        stmt = stmt.where(
            or_(
                Certificate.number.ilike(pattern),
                func.upper(Certificate.number).like(pattern.upper()),
                Certificate.job_id.in_(jobs_matching),
            )
        )
    if status is not None:
        stmt = stmt.where(Certificate.status == status)
    if kind is not None:
        stmt = stmt.where(Certificate.kind == kind)
    if enterprise_id is not None:
        stmt = stmt.where(Certificate.job_id.in_(select(Job.id).where(Job.enterprise_id == enterprise_id)))
    if issued_since is not None:
        # from midnight UTC of that day, as the dashboard's "issued in the last 30 days" counts
        stmt = stmt.where(Certificate.issued_at >= datetime.combine(issued_since, time.min, tzinfo=UTC))
    page = keyset_page(session, stmt, Certificate.id, after=after, size=size)
    jobs = jobs_by_id(session, {c.job_id for c in page.items})
    return Page([RegisterRow(c, jobs[c.job_id]) for c in page.items], page.next_after, page.size)


def replaced_numbers(session: Session, certificate_ids: set[int]) -> dict[int, str]:
    """The numbers of the certificates ``certificate_ids`` (those that amendments replace), by id."""
    if not certificate_ids:
        return {}
    rows = session.execute(
        select(Certificate.id, Certificate.number).where(Certificate.id.in_(certificate_ids))
    )
    return {row.id: row.number for row in rows}


def numbers_of_job(session: Session, job_id: int) -> list[str]:
    """The numbers of every certificate issued for the job, first revision first."""
    return list(
        session.scalars(
            select(Certificate.number).where(Certificate.job_id == job_id).order_by(Certificate.revision)
        )
    )


def successor(session: Session, certificate: Certificate) -> Certificate | None:
    """The certificate that replaces this one, if any."""
    return session.scalar(
        select(Certificate).where(Certificate.replaces_id == certificate.id).order_by(Certificate.id).limit(1)
    )


def revision_chain(session: Session, certificate: Certificate) -> list[Certificate]:
    """Every revision of the certificate, from the original to the latest amendment."""
    earlier: list[Certificate] = []
    seen = {certificate.id}
    current = certificate
    while current.replaces_id is not None and len(seen) < MAX_CHAIN:
        previous = session.get(Certificate, current.replaces_id)
        if previous is None or previous.id in seen:
            break
        seen.add(previous.id)
        earlier.append(previous)
        current = previous
    later: list[Certificate] = []
    current = certificate
    while len(seen) < MAX_CHAIN:
        nxt = successor(session, current)
        if nxt is None or nxt.id in seen:
            break
        seen.add(nxt.id)
        later.append(nxt)
        current = nxt
    return [*reversed(earlier), certificate, *later]


def withdrawn_at(session: Session, certificate: Certificate) -> datetime | None:
    """When the certificate was withdrawn, from the audit trail (the change of its status)."""
    if certificate.status != CertificateStatus.WITHDRAWN:
        return None
    entries = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.table_name == Certificate.__tablename__, AuditEntry.record_id == str(certificate.id)
        )
        .order_by(AuditEntry.seq.desc())
    )
    for entry in entries:
        change = (entry.changes or {}).get("status")
        if isinstance(change, list | tuple) and change and change[-1] == CertificateStatus.WITHDRAWN.value:
            return entry.at
    return None


@dataclass(frozen=True, slots=True)
class CertificateDetail:
    certificate: Certificate
    job: Job
    enterprise: Enterprise
    instrument: CustomerInstrument
    issued_by: User | None
    replaces: Certificate | None
    superseded_by: Certificate | None
    chain: Sequence[Certificate]
    withdrawn_at: datetime | None


def detail(session: Session, number: str, *, enterprise_id: int | None = None) -> CertificateDetail:
    """Everything the register page shows of one certificate. With ``enterprise_id`` (the portal), a
    certificate of another enterprise is :class:`NotFound`, exactly like an unknown number."""
    certificate = get_by_number(session, number)
    job = jobs_by_id(session, {certificate.job_id})[certificate.job_id]
    if enterprise_id is not None and job.enterprise_id != enterprise_id:
        raise NotFound(N_("No certificate has the number %(number)s."), number=normalise_number(number))
    return CertificateDetail(
        certificate=certificate,
        job=job,
        enterprise=job.enterprise,
        instrument=job.instrument,
        issued_by=session.get(User, certificate.issued_by_id),
        replaces=session.get(Certificate, certificate.replaces_id) if certificate.replaces_id else None,
        superseded_by=successor(session, certificate),
        chain=revision_chain(session, certificate),
        withdrawn_at=withdrawn_at(session, certificate),
    )


# --- stored files ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CertificateFile:
    number: str
    which: str
    data: bytes
    sha256: str
    content_type: str
    filename: str  # the exact name (Vietnamese letters kept); lims.web.downloads writes the header


def stored_file_for(
    session: Session, storage: Storage, certificate: Certificate, which: FileKind
) -> CertificateFile:
    """The issued PDF, DCC or the DCC's signature (``p7s``) exactly as stored, re-hashed against the
    SHA-256 recorded at issue (for the signature: in the storage catalogue).

    :class:`NotFound` when the certificate has no such file, :class:`~lims.services.common.storage.StoredFileCorrupt`
    when the stored bytes are not the ones issued (restore from a backup; never re-render)."""
    if which not in CONTENT_TYPES:
        raise NotFound()
    key, recorded = issued_file_key(storage, certificate, which)
    if not key or not recorded:
        raise NotFound(
            N_("Certificate %(number)s has no stored %(file)s file."), number=certificate.number, file=which
        )
    data = storage.get(key)
    digest = sha256_hex(data)
    if digest != recorded:
        raise StoredFileCorrupt(key=key)
    return CertificateFile(
        number=certificate.number,
        which=which,
        data=data,
        sha256=digest,
        content_type=CONTENT_TYPES[which],
        filename=f"{certificate.number}.{EXTENSIONS[which]}",
    )


# --- public verification ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublicVerification:
    """What anyone may learn of a certificate: nothing of the customer, nothing of the results.

    Without the certificate's verification code only the number, kind and status (``disclosed`` is
    False and the instrument, serial number and dates are ``None``): numbers are sequential, and the
    page must not let anyone list which instruments the laboratory has certified (issue 21, finding 8;
    :mod:`lims.services.certificates.verification_code`).
    """

    number: str
    kind: JobKind
    status: CertificateStatus
    superseded_by: str | None  # number of the certificate that replaces it
    disclosed: bool = False  # the right verification code was given
    issued_at: datetime | None = None
    instrument_type: str | None = None
    serial_number: str | None = None
    superseded_at: datetime | None = None
    withdrawn_at: datetime | None = None

    @property
    def current(self) -> bool:
        return self.status == CertificateStatus.VALID


def public_verification(
    session: Session, number: str, *, key: bytes = b"", code: str | None = None
) -> PublicVerification | None:
    """The public facts of a certificate, or ``None`` for an unknown or malformed number (the caller
    answers both the same way, so the page tells nothing about which numbers exist nearby).

    The instrument, serial number and dates only when ``code`` is the number's verification code under
    ``key`` (compared in constant time); a wrong code is answered exactly like no code, so the page is
    no oracle for guessing codes.
    """
    certificate = _find(session, number)
    if certificate is None:
        return None
    instrument = session.scalar(
        select(CustomerInstrument)
        .join(Job, Job.instrument_id == CustomerInstrument.id)
        .where(Job.id == certificate.job_id)
    )
    if instrument is None:
        return None
    nxt = successor(session, certificate) if certificate.status == CertificateStatus.SUPERSEDED else None
    facts = PublicVerification(
        number=certificate.number,
        kind=certificate.kind,
        status=certificate.status,
        superseded_by=nxt.number if nxt else None,
    )
    if not code_matches(key, certificate.number, code):
        return facts
    return replace(
        facts,
        disclosed=True,
        issued_at=certificate.issued_at,
        instrument_type=instrument.instrument_type,
        serial_number=instrument.serial_number,
        superseded_at=nxt.issued_at if nxt else None,
        withdrawn_at=withdrawn_at(session, certificate),
    )


class FileMatch(StrEnum):
    THIS_CERTIFICATE = "this"  # the file is the PDF issued under this number
    OTHER_REVISION = "other_revision"  # the PDF of another revision of the same certificate
    NO_MATCH = "no_match"  # not a file the laboratory issued under this certificate


@dataclass(frozen=True, slots=True)
class FileCheck:
    outcome: FileMatch
    sha256: str
    revision_number: str | None = None  # for OTHER_REVISION
    revision_status: CertificateStatus | None = None
    # The file's own digital signature, checked against the laboratory's trust roots (None: unsigned or
    # unreadable). It answers "was this file changed since it was signed, and by whom was it signed",
    # independently of the comparison with the stored file.
    signature: PdfSignatureReport | None = None


def check_pdf(
    session: Session,
    number: str,
    data: bytes,
    *,
    limit: int,
    name: str = "The file",
    trust_roots: Sequence[bytes] = (),
) -> FileCheck | None:
    """Compare an uploaded PDF with the issued file of certificate ``number`` and of its other revisions,
    and check its PAdES signature against ``trust_roots`` (DER certificates; :func:`certificates.signing.verify_pdf`).

    The file is checked by its content (:func:`~lims.services.common.storage.check_size`,
    :func:`~lims.services.common.storage.sniff_pdf` raise a :class:`~lims.errors.LimsError`) and never stored.
    ``None`` when the number is unknown (as :func:`public_verification`)."""
    certificate = _find(session, number)
    if certificate is None:
        return None
    check_size(data, limit=limit, name=name)
    sniff_pdf(data, name=name)
    digest = sha256_hex(data)
    signature = verify_pdf(data, trust_roots=trust_roots)
    if certificate.pdf_sha256 == digest:
        return FileCheck(FileMatch.THIS_CERTIFICATE, digest, signature=signature)
    for revision in revision_chain(session, certificate):
        if revision.id != certificate.id and revision.pdf_sha256 == digest:
            return FileCheck(FileMatch.OTHER_REVISION, digest, revision.number, revision.status, signature)
    return FileCheck(FileMatch.NO_MATCH, digest, signature=signature)

"""A caller's view of jobs and certificates: the customer portal's pages and the JSON API read them here.

Every query is narrowed by :mod:`lims.services.access.tenancy` (certificates through their job's enterprise), so
another enterprise's job, certificate or file is *not found*. The customer sees the job's state changes in
plain words with their dates, never the lab's internal comments or who did what.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from certificates.metrology import PointResult
from lims.errors import N_, NotFound
from lims.models import (
    Certificate,
    CertificateStatus,
    Job,
    JobState,
    JobTransition,
    Measurement,
    VerificationFailureNotice,
)
from lims.services.access.tenancy import Caller, get_scoped, scoped
from lims.services.common.notifications import customer_status, is_verification
from lims.services.common.pagination import Page, keyset_page
from lims.services.common.storage import Storage, StoredFileCorrupt, issued_file_key, sha256_hex
from lims.services.customers.permitted_use import failed_verifications

FileKind = Literal["pdf", "dcc", "p7s"]
CONTENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "dcc": "application/xml",
    "p7s": "application/pkcs7-signature",  # the DCC's detached signature
}
EXTENSIONS: dict[str, str] = {"pdf": "pdf", "dcc": "xml", "p7s": "xml.p7s"}
CERTIFICATE_STATUS: dict[str, str] = {
    CertificateStatus.VALID.value: N_("valid"),
    CertificateStatus.SUPERSEDED.value: N_("superseded"),
    CertificateStatus.WITHDRAWN.value: N_("withdrawn"),
}


def certificate_status(status: CertificateStatus | str) -> str:
    """The message id of a certificate's status."""
    return CERTIFICATE_STATUS.get(str(status), str(status))


def list_jobs(
    session: Session,
    user: Caller,
    *,
    state: JobState | None = None,
    after: int | None = None,
    size: int = 50,
) -> Page[Job]:
    """One keyset page of the jobs the caller may see (``state`` narrows them), newest first."""
    stmt = scoped(select(Job).options(selectinload(Job.instrument)), Job, user)
    if state is not None:
        stmt = stmt.where(Job.state == state)
    return keyset_page(session, stmt, Job.id, after=after, size=size)


def get_job(session: Session, user: Caller, job_id: int) -> Job:
    return get_scoped(session, Job, job_id, user)


def job_by_number(session: Session, user: Caller, number: str) -> Job:
    """The job numbered ``number`` if the caller may see it; :class:`~lims.errors.NotFound` otherwise."""
    found: Job | None = session.scalar(scoped(select(Job).where(Job.number == number), Job, user))
    if found is None:
        raise NotFound()
    return found


@dataclass(frozen=True, slots=True)
class StatusChange:
    at: datetime
    status: str  # message id of the plain-words status (lims.services.common.notifications.CUSTOMER_STATUS)


def history(session: Session, user: Caller, job_id: int) -> list[StatusChange]:
    """When the job reached each status the customer can read about (internal steps folded together)."""
    job = get_job(session, user, job_id)
    rows = session.execute(
        select(JobTransition.at, JobTransition.to_state)
        .where(JobTransition.job_id == job.id)
        .order_by(JobTransition.at, JobTransition.id)
    ).all()
    # Registered no later than its first recorded step: a job loaded or imported after its work began
    # (created_at is when the row was written) still reads in the order things happened.
    registered = min([job.created_at, *(at for at, _ in rows[:1])])
    changes = [StatusChange(registered, customer_status(JobState.REQUESTED))]
    failed = bool(failed_verifications(session, [job]))
    verification = is_verification(job)
    for at, to_state in rows:
        status = customer_status(to_state, failed, verification=verification)
        if status != changes[-1].status:
            changes.append(StatusChange(at, status))
    return changes


def list_certificates(
    session: Session,
    user: Caller,
    *,
    status: CertificateStatus | None = None,
    after: int | None = None,
    size: int = 50,
) -> Page[Certificate]:
    """One keyset page of the certificates issued for the jobs the caller may see (``status`` narrows
    them), newest first."""
    stmt = scoped(select(Certificate).join(Job, Job.id == Certificate.job_id), Job, user)
    if status is not None:
        stmt = stmt.where(Certificate.status == status)
    return keyset_page(session, stmt, Certificate.id, after=after, size=size)


def certificate_by_number(session: Session, user: Caller, number: str) -> tuple[Certificate, Job]:
    """The certificate numbered ``number`` and its job, if the caller may see them; else NotFound."""
    stmt = scoped(
        select(Certificate, Job).join(Job, Job.id == Certificate.job_id).where(Certificate.number == number),
        Job,
        user,
    )
    row = session.execute(stmt).first()
    if row is None:
        raise NotFound()
    return row[0], row[1]


def certificates_of_job(session: Session, user: Caller, job_id: int) -> list[Certificate]:
    job = get_job(session, user, job_id)
    return list(
        session.scalars(select(Certificate).where(Certificate.job_id == job.id).order_by(Certificate.id))
    )


def issued_results(session: Session, user: Caller, job_id: int) -> list[tuple[int, PointResult]]:
    """The job's point results, once a certificate states them (before issue the customer sees none)."""
    job = get_job(session, user, job_id)
    if job.state != JobState.ISSUED:
        return []
    rows = session.scalars(
        select(Measurement).where(Measurement.job_id == job.id).order_by(Measurement.point_index)
    )
    return [(m.point_index, point) for m in rows if (point := m.point) is not None]


def get_certificate(session: Session, user: Caller, certificate_id: int) -> Certificate:
    stmt = scoped(
        select(Certificate).join(Job, Job.id == Certificate.job_id).where(Certificate.id == certificate_id),
        Job,
        user,
    )
    found: Certificate | None = session.scalar(stmt)
    if found is None:
        raise NotFound()
    return found


@dataclass(frozen=True, slots=True)
class CertificateFile:
    data: bytes
    filename: str
    content_type: str


def certificate_file(
    session: Session, storage: Storage, user: Caller, certificate_id: int, kind: FileKind
) -> CertificateFile:
    """The stored bytes of the certificate's PDF or DCC (checked against their SHA-256 by the storage)."""
    if kind not in CONTENT_TYPES:
        raise NotFound()
    certificate = get_certificate(session, user, certificate_id)
    key, expected = issued_file_key(storage, certificate, kind)
    if not key:
        raise NotFound()
    data = storage.get(key)
    if expected and sha256_hex(data) != expected:
        raise StoredFileCorrupt(key=key)
    return CertificateFile(data, f"{certificate.number}.{EXTENSIONS[kind]}", CONTENT_TYPES[kind])


def failure_notice_of_job(session: Session, user: Caller, job_id: int) -> VerificationFailureNotice | None:
    """The notice of failed verification of a job the caller may see (NotFound for another enterprise's
    job; None when the job has none)."""
    job = get_job(session, user, job_id)
    found: VerificationFailureNotice | None = session.scalar(
        select(VerificationFailureNotice).where(VerificationFailureNotice.job_id == job.id)
    )
    return found


@dataclass(frozen=True, slots=True)
class NoticeFile:
    data: bytes
    filename: str
    content_type: str
    sha256: str


def failure_notice_file(session: Session, storage: Storage, user: Caller, job_id: int) -> NoticeFile | None:
    """The stored (signed) PDF of the job's notice of failed verification, checked against the SHA-256
    recorded at issue; None when the job has none."""
    notice = failure_notice_of_job(session, user, job_id)
    if notice is None:
        return None
    data = storage.get(notice.pdf_key)
    if sha256_hex(data) != notice.pdf_sha256:
        raise StoredFileCorrupt(key=notice.pdf_key)
    return NoticeFile(data, f"{notice.number}.pdf", "application/pdf", notice.pdf_sha256)

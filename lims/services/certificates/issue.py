"""Issuing certificates: number, content, files and the job's last transition, in one transaction.

:func:`issue_certificate` turns an *approved* job into an issued certificate (ISO/IEC 17025:2017 7.8): it
locks the counter of the certificate's kind and year and takes the next number of the configured pattern
(gap-free: a failure rolls the counter back with everything else), builds the frozen
:class:`certificates.data.CertificateData` from the job's records
(:func:`lims.services.certificates.data.build_certificate_data`), renders the PDF with the DCC embedded and
a sheet of labels (:func:`certificates.bundle.issue_files`), signs both PDFs (PAdES) and the DCC (a
detached CMS ``.p7s`` beside it) with the signatory's or the laboratory's key at the time of issue
(:mod:`certificates.signing`, :mod:`lims.services.certificates.signing_keys`), stores the four files
write-once with their SHA-256 (computed over the signed bytes: what is stored is what is served) (:mod:`lims.services.common.storage`), records the :class:`~lims.models.Certificate` row and moves the job
from ``approved`` to ``issued`` through the state machine. All of it happens inside one savepoint: when any
step fails, no row, no stored-file record and no number remain.

:func:`amend_certificate` issues a new revision with a new number that names the one it replaces
(7.8.8.2) and marks the old one superseded; :func:`withdraw_certificate` records the withdrawal and its
reason. Issued bytes are never regenerated: an amendment is a new document, and the replaced one keeps its
bytes (the public verification page shows its status).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from certificates.bundle import IssuedFiles, issue_files
from certificates.data import Amendment, CertificateData, Signatory
from certificates.labels import render_labels
from certificates.signing import SigningIdentity, SigningKeyError, sign_detached, sign_pdf
from lims.domain import workflow as wf
from lims.domain.legal.verification import add_months
from lims.domain.numbering import (
    NumberPattern,
)
from lims.errors import N_, LimsError, NotFound
from lims.models import (
    Certificate,
    CertificateStatus,
    ElectronicSignature,
    Job,
    JobKind,
    JobState,
    Role,
    StampBatch,
    User,
)
from lims.services.certificates import stamps
from lims.services.certificates.data import (
    IssueExtras,
    build_certificate_data,
    free_text,
    requirement_months,
    signatory_function,
)
from lims.services.certificates.errors import CertificateError
from lims.services.certificates.settings import CertificateSettings
from lims.services.certificates.signing_keys import SigningRefused, check_public_url, checked_identity
from lims.services.common.register_numbers import number_in_use, take_number
from lims.services.common.storage import Storage, detached_signature_key
from lims.services.jobs.jobs import apply_transition, check_version, get_job

ISSUERS = frozenset({Role.SIGNATORY, Role.ADMIN})
SIGNATURE_CONTENT_TYPE = "application/pkcs7-signature"  # RFC 5751 3.2.1: a detached CMS signature (.p7s)
REASON_MAX = 500


class CertificateNotPermitted(LimsError, PermissionError):
    template = N_("Only a signatory or the administrator may issue, amend or withdraw certificates.")


class CertificateNotFound(NotFound):
    template = N_("No certificate numbered %(number)s.")


# --------------------------------------------------------------------------------------------- numbers


def allocate_number(session: Session, kind: JobKind, pattern: NumberPattern, year: int) -> str:
    """The next number of ``kind`` in ``year`` under ``pattern``, without gaps.

    The counter row (kind, year — 0 when the pattern shows no year) is locked with ``SELECT … FOR UPDATE``
    (PostgreSQL; SQLite serialises writers), so concurrent issues wait for each other and never share a
    number; a rolled-back issue gives its number back. A number already taken (say, after the pattern was
    changed back and forth) is skipped only by raising: the caller sees it instead of a silent gap.
    """
    number = take_number(session, kind.value, pattern, year)
    if number_in_use(session, number) is not None:
        raise CertificateError(
            N_("Certificate number %(number)s is already used; check the number pattern and the counter."),
            number=number,
        )
    return number


# --------------------------------------------------------------------------------------------- issuing


def _require_issuer(actor: User) -> None:
    if actor.role not in ISSUERS:
        raise CertificateNotPermitted()


def _ascii(number: str) -> str:
    """An ASCII storage key stem for a certificate number (``KĐ-2026-00001`` → ``KD-2026-00001``)."""
    folded = unicodedata.normalize("NFKD", number.replace("Đ", "D").replace("đ", "d"))
    text = "".join(c for c in folded if c.isascii() and (c.isalnum() or c in "-_."))
    return text or "certificate"


def _store(storage: Storage, kind: JobKind, rendered: Rendered) -> dict[str, str]:
    files, labels = rendered.files, rendered.labels
    base = f"issued/{kind.value}/{_ascii(files.number)}-{files.pdf_sha256[:12]}"
    pdf = storage.put(f"{base}.pdf", files.pdf, "application/pdf")
    dcc = storage.put(f"{base}.dcc.xml", files.dcc, "application/xml")
    storage.put(detached_signature_key(dcc.key), rendered.dcc_signature, SIGNATURE_CONTENT_TYPE)
    sheet = storage.put(f"{base}.labels.pdf", labels, "application/pdf")
    if pdf.sha256 != files.pdf_sha256 or dcc.sha256 != files.dcc_sha256:
        raise CertificateError(N_("The stored files do not match what was rendered; nothing was issued."))
    return {
        "pdf_key": pdf.key,
        "pdf_sha256": pdf.sha256,
        "dcc_key": dcc.key,
        "dcc_sha256": dcc.sha256,
        "labels_key": sheet.key,
        "labels_sha256": sheet.sha256,
    }


def _approval(session: Session, job: Job) -> tuple[ElectronicSignature, User]:
    signature = session.scalar(
        select(ElectronicSignature)
        .where(ElectronicSignature.job_id == job.id)
        .order_by(ElectronicSignature.signed_at.desc(), ElectronicSignature.id.desc())
        .limit(1)
    )
    if signature is None:
        raise CertificateError(N_("Job %(number)s has no electronic signature."), number=job.number)
    signer = session.get(User, signature.signer_id)
    assert signer is not None
    return signature, signer


def _aware(moment: datetime, zone: tzinfo) -> datetime:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone)


def issue_certificate(
    session: Session,
    job_id: int,
    actor: User,
    *,
    storage: Storage,
    settings: CertificateSettings,
    stamp_number: str | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Certificate:
    """Issue the certificate of an approved job (see the module docstring); return its row.

    ``stamp_number`` is the verification stamp (tem) affixed to a verified instrument (required for
    verification jobs): it must be in the lab's stock and unused, and is recorded as affixed to this
    certificate. The validity runs from the verification date for the instrument type's verification cycle
    (:mod:`lims.domain.legal`), or a shorter ``verification_months`` of the job or procedure, minus one day.
    A verification also needs the lab's designation for the type and the officer's card
    (:mod:`lims.services.certificates.verification`).
    Refused, with nothing changed: a job that is not approved, an actor who is neither signatory nor
    administrator, a stale ``expected_version``, a number pattern without ``{seq}``, a failed verification,
    content the certificate cannot carry (named), a storage failure.
    """
    now = now or datetime.now(UTC)
    with session.begin_nested():
        job, extras, data, identity = _prepare(
            session, job_id, actor, settings, stamp_number, expected_version, now
        )
        rendered = _render(RenderJob(data, settings.software_release, identity, now))
        cert = _record(session, job, actor, extras, rendered, storage, now)
    return cert


def issue_batch(
    session: Session,
    job_ids: Sequence[int],
    actor: User,
    *,
    storage: Storage,
    settings: CertificateSettings,
    stamp_numbers: Mapping[int, str] | None = None,
    now: datetime | None = None,
    workers: int = 1,
) -> list[Certificate]:
    """Issue the certificates of several approved jobs in one transaction: all of them or none.

    Numbers are taken in the order of ``job_ids`` (the counter stays locked until the caller commits);
    the PDF, DCC and labels are rendered on ``workers`` processes when it is more than one (rendering is
    pure, see :mod:`certificates.bundle`), then stored and recorded here. ``stamp_numbers`` maps a
    verification job's id to its stamp number.
    """
    now = now or datetime.now(UTC)
    stamps = stamp_numbers or {}
    with session.begin_nested():
        prepared = [
            _prepare(session, job_id, actor, settings, stamps.get(job_id), None, now) for job_id in job_ids
        ]
        work = [
            RenderJob(data, settings.software_release, identity, now)
            for _job, _extras, data, identity in prepared
        ]
        if workers > 1 and len(work) > 1:
            from concurrent.futures import ProcessPoolExecutor

            with ProcessPoolExecutor(max_workers=workers) as pool:
                rendered = list(pool.map(_render, work, chunksize=max(1, len(work) // (workers * 8))))
        else:
            rendered = [_render(item) for item in work]
        return [
            _record(session, job, actor, extras, files, storage, now)
            for (job, extras, _data, _identity), files in zip(prepared, rendered, strict=True)
        ]


def _prepare(
    session: Session,
    job_id: int,
    actor: User,
    settings: CertificateSettings,
    stamp_number: str | None,
    expected_version: int | None,
    now: datetime,
) -> tuple[Job, IssueExtras, CertificateData, SigningIdentity]:
    """Check the job and the signing key, take its number, record the transition to issued and build the
    certificate's data."""
    zone = settings.timezone
    job = get_job(session, job_id)
    check_version(job, expected_version)
    if job.state != JobState.APPROVED:
        raise CertificateError(
            N_("Job %(number)s is %(state)s: only an approved job can be issued a certificate."),
            number=job.number,
            state=job.state.value,
        )
    _require_issuer(actor)
    pattern = settings.pattern(job.kind)
    if stamp_number is not None and job.kind != JobKind.VERIFICATION and stamp_number.strip():
        raise CertificateError(N_("Only verification certificates carry a stamp number."))
    signature, signer = _approval(session, job)
    identity = _signing_identity(settings, signer, now)
    issued_on = _aware(now, zone).date()
    stamp: tuple[int, int] | None = None
    if job.kind == JobKind.VERIFICATION and (stamp_number or "").strip():
        # From the lab's stock, unused (lims.services.certificates.stamps); affixed when the row is recorded.
        batch, stamp_no = stamps.take(session, stamp_number or "", on=issued_on)
        stamp, stamp_number = (batch.id, stamp_no), stamps.display(batch, stamp_no)
    number = allocate_number(session, job.kind, pattern, issued_on.year)
    apply_transition(session, job, wf.State.ISSUED, user=actor, comment=number, now=now)
    extras = IssueExtras(
        number,
        issued_on,
        Signatory(
            signature.printed_name,
            signatory_function(signer.function_title),
            _aware(signature.signed_at, zone),
            digitally_signed=True,
            timestamped=bool(identity.timestamp_url),
        ),
        stamp_number=(stamp_number or "").strip() or None,
        stamp=stamp,
    )
    data = build_certificate_data(session, job, extras, settings)
    if data.verification is not None:
        # The validity the certificate prints (from the type's cycle) is the one recorded.
        extras = replace(extras, valid_until=data.verification.valid_until)
    set_next_due(job, performed=job.measured_on or issued_on, valid_until=extras.valid_until)
    return job, extras, data, identity


def _signing_identity(settings: CertificateSettings, signer: User, now: datetime) -> SigningIdentity:
    """The checked key that signs for ``signer`` (see :mod:`lims.services.certificates.signing_keys`), and
    the public address the QR code will carry; refused before a number is taken."""
    check_public_url(settings.public_url, demo=settings.demo)
    return checked_identity(settings.signing, signer.username, at=_aware(now, UTC), zone=settings.timezone)


@dataclass(frozen=True, slots=True)
class RenderJob:
    """What rendering and signing one certificate needs (picklable: it is sent to worker processes)."""

    data: CertificateData
    software_release: str
    identity: SigningIdentity
    signed_at: datetime  # the time of issue: the signatures' signing time


@dataclass(frozen=True, slots=True)
class Rendered:
    files: IssuedFiles  # the PDF signed, its SHA-256 over the signed bytes
    labels: bytes  # the label sheet, signed
    dcc_signature: bytes  # detached CMS over the DCC's exact bytes


def _render(job: RenderJob) -> Rendered:
    """PDF with the DCC, the DCC, its signature and the labels of one certificate, signed (a pure function:
    runs in a worker)."""
    data = job.data
    files = issue_files(data, software_release=job.software_release)
    at = _aware(job.signed_at, UTC)
    reason = f"Phát hành giấy chứng nhận {data.number} / Issue of certificate {data.number}"
    location = f"{data.lab.name.vi}, {data.lab.address.city}"
    try:
        pdf = sign_pdf(files.pdf, job.identity, signing_time=at, reason=reason, location=location)
        labels = sign_pdf(
            render_labels(data), job.identity, signing_time=at, reason=reason, location=location
        )
        dcc_signature = sign_detached(files.dcc, job.identity, signing_time=at)
    except SigningKeyError as exc:
        raise SigningRefused(
            N_("The certificate could not be signed (%(reason)s). Nothing was issued."), reason=str(exc)
        ) from None
    signed = replace(files, pdf=pdf, pdf_sha256=hashlib.sha256(pdf).hexdigest())
    return Rendered(signed, labels, dcc_signature)


def set_next_due(job: Job, *, performed: date, valid_until: date | None) -> None:
    """The instrument's calibration dates after its certificate: calibrated when measured; next due at the
    end of the verification's validity, or after the interval the customer chose (job requirement
    ``recalibration_months``). Without either the customer's own next due date is kept."""
    instrument = job.instrument
    instrument.last_calibrated_on = performed
    months = None if valid_until is not None else requirement_months(job, "recalibration_months")
    if valid_until is not None:
        instrument.next_due_on = valid_until
    elif months:
        instrument.next_due_on = add_months(performed, months)
    instrument.updated_at = datetime.now(UTC)



def _record(
    session: Session,
    job: Job,
    actor: User,
    extras: IssueExtras,
    rendered: Rendered,
    storage: Storage,
    now: datetime,
    *,
    replaces: Certificate | None = None,
    reason: str | None = None,
) -> Certificate:
    """Store the rendered files write-once and add the certificate's row."""
    stored = _store(storage, job.kind, rendered)
    cert = Certificate(
        number=extras.number,
        job_id=job.id,
        kind=job.kind,
        status=CertificateStatus.VALID,
        revision=0 if replaces is None else replaces.revision + 1,
        replaces_id=None if replaces is None else replaces.id,
        amendment_reason=reason,
        issued_at=now,
        issued_by_id=actor.id,
        stamp_number=extras.stamp_number,
        valid_until=extras.valid_until,
        **stored,
    )
    session.add(cert)
    session.flush()
    if extras.stamp is not None and replaces is None:
        batch = session.get_one(StampBatch, extras.stamp[0])
        stamps.affix(session, batch, extras.stamp[1], cert, on=extras.issued_on, actor=actor)
    return cert


# --------------------------------------------------------------------------------------------- amendments


def get_certificate(session: Session, number: str) -> Certificate:
    """The certificate numbered ``number`` (NFC-normalised, surrounding spaces ignored)."""
    wanted = unicodedata.normalize("NFC", number.strip())
    cert = session.scalar(select(Certificate).where(Certificate.number == wanted))
    if cert is None:
        raise CertificateNotFound(number=wanted)
    return cert


def _reason(reason: str, what: str) -> str:
    text = unicodedata.normalize("NFC", (reason or "").strip())
    if not text:
        if what == "amend":
            raise CertificateError(N_("Give the reason for the amendment (ISO/IEC 17025 7.8.8)."))
        raise CertificateError(N_("Give the reason for the withdrawal."))
    if len(text) > REASON_MAX:
        raise CertificateError(N_("The reason is longer than %(limit)s characters."), limit=REASON_MAX)
    return text


def _require_current(cert: Certificate) -> None:
    if cert.status != CertificateStatus.VALID:
        raise CertificateError(
            N_("Certificate %(number)s is %(status)s: only a valid certificate can be amended or withdrawn."),
            number=cert.number,
            status=cert.status.value,
        )


def amend_certificate(
    session: Session,
    number: str,
    actor: User,
    reason: str,
    *,
    storage: Storage,
    settings: CertificateSettings,
    now: datetime | None = None,
) -> Certificate:
    """Issue the next revision of certificate ``number`` under a new number; the old one is superseded.

    The new certificate is built from the job's current records (so a corrected instrument or customer
    record is what it fixes), carries "Amendment N to <old number>" with the reason and the SHA-256 of the
    replaced PDF (ISO/IEC 17025:2017 7.8.8.2), and is authorised by ``actor`` at ``now``. The replaced
    certificate keeps its stored bytes; its status becomes ``superseded``.
    """
    now = now or datetime.now(UTC)
    zone = settings.timezone
    with session.begin_nested():
        old = get_certificate(session, number)
        _require_issuer(actor)
        text = _reason(reason, "amend")
        _require_current(old)
        identity = _signing_identity(settings, actor, now)
        job = get_job(session, old.job_id)
        issued_on = _aware(now, zone).date()
        new_number = allocate_number(session, old.kind, settings.pattern(old.kind), issued_on.year)
        extras = IssueExtras(
            new_number,
            issued_on,
            Signatory(
                actor.full_name,
                signatory_function(actor.function_title),
                _aware(now, zone),
                digitally_signed=True,
                timestamped=bool(identity.timestamp_url),
            ),
            stamp_number=old.stamp_number,
            valid_until=old.valid_until,
            amendment=Amendment(old.number, old.revision + 1, free_text(text), old.pdf_sha256 or ""),
        )
        data = build_certificate_data(session, job, extras, settings)
        rendered = _render(RenderJob(data, settings.software_release, identity, now))
        cert = _record(session, job, actor, extras, rendered, storage, now, replaces=old, reason=text)
        old.status = CertificateStatus.SUPERSEDED
        session.flush()
    return cert


def withdraw_certificate(
    session: Session, number: str, actor: User, reason: str, *, now: datetime | None = None
) -> Certificate:
    """Withdraw certificate ``number`` with its reason (7.8.8); its bytes stay stored and downloadable."""
    now = now or datetime.now(UTC)
    with session.begin_nested():
        cert = get_certificate(session, number)
        _require_issuer(actor)
        text = _reason(reason, "withdraw")
        _require_current(cert)
        cert.status = CertificateStatus.WITHDRAWN
        cert.withdrawal_reason = text
        cert.withdrawn_at = now
        cert.withdrawn_by_id = actor.id
        session.flush()
    return cert


# --------------------------------------------------------------------------------------------- reading


def certificates_of_job(session: Session, job_id: int) -> list[Certificate]:
    return list(
        session.scalars(select(Certificate).where(Certificate.job_id == job_id).order_by(Certificate.id))
    )


def list_certificates(session: Session, *, limit: int | None = None) -> list[Certificate]:
    """Every certificate, newest first."""
    query = select(Certificate).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    return list(session.scalars(query.limit(limit) if limit else query))


FORMATS = {"pdf": "pdf_key", "dcc": "dcc_key", "labels": "labels_key"}


def stored_bytes(storage: Storage, cert: Certificate, fmt: str) -> bytes:
    """The bytes stored at issue (``pdf``, ``dcc`` or ``labels``), checked against their SHA-256."""
    key = getattr(cert, FORMATS[fmt])
    if key is None:
        raise CertificateError(
            N_("Certificate %(number)s has no stored %(format)s file."), number=cert.number, format=fmt
        )
    return storage.get(key)


def summary(cert: Certificate) -> dict[str, Any]:
    """What ``lims certificate list --json`` prints for one certificate."""
    return {
        "number": cert.number,
        "kind": cert.kind.value,
        "status": cert.status.value,
        "revision": cert.revision,
        "job_id": cert.job_id,
        "issued_at": _aware(cert.issued_at, UTC).isoformat(),
        "pdf_sha256": cert.pdf_sha256,
        "dcc_sha256": cert.dcc_sha256,
        "stamp_number": cert.stamp_number,
        "valid_until": cert.valid_until.isoformat() if cert.valid_until else None,
    }

"""A failed verification (kiểm định không đạt): a notice instead of a certificate, and no stamp.

:func:`issue_failure_notice` turns an approved verification job whose results fail into a notice of failed
verification (PDF, :mod:`certificates.notice`) with the results and the requirement not met, numbered
``TB-KĐ-<year>-<seq>`` without gaps, signs it (PAdES, with the issuer's or the laboratory's key, like a
certificate: :mod:`certificates.signing`; a key that cannot sign refuses the notice), stores the signed
bytes write-once (their SHA-256 is the one recorded), and moves the job to ``issued``; the instrument is
not permitted for use (:mod:`lims.services.customers.permitted_use`, shown in the portal and the API) until a later verification passes, and the
customer is notified (in-app notification, in each reader's language). All of it in one savepoint: a
failure leaves no row, no number and no file record. Legal basis: Circular 23/2013/TT-BKHCN as amended
(verification results), Law on Metrology 04/2011/QH13 — cited from memory, see docs/verification.md.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from certificates.data import Text
from certificates.notice import FailureNotice, render_notice
from certificates.records import Customer, Item, Laboratory
from certificates.results import ResultSeries, Verdict
from certificates.signing import SigningKeyError, sign_pdf
from lims.domain import workflow as wf
from lims.errors import N_
from lims.models import (
    CertificateCounter,
    Job,
    JobKind,
    JobState,
    Lab,
    User,
    VerificationFailureNotice,
)
from lims.services.access import legal
from lims.services.certificates.data import address, free_text, result_series, signatory_function
from lims.services.certificates.errors import CertificateError
from lims.services.certificates.issue import ISSUERS, CertificateNotPermitted
from lims.services.certificates.settings import CertificateSettings
from lims.services.certificates.signing_keys import SigningRefused, checked_identity
from lims.services.common.notifications import notify
from lims.services.common.storage import Storage
from lims.services.jobs.jobs import apply_transition, check_version, get_job
from lims.services.jobs.points import measurements
from lims.services.jobs.procedures import domain_procedure

NOTICE_COUNTER = "failure_notice"
REQUIREMENT_MAX = 500


def _next_number(session: Session, year: int) -> str:
    counter = session.scalar(
        select(CertificateCounter)
        .where(CertificateCounter.kind == NOTICE_COUNTER, CertificateCounter.year == year)
        .with_for_update()
    )
    if counter is None:
        counter = CertificateCounter(kind=NOTICE_COUNTER, year=year, last_number=0)
        session.add(counter)
    counter.last_number += 1
    session.flush()
    return f"TB-KĐ-{year}-{counter.last_number:05d}"


def _failed_requirement(series: Sequence[ResultSeries], reference: str, extra: str) -> Text | None:
    """What the notice names as not met: the points the decision engine failed, the points it could make no
    statement on (U too large against the MPE for simple acceptance: not a pass, ILAC-G8:09/2019 4.2.1), and
    ``extra`` (a requirement the points do not show)."""
    points = [p for s in series for p in s.points]
    failed = [p for p in points if p.verdict in (Verdict.FAIL, Verdict.CONDITIONAL_FAIL)]
    unproven = [p for p in points if p.verdict is Verdict.NO_STATEMENT]
    vi_parts, en_parts = [], []
    if failed:
        where = ", ".join(f"{p.nominal.normalize():f} {p.unit}".replace(".", ",") for p in failed)
        vi_parts.append(f"Sai số vượt sai số lớn nhất cho phép theo {reference} tại: {where}")
        en_parts.append(f"Error beyond the maximum permissible error of {reference} at: {where}")
    if unproven:
        where = ", ".join(f"{p.nominal.normalize():f} {p.unit}".replace(".", ",") for p in unproven)
        vi_parts.append(
            f"Độ không đảm bảo đo quá lớn so với sai số lớn nhất cho phép để kết luận phù hợp tại: {where}"
        )
        en_parts.append(
            f"Uncertainty too large against the maximum permissible error to state conformity at: {where}"
        )
    if extra:
        vi_parts.append(extra)
        en_parts.append(extra)
    if not vi_parts:
        return None
    return Text("; ".join(vi_parts), "; ".join(en_parts))


def issue_failure_notice(
    session: Session,
    job_id: int,
    actor: User,
    *,
    storage: Storage,
    settings: CertificateSettings,
    requirement: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> VerificationFailureNotice:
    """Issue the notice of failed verification of an approved verification job (module docstring).

    ``requirement`` names a failed requirement the points do not show (e.g. an eccentricity test); it is
    required when no point failed. Refused with nothing changed: not a verification job, not approved, an
    actor who may not issue, results that pass (issue the certificate instead), no designation or card.
    """
    now = now or datetime.now(UTC)
    extra = unicodedata.normalize("NFC", (requirement or "").strip())
    if len(extra) > REQUIREMENT_MAX:
        raise CertificateError(N_("The reason is longer than %(limit)s characters."), limit=REQUIREMENT_MAX)
    with session.begin_nested():
        job = get_job(session, job_id)
        check_version(job, expected_version)
        if job.kind != JobKind.VERIFICATION:
            raise CertificateError(
                N_("Only a verification job can end with a notice of failed verification.")
            )
        if job.state != JobState.APPROVED:
            raise CertificateError(
                N_("Job %(number)s is %(state)s: only an approved job can be issued a notice."),
                number=job.number,
                state=job.state.value,
            )
        if actor.role not in ISSUERS:
            raise CertificateNotPermitted()
        # The key is checked before a number is taken: a key that cannot sign leaves nothing behind.
        identity = checked_identity(settings.signing, actor.username, at=now, zone=settings.timezone)
        notice, row = _build(session, job, actor, settings, extra, now)
        try:
            pdf = sign_pdf(
                render_notice(notice),
                identity,
                signing_time=now,
                reason=f"Thông báo kiểm định không đạt {row.number} / Notice of failed verification {row.number}",
                location=f"{notice.lab.name.vi}, {notice.lab.address.city}",
            )
        except SigningKeyError as exc:
            raise SigningRefused(
                N_("The notice could not be signed (%(reason)s). Nothing was issued."), reason=str(exc)
            ) from None
        stored = storage.put(
            f"issued/notice/{row.number.replace('Đ', 'D')}-{job.id}.pdf", pdf, "application/pdf"
        )
        row.pdf_key, row.pdf_sha256 = stored.key, stored.sha256
        session.add(row)
        apply_transition(session, job, wf.State.ISSUED, user=actor, comment=row.number, now=now)
        session.flush()
        notify(
            session,
            kind="verification_failed",
            msgid=N_(
                "Verification failed: %(instrument)s did not meet the requirements (notice %(number)s). "
                "It may not be used until it is repaired and passes verification."
            ),
            params={
                "number": row.number,
                "instrument": f"{job.instrument.instrument_type} {job.instrument.serial_number}",
            },
            link=("portal.job", {"job_id": job.id}),
            enterprise_id=job.enterprise_id,
            at=now,
        )
    return row


def _build(
    session: Session, job: Job, actor: User, settings: CertificateSettings, extra: str, now: datetime
) -> tuple[FailureNotice, VerificationFailureNotice]:
    assert job.procedure is not None
    proc = domain_procedure(job.procedure)
    rows = list(measurements(session, job.id).values())
    if not rows or any(not m.result or m.point is None for m in rows):
        raise CertificateError(N_("Job %(number)s has points without results."), number=job.number)
    series = result_series(rows, proc)
    issued_on = now.astimezone(settings.timezone).date()
    performed = job.measured_on or issued_on
    legal_type = legal.legal_type_of(job)
    designation = legal.require_designated(session, job.lab_id, legal_type.code, on=performed)
    officer_id = job.measured_by_id or job.technician_id
    officer = session.get(User, officer_id) if officer_id else None
    if officer is None:
        raise CertificateError(
            N_("Job %(number)s names no verification officer who performed it."), number=job.number
        )
    card = legal.require_officer(session, officer, legal_type.code, on=performed)
    reference = legal_type.procedure.reference
    failed = _failed_requirement(series, reference, extra)
    if failed is None:
        raise CertificateError(
            N_(
                "Job %(number)s passed at every point: issue the verification certificate, or name the "
                "requirement that was not met."
            ),
            number=job.number,
        )
    lab = session.get_one(Lab, job.lab_id)
    inst, ent = job.instrument, job.enterprise
    number = _next_number(session, issued_on.year)
    title = legal_type.procedure.title
    notice = FailureNotice(
        number=number,
        lab=Laboratory(
            Text(lab.name_vi, lab.name_en),
            address(lab.address),
            lab.email or "—",
            phone=lab.phone or "",
            designation=legal.designation_text(designation),
        ),
        customer=Customer(ent.name, address(ent.address, ent.province)),
        item=Item(
            free_text(inst.instrument_type),
            inst.manufacturer or "—",
            inst.serial_number,
            model=inst.model or "",
        ),
        instrument_type=Text(legal_type.name.vi, legal_type.name.en),
        procedure=Text(f"{reference} {title.vi}", f"{reference} {title.en}"),
        verified_on=performed,
        issued_on=issued_on,
        officer=officer.full_name,
        officer_card=legal.card_text(card),
        results=series,
        failed_requirement=failed,
        signatory=actor.full_name,
        signatory_function=signatory_function(actor.function_title),
    )
    row = VerificationFailureNotice(
        number=number,
        job_id=job.id,
        instrument_id=inst.id,
        failed_requirement=failed.vi,
        verified_on=performed,
        issued_at=now,
        issued_by_id=actor.id,
    )
    return notice, row


def notice_of_job(session: Session, job_id: int) -> VerificationFailureNotice | None:
    return session.scalar(select(VerificationFailureNotice).where(VerificationFailureNotice.job_id == job_id))

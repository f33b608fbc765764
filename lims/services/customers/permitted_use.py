"""Whether a customer's instrument is permitted for use after legal verification.

An instrument whose latest verification ended with a notice of failed verification (no certificate, no
stamp) may not be used until a later verification passes (Law on Metrology 04/2011/QH13 — from memory).
Derived from the records, never stored as a flag: the latest notice against the latest verification
certificate of the instrument.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.models import (
    Certificate,
    CertificateStatus,
    Job,
    JobKind,
    JobState,
    VerificationFailureNotice,
)
from lims.services.jobs.outcome import failing_verifications


def not_permitted_since(session: Session, instrument_ids: Iterable[int]) -> dict[int, date]:
    """Instrument id → date of the failed verification, for those of ``instrument_ids`` not permitted."""
    ids = sorted(set(instrument_ids))
    if not ids:
        return {}
    notices = session.execute(
        select(
            VerificationFailureNotice.instrument_id,
            VerificationFailureNotice.issued_at,
            VerificationFailureNotice.verified_on,
        )
        .where(VerificationFailureNotice.instrument_id.in_(ids))
        .order_by(VerificationFailureNotice.issued_at)
    ).all()
    if not notices:
        return {}
    latest_notice = {row.instrument_id: row for row in notices}  # ordered: the last one wins
    # A Result has keys(): dict() would read it as a mapping, hence the list of tuples.
    passed = dict(
        session.execute(
            select(Job.instrument_id, func.max(Certificate.issued_at))
            .select_from(Certificate)
            .join(Job, Job.id == Certificate.job_id)
            .where(
                Job.instrument_id.in_(list(latest_notice)),
                Certificate.kind == JobKind.VERIFICATION,
                Certificate.status != CertificateStatus.WITHDRAWN,
            )
            .group_by(Job.instrument_id)
        )
        .tuples()
        .all()
    )
    return {
        inst: row.verified_on
        for inst, row in latest_notice.items()
        if passed.get(inst) is None or passed[inst] < row.issued_at
    }


def jobs_with_failure_notice(session: Session, job_ids: Iterable[int]) -> set[int]:
    """Those of ``job_ids`` that ended with a notice of failed verification: issued, but with no certificate,
    so no page may call them "certificate issued" (one query for a page of jobs)."""
    ids = sorted(set(job_ids))
    if not ids:
        return set()
    return set(
        session.scalars(
            select(VerificationFailureNotice.job_id).where(VerificationFailureNotice.job_id.in_(ids))
        )
    )


def failed_verifications(session: Session, jobs: Iterable[Job]) -> set[int]:
    """The ids of ``jobs`` a customer reads as failed verifications: issued with a notice of failed
    verification, or approved with failing results (the notice is being prepared, not a certificate)."""
    listed = list(jobs)
    approved = [j.id for j in listed if j.state == JobState.APPROVED]
    return jobs_with_failure_notice(session, [j.id for j in listed]) | failing_verifications(
        session, approved
    )

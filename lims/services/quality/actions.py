"""Decisions that act: record a decision and redraft the notices; amend or withdraw from the decision.

An amendment or withdrawal started from a decision (ISO/IEC 17025:2017 7.10.1 and 7.8.8) is linked both
ways: the decision keeps the certificate issued or withdrawn (``result_certificate_id``) and the
certificate's page lists the records whose decisions name it (:func:`nonconformity.records_citing`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from lims.domain import nonconformity as nc
from lims.errors import N_, NotFound
from lims.models import Certificate, NcDecision, User
from lims.services.certificates import issue
from lims.services.certificates.settings import CertificateSettings
from lims.services.common.storage import Storage
from lims.services.quality import nonconformity as records
from lims.services.quality.notices import regenerate


def decide(
    session: Session, nc_id: int, *, usage_ref: str, decision: str, reason: str, decided_by_id: int | None
) -> NcDecision:
    """Record the decision, redraft the customers' notices from the decisions, move the record's state."""
    row = records.record_decision(
        session, nc_id, usage_ref=usage_ref, decision=decision, reason=reason, decided_by_id=decided_by_id
    )
    regenerate(session, nc_id)
    records.refresh_state(session, nc_id)
    return row


def _require_reason(reason: str) -> None:
    if not reason.strip():
        raise records.NcError(N_("Give the reason for the amendment or withdrawal."))


def _decision(
    session: Session, decision_id: int, wanted: nc.Decision, nc_id: int | None
) -> tuple[NcDecision, Certificate]:
    row = session.get(NcDecision, decision_id)
    if row is None or (nc_id is not None and row.nc_id != nc_id):
        raise NotFound()
    if row.decision != wanted.value:
        raise records.NcError(N_("The decision for this job is not to do that."))
    if row.result_certificate_id is not None:
        raise records.NcError(N_("This decision has already been carried out."))
    # the job's current certificate: if it was amended since the decision, the new revision is the one acted on
    cert = records.current_certificates(session, [row.job_id]).get(row.job_id) if row.job_id else None
    if cert is not None and cert.id != row.certificate_id:
        row.certificate_id = cert.id
    if cert is None:
        raise records.NcError(
            N_("No certificate was issued for this job: there is nothing to amend or withdraw.")
        )
    record = records.get_record(session, row.nc_id)
    if record.state == nc.NcState.CLOSED:
        raise records.NcError(N_("The record is closed."))
    return row, cert


def amend_from_decision(
    session: Session,
    decision_id: int,
    actor: User,
    reason: str,
    *,
    storage: Storage,
    settings: CertificateSettings,
    now: datetime | None = None,
    nc_id: int | None = None,
) -> Certificate:
    """Issue the amendment the decision asks for; the decision and the amendment point at each other.
    ``nc_id``, when given, is the record the decision must belong to (the page's address)."""
    _require_reason(reason)
    row, cert = _decision(session, decision_id, nc.Decision.AMEND, nc_id)
    record = records.get_record(session, row.nc_id)
    new = issue.amend_certificate(
        session, cert.number, actor, f"{record.number}: {reason}", storage=storage, settings=settings, now=now
    )
    row.result_certificate_id = new.id
    session.flush()
    regenerate(session, row.nc_id)
    records.refresh_state(session, row.nc_id)
    return new


def withdraw_from_decision(
    session: Session,
    decision_id: int,
    actor: User,
    reason: str,
    *,
    now: datetime | None = None,
    nc_id: int | None = None,
) -> Certificate:
    """Withdraw the certificate the decision names, with the record's number in the reason."""
    _require_reason(reason)
    row, cert = _decision(session, decision_id, nc.Decision.WITHDRAW, nc_id)
    record = records.get_record(session, row.nc_id)
    withdrawn = issue.withdraw_certificate(session, cert.number, actor, f"{record.number}: {reason}", now=now)
    row.result_certificate_id = withdrawn.id
    session.flush()
    regenerate(session, row.nc_id)
    records.refresh_state(session, row.nc_id)
    return withdrawn

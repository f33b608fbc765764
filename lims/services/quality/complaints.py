"""Complaints (ISO/IEC 17025:2017 7.9, from memory): received from the customer portal or recorded by staff,
acknowledged, investigated, answered to the complainant, closed; linked to a nonconforming-work record when
the investigation finds nonconforming work (7.9.6 → 7.10). The customer sees each step in the portal and
in the notification bell.

States: ``received`` → ``acknowledged`` → ``investigating`` → ``answered`` → ``closed``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.errors import N_, NotFound
from lims.models import LAB_AUDIENCE, Complaint, Enterprise, Job, NonconformingWork, Role, User
from lims.services.common.notifications import notify
from lims.services.quality.nonconformity import NcError, NcInput, open_record

STATES = ("received", "acknowledged", "investigating", "answered", "closed")
CHANNELS = ("portal", "phone", "email", "letter", "visit")
STATE_WORDS = {  # what the customer reads, in plain words (message ids)
    "received": N_("received"),
    "acknowledged": N_("acknowledged by the laboratory"),
    "investigating": N_("being investigated"),
    "answered": N_("answered"),
    "closed": N_("closed"),
}


def _nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", text or "").strip()


def _number(session: Session, year: int) -> str:
    prefix = f"KN-{year}-"
    last = session.scalar(select(func.max(Complaint.number)).where(Complaint.number.like(prefix + "%")))
    return f"{prefix}{int(last[len(prefix) :]) + 1 if last else 1:03d}"


@dataclass(frozen=True, slots=True)
class ComplaintInput:
    subject: str
    description: str
    complainant: str = ""
    channel: str = "portal"
    enterprise_id: int | None = None
    job_number: str = ""


def _tell_customer(session: Session, complaint: Complaint) -> None:
    if complaint.enterprise_id is None:
        return
    notify(
        session,
        kind="complaint",
        msgid=N_("Complaint %(number)s: %(status)s."),
        params={"number": complaint.number, "status": STATE_WORDS[complaint.state]},
        translated=("status",),
        link=("portal.complaints_page", {}),
        enterprise_id=complaint.enterprise_id,
    )


def submit(session: Session, data: ComplaintInput, *, by: User, today: date) -> Complaint:
    """A complaint from a customer (portal: their enterprise, their name) or recorded by lab staff."""
    subject, description = _nfc(data.subject), _nfc(data.description)
    if not subject:
        raise NcError(N_("Give the complaint a subject."))
    if not description:
        raise NcError(N_("Describe the complaint."))
    if by.role == Role.CUSTOMER:
        enterprise_id, complainant, channel = by.enterprise_id, by.full_name, "portal"
    else:
        enterprise_id, complainant, channel = data.enterprise_id, _nfc(data.complainant), data.channel
        if not complainant:
            raise NcError(N_("Name the complainant."))
        if channel not in CHANNELS:
            raise NcError(N_("Choose how the complaint was received."))
        if enterprise_id is not None and session.get(Enterprise, enterprise_id) is None:
            raise NotFound()
    job_id = None
    if _nfc(data.job_number):
        job = session.scalar(select(Job).where(Job.number == _nfc(data.job_number)))
        if job is None or (enterprise_id is not None and job.enterprise_id != enterprise_id):
            raise NcError(N_("No job of yours has the number %(number)s."), number=_nfc(data.job_number)[:50])
        job_id = job.id
    complaint = Complaint(
        number=_number(session, today.year),
        enterprise_id=enterprise_id,
        job_id=job_id,
        complainant=complainant[:200],
        channel=channel,
        subject=subject[:200],
        description=description,
        state="received",
        received_on=today,
        submitted_by_id=by.id,
    )
    session.add(complaint)
    session.flush()
    notify(
        session,
        kind="complaint",
        msgid=N_("New complaint %(number)s from %(who)s: %(subject)s"),
        params={"number": complaint.number, "who": complainant, "subject": complaint.subject},
        link=("nc.complaint", {"complaint_id": complaint.id}),
        audience=LAB_AUDIENCE,
    )
    return complaint


def get(session: Session, complaint_id: int, *, enterprise_id: int | None = None) -> Complaint:
    """The complaint; with ``enterprise_id`` only that enterprise's own (tenant isolation)."""
    complaint = session.get(Complaint, complaint_id)
    if complaint is None or (enterprise_id is not None and complaint.enterprise_id != enterprise_id):
        raise NotFound()
    return complaint


def _step(complaint: Complaint, expected: str) -> None:
    if complaint.state != expected:
        raise NcError(N_("This step does not follow from the complaint's present state."))


def acknowledge(session: Session, complaint_id: int, *, by: User, now: datetime | None = None) -> Complaint:
    complaint = get(session, complaint_id)
    _step(complaint, "received")
    complaint.state, complaint.acknowledged_at, complaint.handled_by_id = (
        "acknowledged",
        now or datetime.now(UTC),
        by.id,
    )
    session.flush()
    _tell_customer(session, complaint)
    return complaint


def investigate(
    session: Session, complaint_id: int, *, findings: str, nonconforming: bool, by: User, today: date
) -> NonconformingWork | None:
    """Record the investigation; when it is nonconforming work, open the record (trigger "complaint")."""
    complaint = get(session, complaint_id)
    _step(complaint, "acknowledged")
    text = _nfc(findings)
    if not text:
        raise NcError(N_("Write what the investigation found."))
    complaint.investigation, complaint.state, complaint.handled_by_id = text, "investigating", by.id
    session.flush()
    _tell_customer(session, complaint)
    if not nonconforming:
        return None
    return open_record(
        session,
        NcInput(
            trigger="complaint",
            description=f"{complaint.number}: {complaint.subject} — {text}"[:4000],
            found_on=today,
            job_id=complaint.job_id,
            complaint_id=complaint.id,
            opened_by_id=by.id,
        ),
        today=today,
    )


def answer(
    session: Session, complaint_id: int, *, text: str, by: User, now: datetime | None = None
) -> Complaint:
    complaint = get(session, complaint_id)
    _step(complaint, "investigating")
    reply = _nfc(text)
    if not reply:
        raise NcError(N_("Write the answer to the complainant."))
    complaint.answer, complaint.answered_at, complaint.state = reply, now or datetime.now(UTC), "answered"
    complaint.handled_by_id = by.id
    session.flush()
    _tell_customer(session, complaint)
    return complaint


def close(session: Session, complaint_id: int, *, by: User) -> Complaint:
    complaint = get(session, complaint_id)
    _step(complaint, "answered")
    complaint.state, complaint.handled_by_id = "closed", by.id
    session.flush()
    _tell_customer(session, complaint)
    return complaint


def list_complaints(
    session: Session, *, enterprise_id: int | None = None, limit: int = 500
) -> list[Complaint]:
    stmt = select(Complaint).order_by(Complaint.id.desc()).limit(limit)
    if enterprise_id is not None:
        stmt = stmt.where(Complaint.enterprise_id == enterprise_id)
    return list(session.scalars(stmt))


def record_of(session: Session, complaint_id: int) -> NonconformingWork | None:
    return session.scalar(select(NonconformingWork).where(NonconformingWork.complaint_id == complaint_id))

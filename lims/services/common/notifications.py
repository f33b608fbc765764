"""In-app notifications: who reads what, unread counts, marking as read.

A notification is stored as an English message id (``N_``) and its parameters, never as rendered text, so
each reader sees it in their own language. It is addressed to one user, to every customer user of one
enterprise, or to the lab's request handlers (:data:`LAB_HANDLERS`). A calendar date among the parameters
is stored as ``{"date": "2026-11-24"}`` (:func:`stored_param`), so that the reader's page writes it in their
language (lims.localtime) rather than one language's text being frozen into the row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import Session

from lims.errors import N_, NotFound
from lims.models import (
    LAB_AUDIENCE,
    Job,
    JobKind,
    JobState,
    Notification,
    NotificationRead,
    Role,
    User,
    VerificationFailureNotice,
)
from lims.services.common.pagination import Page, keyset_page

# Lab roles that receive the lab's notifications (a new customer request…).
LAB_HANDLERS = frozenset({Role.ADMIN, Role.REVIEWER, Role.TECHNICIAN})

# A job's state in plain words for the customer (one phrase may cover several internal states).
CUSTOMER_STATUS: dict[JobState, str] = {
    JobState.REQUESTED: N_("registered, waiting for the instrument"),
    JobState.RECEIVED: N_("received at the lab"),
    JobState.IN_PROGRESS: N_("being calibrated"),
    JobState.MEASURED: N_("results being checked"),
    JobState.REVIEWED: N_("results being checked"),
    JobState.APPROVED: N_("approved, certificate being prepared"),
    JobState.ISSUED: N_("certificate issued"),
    JobState.ON_HOLD: N_("on hold"),
    JobState.REJECTED: N_("not accepted"),
    JobState.CANCELLED: N_("cancelled"),
}


#: An issued job that ended with a notice of failed verification (issue 17): no certificate was issued.
FAILED_VERIFICATION_STATUS = N_("verification failed: notice issued, no certificate")
#: The approval of such a job, read afterwards: it prepared the notice, not a certificate.
FAILED_VERIFICATION_APPROVED = N_("approved, notice of failed verification being prepared")
#: A verification (kiểm định) is verified, not calibrated: the words that differ for a verification job.
VERIFICATION_STATUS: dict[JobState, str] = {JobState.IN_PROGRESS: N_("being verified")}


def customer_status(
    state: JobState | str, failed_verification: bool = False, *, verification: bool = False
) -> str:
    """The message id of a job state in plain words; ``failed_verification`` for a job whose notice of failed
    verification was issued (:func:`lims.services.customers.permitted_use.jobs_with_failure_notice`),
    ``verification`` for a verification job (not a calibration)."""
    if failed_verification and JobState(state) == JobState.ISSUED:
        return FAILED_VERIFICATION_STATUS
    if failed_verification and JobState(state) == JobState.APPROVED:
        return FAILED_VERIFICATION_APPROVED
    if verification and JobState(state) in VERIFICATION_STATUS:
        return VERIFICATION_STATUS[JobState(state)]
    return CUSTOMER_STATUS.get(JobState(state), str(state))


def stored_param(value: Any) -> Any:
    """A parameter as the notification stores it: a calendar date tagged, anything else as it is.

    >>> stored_param(date(2026, 11, 24)), stored_param("HC-2026-00001")
    ({'date': '2026-11-24'}, 'HC-2026-00001')
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        return {"date": value.isoformat()}
    return value


def is_verification(job: Job) -> bool:
    """Whether the job is a verification (its customer status reads "being verified", not "being calibrated")."""
    return JobKind(job.kind) == JobKind.VERIFICATION


def notify(
    session: Session,
    *,
    kind: str,
    msgid: str,
    params: Mapping[str, Any] | None = None,
    translated: Sequence[str] = (),
    link: tuple[str, Mapping[str, Any]] | None = None,
    user_id: int | None = None,
    enterprise_id: int | None = None,
    audience: str | None = None,
    at: datetime | None = None,
) -> Notification:
    """Store one notification for exactly one of: a user, an enterprise's customers, or an audience;
    ``at`` dates it at the event it tells of (the workflow's ``now``), else now."""
    if sum(x is not None for x in (user_id, enterprise_id, audience)) != 1:
        raise ValueError("a notification has exactly one kind of recipient")
    row = Notification(
        user_id=user_id,
        enterprise_id=enterprise_id,
        audience=audience,
        kind=kind,
        msgid=msgid,
        params={name: stored_param(value) for name, value in (params or {}).items()},
        translated_params=list(translated),
        link_endpoint=link[0] if link else None,
        link_args=dict(link[1]) if link else {},
    )
    if at is not None:
        row.created_at = at
    session.add(row)
    session.flush()
    return row


def _branches(user: User) -> list[ColumnElement[bool]]:
    """The disjoint ways a notification reaches the user (a row has exactly one kind of recipient)."""
    clauses: list[ColumnElement[bool]] = [Notification.user_id == user.id]
    if user.role == Role.CUSTOMER and user.enterprise_id is not None:
        clauses.append(Notification.enterprise_id == user.enterprise_id)
    if user.role in LAB_HANDLERS:
        clauses.append(Notification.audience == LAB_AUDIENCE)
    return clauses


def _addressed_to(user: User) -> ColumnElement[bool]:
    return or_(*_branches(user))


def _unread(user_id: int) -> ColumnElement[bool]:
    return ~exists().where(
        NotificationRead.notification_id == Notification.id, NotificationRead.user_id == user_id
    )


def unread_count(session: Session, user: User, *, recent: int | None = None) -> int:
    """How many notifications the user has not read; with ``recent``, among their ``recent`` newest only.

    Counted per kind of recipient, so each count walks one index (``(user_id, id)``, ``(enterprise_id, id)``,
    ``(audience, id)``). The bell passes ``recent``: its cost is then bounded whatever the history holds.
    """
    counts = []
    for branch in _branches(user):
        ids = select(Notification.id).where(branch)
        if recent is not None:
            ids = ids.order_by(Notification.id.desc()).limit(recent)
        window = ids.subquery()
        unread = ~exists().where(
            NotificationRead.notification_id == window.c.id, NotificationRead.user_id == user.id
        )
        counts.append(select(func.count()).select_from(window).where(unread).scalar_subquery())
    # One statement (the bell is on every page: one round trip, not one per kind of recipient).
    return sum(int(n or 0) for n in session.execute(select(*counts)).one())


@dataclass(frozen=True, slots=True)
class Listed:
    notification: Notification
    read_at: datetime | None


def list_for(
    session: Session, user: User, *, unread_only: bool = False, after: int | None = None, size: int = 50
) -> Page[Listed]:
    """One keyset page of the user's notifications, newest first, each with when the user read it."""
    stmt = select(Notification).where(_addressed_to(user))
    if unread_only:
        stmt = stmt.where(_unread(user.id))
    page = keyset_page(session, stmt, Notification.id, after=after, size=size)
    ids = [n.id for n in page.items]
    read = (
        dict(
            session.execute(
                select(NotificationRead.notification_id, NotificationRead.read_at).where(
                    NotificationRead.user_id == user.id, NotificationRead.notification_id.in_(ids)
                )
            )
            .tuples()
            .all()
        )
        if ids
        else {}
    )
    return Page([Listed(n, read.get(n.id)) for n in page.items], page.next_after, page.size)


def get_for(session: Session, user: User, notification_id: int) -> Notification:
    """The notification if it is addressed to the user; :class:`NotFound` otherwise."""
    found = session.scalar(
        select(Notification).where(Notification.id == notification_id, _addressed_to(user))
    )
    if found is None:
        raise NotFound()
    return found


def mark_read(
    session: Session, user: User, notification_ids: Iterable[int], *, now: datetime | None = None
) -> int:
    """Mark the given notifications (addressed to the user, not yet read) as read; how many were marked."""
    wanted = sorted(set(notification_ids))
    if not wanted:
        return 0
    stmt = select(Notification.id).where(Notification.id.in_(wanted), _addressed_to(user), _unread(user.id))
    ids = list(session.scalars(stmt))
    at = now or datetime.now(UTC)
    session.add_all(NotificationRead(notification_id=i, user_id=user.id, read_at=at) for i in ids)
    session.flush()
    return len(ids)


def mark_all_read(session: Session, user: User, *, now: datetime | None = None) -> int:
    stmt = select(Notification.id).where(_addressed_to(user), _unread(user.id))
    return mark_read(session, user, list(session.scalars(stmt)), now=now)


def job_state_changed(
    session: Session,
    job: Job,
    before: JobState,
    after: JobState,
    *,
    now: datetime | None = None,
    failing: bool = False,
) -> Notification | None:
    """Tell the job's enterprise, in plain words, when what they would read about their job changes
    (dated ``now``, the transition's instant). ``failing``: a verification approved with failing results
    (:func:`lims.services.jobs.outcome.failing_verifications`, told by the caller): it ends with a notice of
    failed verification, not a certificate, and the approval says so."""
    verification = is_verification(job)
    failing = failing and verification and JobState(after) == JobState.APPROVED
    status = customer_status(after, failing, verification=verification)
    if customer_status(before, verification=verification) == status:
        return None
    if after == JobState.ISSUED and session.scalar(
        select(VerificationFailureNotice.id).where(VerificationFailureNotice.job_id == job.id)
    ):
        return None  # no certificate: the notice of failed verification tells them (certificates.failure)
    return notify(
        session,
        kind="job_state",
        msgid=N_("Job %(number)s (%(instrument)s): %(status)s."),
        params={
            "number": job.number,
            "instrument": f"{job.instrument.instrument_type} {job.instrument.serial_number}",
            "status": status,
        },
        translated=("status",),
        link=("portal.job", {"job_id": job.id}),
        enterprise_id=job.enterprise_id,
        at=now,
    )

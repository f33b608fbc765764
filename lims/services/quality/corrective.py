"""Corrective action (ISO/IEC 17025:2017 8.7): root cause, actions, owner, due date, effectiveness review.

States: ``open`` (actions being taken) → ``review`` (actions done, effectiveness to be reviewed) →
``closed`` (reviewed effective). A review that finds the actions not effective sends it back to ``open``
(8.7.1 e, from memory: "review the effectiveness of any corrective action taken").
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.errors import N_, NotFound
from lims.models import CorrectiveAction, NonconformingWork, Role, User
from lims.services.quality.nonconformity import NcError, get_record

OPEN, REVIEW, CLOSED = "open", "review", "closed"
OWNER_ROLES = (Role.ADMIN, Role.TECHNICIAN, Role.REVIEWER, Role.SIGNATORY)


def _nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", text or "").strip()


@dataclass(frozen=True, slots=True)
class ActionInput:
    nc_id: int
    root_cause: str
    actions: str
    owner_id: int | None
    due_on: date | None


def possible_owners(session: Session) -> list[User]:
    return list(
        session.scalars(
            select(User).where(User.role.in_(OWNER_ROLES), User.is_active.is_(True)).order_by(User.full_name)
        )
    )


def open_action(session: Session, data: ActionInput, *, today: date) -> CorrectiveAction:
    record = get_record(session, data.nc_id)
    if record.state == "closed":
        raise NcError(N_("The record is closed."))
    cause, actions = _nfc(data.root_cause), _nfc(data.actions)
    if not cause:
        raise NcError(N_("Write the root cause."))
    if not actions:
        raise NcError(N_("Write the actions to take."))
    owner = session.get(User, data.owner_id) if data.owner_id is not None else None
    if owner is None or owner.role not in OWNER_ROLES or not owner.is_active:
        raise NcError(N_("Choose who owns the action among the lab's staff."))
    if data.due_on is None or data.due_on < today:
        raise NcError(N_("Give a due date from today on."))
    action = CorrectiveAction(
        nc_id=record.id, root_cause=cause, actions=actions, owner_id=owner.id, due_on=data.due_on, state=OPEN
    )
    session.add(action)
    session.flush()
    return action


def _get(session: Session, action_id: int, nc_id: int | None = None) -> CorrectiveAction:
    action = session.get(CorrectiveAction, action_id)
    if action is None or (nc_id is not None and action.nc_id != nc_id):
        raise NotFound()
    return action


def actions_done(session: Session, action_id: int, *, by: User, nc_id: int | None = None) -> CorrectiveAction:
    action = _get(session, action_id, nc_id)
    if action.state != OPEN:
        raise NcError(N_("Only an open corrective action can be marked done."))
    action.state = REVIEW
    session.flush()
    return action


def review(
    session: Session,
    action_id: int,
    *,
    effective: bool,
    text: str,
    by: User,
    today: date,
    nc_id: int | None = None,
) -> CorrectiveAction:
    """Record the effectiveness review: effective closes the action; not effective reopens it."""
    action = _get(session, action_id, nc_id)
    if action.state != REVIEW:
        raise NcError(N_("The actions must be done before their effectiveness is reviewed."))
    finding = _nfc(text)
    if not finding:
        raise NcError(N_("Write what the effectiveness review found."))
    action.effectiveness = finding
    action.effective = effective
    action.reviewed_on = today
    if effective:
        action.state = CLOSED
        action.closed_at = datetime.now(UTC)
        action.closed_by_id = by.id
    else:
        action.state = OPEN
    session.flush()
    return action


def overdue(session: Session, *, today: date) -> list[tuple[CorrectiveAction, NonconformingWork]]:
    """Corrective actions not closed whose due date has passed, oldest due first (the dashboard's list)."""
    rows = session.execute(
        select(CorrectiveAction, NonconformingWork)
        .join(NonconformingWork, NonconformingWork.id == CorrectiveAction.nc_id)
        .where(CorrectiveAction.state != CLOSED, CorrectiveAction.due_on < today)
        .order_by(CorrectiveAction.due_on, CorrectiveAction.id)
    ).all()
    return [(r[0], r[1]) for r in rows]

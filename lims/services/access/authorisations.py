"""Personnel authorisations in the database (ISO/IEC 17025:2017 6.2.5–6.2.6) and the checks jobs make."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.domain import authorisation as da
from lims.errors import N_, LimsError, NotFound
from lims.models import PersonnelAuthorisation, User


class AuthorisationRefused(LimsError, PermissionError):
    """A person is not authorised for the procedure on that date; ``reason`` is the domain's explanation."""

    template = N_("Not authorised: %(reason)s")

    def __init__(self, refusal: da.NotAuthorised | None = None, /, **params: Any) -> None:
        # The domain's refusal is kept whole, so that pages word it in the reader's language.
        self.refusal = refusal
        if refusal is not None:
            params.setdefault("reason", str(refusal))
        super().__init__(None, **params)


class InvalidAuthorisation(LimsError, ValueError):
    template = N_("The authorisation could not be saved: %(reason)s")


@dataclass(frozen=True, slots=True)
class Grant:
    user_id: int
    procedure_code: str
    role: da.AuthorisedRole
    granted_on: date
    evidence: str
    expires_on: date | None = None
    granted_by_id: int | None = None


def _domain(row: PersonnelAuthorisation, person: str) -> da.Authorisation:
    return da.Authorisation(
        person,
        row.procedure_code,
        da.AuthorisedRole(row.role),
        row.granted_on,
        row.evidence,
        expires_on=row.expires_on,
        revoked_on=row.revoked_on,
    )


def grant(session: Session, data: Grant) -> PersonnelAuthorisation:
    """Record an authorisation; the evidence is required and the expiry may not precede the grant."""
    user = session.get(User, data.user_id)
    if user is None:
        raise NotFound()
    try:
        da.Authorisation(
            user.username,
            data.procedure_code.strip(),
            data.role,
            data.granted_on,
            data.evidence,
            expires_on=data.expires_on,
        )
    except da.AuthorisationError as exc:
        raise InvalidAuthorisation(reason=str(exc)) from exc
    row = PersonnelAuthorisation(
        user_id=user.id,
        procedure_code=data.procedure_code.strip(),
        role=data.role.value,
        granted_on=data.granted_on,
        evidence=data.evidence.strip(),
        expires_on=data.expires_on,
        granted_by_id=data.granted_by_id,
    )
    session.add(row)
    session.flush()
    return row


def revoke(session: Session, authorisation_id: int, *, on: date, reason: str) -> PersonnelAuthorisation:
    row = session.get(PersonnelAuthorisation, authorisation_id)
    if row is None:
        raise NotFound()
    if not reason.strip():
        raise InvalidAuthorisation(reason="a revocation needs its reason")
    if on < row.granted_on:
        raise InvalidAuthorisation(reason=f"revoked_on {on} is before granted_on {row.granted_on}")
    row.revoked_on, row.revocation_reason = on, reason.strip()
    session.flush()
    return row


def history(session: Session, user_id: int | None = None) -> list[PersonnelAuthorisation]:
    """Every authorisation (revoked and expired ones included), newest first: what auditors read."""
    stmt = select(PersonnelAuthorisation).order_by(
        PersonnelAuthorisation.granted_on.desc(), PersonnelAuthorisation.id.desc()
    )
    if user_id is not None:
        stmt = stmt.where(PersonnelAuthorisation.user_id == user_id)
    return list(session.scalars(stmt))


def require(session: Session, user: User, procedure_code: str, role: da.AuthorisedRole, on: date) -> None:
    """Raise :class:`AuthorisationRefused` naming what is missing when ``user`` may not act on that date."""
    rows = session.scalars(
        select(PersonnelAuthorisation).where(PersonnelAuthorisation.user_id == user.id)
    ).all()
    auths = [_domain(r, user.username) for r in rows]
    if not auths:
        # The domain names "this person" when nothing is held; name the user instead.
        raise AuthorisationRefused(
            da.NotAuthorised(user.username, procedure_code, role, on, "no authorisation recorded")
        )
    try:
        da.require_authorised(auths, procedure_code, role, on)
    except da.NotAuthorised as exc:
        raise AuthorisationRefused(exc) from exc


def staff(session: Session) -> list[User]:
    """People who may hold authorisations: active lab staff."""
    from lims.models import Role

    roles = (Role.ADMIN, Role.TECHNICIAN, Role.REVIEWER, Role.SIGNATORY)
    return list(
        session.scalars(
            select(User).where(User.role.in_(roles), User.is_active.is_(True)).order_by(User.full_name)
        )
    )

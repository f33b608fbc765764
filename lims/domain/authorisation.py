"""Personnel authorisations per procedure (ISO/IEC 17025:2017 6.2.5 f, 6.2.6).

The lab authorises a person to *perform*, *review* or *sign* the results of a given procedure, from a
date, on the
basis of recorded evidence (training, supervised jobs), possibly until an expiry date or revocation. A
job step
asks :func:`require_authorised`, which names exactly what is missing.

>>> from datetime import date
>>> auths = [Authorisation("p-1", "CAL-PG-DKD", AuthorisedRole.PERFORM, date(2024, 1, 10),
...                        "training record TR-12; 5 supervised jobs", expires_on=date(2026, 1, 9))]
>>> require_authorised(auths, "CAL-PG-DKD", AuthorisedRole.PERFORM, on=date(2025, 6, 1)).evidence
'training record TR-12; 5 supervised jobs'
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from lims.domain.errors import DomainError


class AuthorisedRole(StrEnum):
    """What a person is authorised to do with a procedure's results."""

    PERFORM = "perform"
    REVIEW = "review"
    SIGN = "sign"


class AuthorisationError(DomainError, ValueError):
    """An authorisation record is malformed."""


class NotAuthorised(DomainError, PermissionError):
    """The person holds no valid authorisation for this procedure and role on that date.

    Besides the English message, the refusal keeps its facts for other languages: ``lapses`` are the
    grants for this procedure and role that did not hold on the day, as (``"granted_from"`` | ``"revoked"`` |
    ``"expired"``, date) pairs; ``held`` the other roles held for the procedure when none was for this one.
    """

    def __init__(
        self,
        person_id: str,
        procedure_code: str,
        role: AuthorisedRole,
        on: date,
        why: str,
        *,
        lapses: tuple[tuple[str, date], ...] = (),
        held: tuple[str, ...] = (),
    ) -> None:
        self.person_id, self.procedure_code, self.role, self.on = person_id, procedure_code, role, on
        self.lapses, self.held = lapses, held
        super().__init__(
            f"{person_id} is not authorised to {role.value} {procedure_code} on {on:%Y-%m-%d}: {why}"
        )


@dataclass(frozen=True, slots=True)
class Authorisation:
    """One grant: person, procedure code (all versions), role, from ``granted_on`` with its evidence."""

    person_id: str
    procedure_code: str
    role: AuthorisedRole
    granted_on: date
    evidence: str
    expires_on: date | None = None
    revoked_on: date | None = None
    granted_by: str | None = None

    def __post_init__(self) -> None:
        if not self.evidence.strip():
            raise AuthorisationError(
                f"evidence: the authorisation of {self.person_id} to {self.role.value} {self.procedure_code} "
                "needs its evidence (training record, supervised jobs)"
            )
        if self.expires_on is not None and self.expires_on < self.granted_on:
            raise AuthorisationError(f"expires_on: {self.expires_on} is before granted_on {self.granted_on}")
        if self.revoked_on is not None and self.revoked_on < self.granted_on:
            raise AuthorisationError(f"revoked_on: {self.revoked_on} is before granted_on {self.granted_on}")

    def valid_on(self, on: date) -> bool:
        """True when granted on or before ``on`` and neither expired nor revoked by then.

        The expiry date is the last valid day; the revocation date is the first invalid one.

        >>> a = Authorisation("p", "X", AuthorisedRole.SIGN, date(2025, 1, 1), "TR",
        ...                   expires_on=date(2025, 12, 31))
        >>> a.valid_on(date(2025, 12, 31)), a.valid_on(date(2026, 1, 1))
        (True, False)
        """
        if on < self.granted_on:
            return False
        if self.expires_on is not None and on > self.expires_on:
            return False
        return not (self.revoked_on is not None and on >= self.revoked_on)


def require_authorised(
    person_auths: Iterable[Authorisation], procedure_code: str, role: AuthorisedRole, on: date
) -> Authorisation:
    """The authorisation that lets the person act, or :class:`NotAuthorised` naming what is missing.

    ``person_auths`` are one person's authorisations (the first one's ``person_id`` names the person in the
    message; pass them all, any procedure and role).

    >>> from datetime import date
    >>> auths = [Authorisation("p-1", "CAL-PG-DKD", AuthorisedRole.PERFORM, date(2024, 1, 10), "TR-12",
    ...                        expires_on=date(2025, 1, 9))]
    >>> require_authorised(auths, "CAL-PG-DKD", AuthorisedRole.PERFORM, on=date(2025, 6, 1))
    Traceback (most recent call last):
    ...
    lims.domain.authorisation.NotAuthorised: p-1 is not authorised to perform CAL-PG-DKD on 2025-06-01: ...
    """
    auths = list(person_auths)
    person = auths[0].person_id if auths else "this person"
    if len({a.person_id for a in auths}) > 1:
        raise AuthorisationError(
            "person_auths: authorisations of several people were passed; pass one person's"
        )
    relevant = [a for a in auths if a.procedure_code == procedure_code and a.role == role]
    for a in relevant:
        if a.valid_on(on):
            return a
    if not relevant:
        held = sorted({a.role.value for a in auths if a.procedure_code == procedure_code})
        why = f"no authorisation to {role.value} this procedure"
        if held:
            why += f" (holds only: {', '.join(held)})"
        raise NotAuthorised(person, procedure_code, role, on, why, held=tuple(held))
    lapses: list[tuple[str, date]] = []
    for a in sorted(relevant, key=lambda x: x.granted_on):
        if on < a.granted_on:
            lapses.append(("granted_from", a.granted_on))
        elif a.revoked_on is not None and on >= a.revoked_on:
            lapses.append(("revoked", a.revoked_on))
        elif a.expires_on is not None:
            lapses.append(("expired", a.expires_on))
    why = "; ".join(f"{LAPSE_WORDS[kind]} {day:%Y-%m-%d}" for kind, day in lapses)
    raise NotAuthorised(person, procedure_code, role, on, why, lapses=tuple(lapses))


LAPSE_WORDS = {"granted_from": "granted only from", "revoked": "revoked on", "expired": "expired on"}

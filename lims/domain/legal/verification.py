"""Who may verify what, and until when a verification is valid (Vietnamese legal metrology).

* The lab verifies only the instrument types of its designation as a verification body, while the
  designation is in force (Law on Metrology 04/2011/QH13 art. 24–25; Decree 105/2016/NĐ-CP and its
  amendment 154/2018/NĐ-CP on the conditions and designation of verification bodies — from memory, not
  checked against the text).
* A verification is performed and signed by a verification officer (kiểm định viên) whose card covers the
  instrument type on the day (same texts, from memory); cards are kept with their history and checked as
  they stood on the day, like :mod:`lims.domain.authorisation`.
* The certificate's validity is the verification date plus the type's cycle (Circular 23/2013/TT-BKHCN
  art. 4(1) and appendix, as amended), minus one day; a shorter period may be asked for, a longer one never.

>>> from datetime import date
>>> d = Designation("125/QĐ-TĐC", date(2025, 3, 1), "Tổng cục TĐC", ("can-ban",), date(2030, 2, 28))
>>> require_designated([d], "can-ban", on=date(2026, 5, 4)).decision_number
'125/QĐ-TĐC'
>>> valid_until(date(2026, 5, 4), cycle_months=12)
datetime.date(2027, 5, 3)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from lims.domain.errors import DomainError
from lims.errors import N_


class Refusal(StrEnum):
    """Why a designation or a card does not cover a verification (the services word it per language)."""

    NONE_RECORDED = "none_recorded"
    NOT_IN_SCOPE = "not_in_scope"
    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


class NotDesignated(DomainError, PermissionError):
    """The lab's designation does not cover this instrument type on that day."""

    def __init__(self, type_code: str, on: date, why: Refusal, until: date | None = None) -> None:
        self.type_code, self.on, self.why, self.until = type_code, on, why, until
        super().__init__(f"the lab is not designated to verify {type_code} on {on:%Y-%m-%d}: {why.value}")


class NoOfficerCard(DomainError, PermissionError):
    """The person holds no verification officer card valid for this instrument type on that day."""

    def __init__(
        self, person: str, type_code: str, on: date, why: Refusal, until: date | None = None
    ) -> None:
        self.person, self.type_code, self.on, self.why, self.until = person, type_code, on, why, until
        super().__init__(
            f"{person} holds no verification officer card for {type_code} on {on:%Y-%m-%d}: {why.value}"
        )


class InvalidLegalRecord(DomainError, ValueError):
    """A designation or card is malformed. The message is a template with its parameters (dates as
    :class:`~datetime.date`, written by :mod:`lims.localtime`), so the web layer shows it in the user's
    language."""


REVOKED_BEFORE_START = N_(
    "The record could not be saved: the revocation date %(revoked)s is before the card's start %(start)s."
)


@dataclass(frozen=True, slots=True)
class Designation:
    """A decision designating the lab as a verification body for some instrument types."""

    decision_number: str
    decided_on: date
    issued_by: str
    instrument_types: tuple[str, ...]
    valid_until: date

    def __post_init__(self) -> None:
        if not self.decision_number.strip():
            raise InvalidLegalRecord(N_("The record could not be saved: the decision number is required."))
        if not self.issued_by.strip():
            raise InvalidLegalRecord(
                N_("The record could not be saved: the authority that designated the laboratory is required.")
            )
        if not self.instrument_types:
            raise InvalidLegalRecord(
                N_("The record could not be saved: the designation names at least one instrument type.")
            )
        if self.valid_until < self.decided_on:
            raise InvalidLegalRecord(
                N_(
                    "The record could not be saved: the designation's end of validity %(until)s is before "
                    "its decision date %(start)s."
                ),
                until=self.valid_until,
                start=self.decided_on,
            )

    def covers(self, type_code: str, on: date) -> bool:
        return type_code in self.instrument_types and self.decided_on <= on <= self.valid_until


@dataclass(frozen=True, slots=True)
class OfficerCard:
    """A verification officer card (thẻ kiểm định viên): number, authority, instrument types, validity."""

    person: str
    card_number: str
    issued_by: str
    instrument_types: tuple[str, ...]
    valid_from: date
    valid_until: date
    revoked_on: date | None = None

    def __post_init__(self) -> None:
        if not self.card_number.strip():
            raise InvalidLegalRecord(N_("The record could not be saved: the card number is required."))
        if not self.issued_by.strip():
            raise InvalidLegalRecord(N_("The record could not be saved: the issuing authority is required."))
        if not self.instrument_types:
            raise InvalidLegalRecord(
                N_("The record could not be saved: the card names at least one instrument type.")
            )
        if self.valid_until < self.valid_from:
            raise InvalidLegalRecord(
                N_(
                    "The record could not be saved: the card's end of validity %(until)s is before its start %(start)s."
                ),
                until=self.valid_until,
                start=self.valid_from,
            )
        if self.revoked_on is not None and self.revoked_on < self.valid_from:
            raise InvalidLegalRecord(REVOKED_BEFORE_START, revoked=self.revoked_on, start=self.valid_from)

    def covers(self, type_code: str, on: date) -> bool:
        """Valid from ``valid_from`` to ``valid_until`` inclusive; revoked from ``revoked_on`` on.

        >>> c = OfficerCard("lan", "KĐV-01", "TĐC", ("can-ban",), date(2024, 1, 1), date(2026, 12, 31))
        >>> c.covers("can-ban", date(2026, 12, 31)), c.covers("can-ban", date(2027, 1, 1))
        (True, False)
        """
        if type_code not in self.instrument_types or not self.valid_from <= on <= self.valid_until:
            return False
        return self.revoked_on is None or on < self.revoked_on


def _start(record: Designation | OfficerCard) -> date:
    return record.decided_on if isinstance(record, Designation) else record.valid_from


def _why(
    records: Sequence[Designation] | Sequence[OfficerCard], type_code: str, on: date
) -> tuple[Refusal, date | None]:
    """The most telling reason among the records that name the type: the last one begun by ``on`` (revoked
    or expired), else one that begins later."""
    if not records:
        return Refusal.NONE_RECORDED, None
    naming = [r for r in records if type_code in r.instrument_types]
    if not naming:
        return Refusal.NOT_IN_SCOPE, None
    begun = [r for r in naming if _start(r) <= on]
    if not begun:
        return Refusal.NOT_YET_VALID, None
    latest = max(begun, key=lambda r: r.valid_until)
    revoked = latest.revoked_on if isinstance(latest, OfficerCard) else None
    if revoked is not None and on >= revoked and revoked <= latest.valid_until:
        return Refusal.REVOKED, revoked
    return Refusal.EXPIRED, latest.valid_until


def require_designated(designations: Iterable[Designation], type_code: str, *, on: date) -> Designation:
    """The designation in force for ``type_code`` on ``on`` (the latest decision), or :class:`NotDesignated`.

    >>> d = Designation("125/QĐ-TĐC", date(2021, 3, 1), "TĐC", ("can-ban",), date(2026, 2, 28))
    >>> require_designated([d], "can-ban", on=date(2026, 3, 1))
    Traceback (most recent call last):
    ...
    lims.domain.legal.verification.NotDesignated: the lab is not designated to verify can-ban on 2026-03-01: expired
    >>> require_designated([d], "ap-ke-lo-xo", on=date(2025, 3, 1)).decision_number
    Traceback (most recent call last):
    ...
    lims.domain.legal.verification.NotDesignated: the lab is not designated to verify ap-ke-lo-xo on 2025-03-01: not_in_scope
    """
    records = list(designations)
    valid = [d for d in records if d.covers(type_code, on)]
    if valid:
        return max(valid, key=lambda d: d.decided_on)
    why, until = _why(records, type_code, on)
    raise NotDesignated(type_code, on, why, until)


def require_card(cards: Iterable[OfficerCard], person: str, type_code: str, *, on: date) -> OfficerCard:
    """The card that lets ``person`` verify ``type_code`` on ``on`` (as it stood that day), or
    :class:`NoOfficerCard` naming why (none, type not on it, expired, revoked, not yet valid).

    >>> c = OfficerCard("lan", "KĐV-01", "TĐC", ("can-ban",), date(2024, 1, 1), date(2025, 12, 31))
    >>> require_card([c], "lan", "can-ban", on=date(2026, 1, 5))
    Traceback (most recent call last):
    ...
    lims.domain.legal.verification.NoOfficerCard: lan holds no verification officer card for can-ban on 2026-01-05: expired
    """
    records = list(cards)
    valid = [c for c in records if c.covers(type_code, on)]
    if valid:
        return max(valid, key=lambda c: c.valid_from)
    why, until = _why(records, type_code, on)
    raise NoOfficerCard(person, type_code, on, why, until)


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months, clamped to the month's last day.

    >>> add_months(date(2026, 1, 31), 1), add_months(date(2024, 2, 29), 12)
    (datetime.date(2026, 2, 28), datetime.date(2025, 2, 28))
    """
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def valid_until(verified_on: date, *, cycle_months: int, requested_months: int | None = None) -> date:
    """Last day of validity: verification date + cycle − 1 day; a shorter requested period wins, a longer
    one is ignored (the cycle of Circular 23/2013/TT-BKHCN is a maximum).

    Hand calculation: verified 2026-05-04, cycle 12 months → 2027-05-04 − 1 day = 2027-05-03; asked for 6
    months → 2026-11-04 − 1 day = 2026-11-03; asked for 24 months → still 2027-05-03.

    >>> valid_until(date(2026, 5, 4), cycle_months=12, requested_months=6)
    datetime.date(2026, 11, 3)
    >>> valid_until(date(2026, 5, 4), cycle_months=12, requested_months=24)
    datetime.date(2027, 5, 3)
    """
    if cycle_months < 1:
        raise InvalidLegalRecord(
            N_("A validity period is at least one month, not %(months)s."), months=cycle_months
        )
    months = cycle_months if requested_months is None else min(cycle_months, requested_months)
    if months < 1:
        raise InvalidLegalRecord(
            N_("A validity period is at least one month, not %(months)s."), months=requested_months
        )
    return add_months(verified_on, months) - timedelta(days=1)

"""The lab's designation as a verification body and its verification officers' cards, and the checks that
jobs make with them (Law on Metrology 04/2011/QH13 art. 24–25; Decree 105/2016/NĐ-CP — from memory).

The pure rules are :mod:`lims.domain.legal.verification`; this module reads and writes the records and words
each refusal as a message the web layer translates (the user's language), with dates and numbers only as
parameters. Designations and cards are never deleted: a new decision or card is added, a card is revoked
with its reason, so the history stays for auditors and a check uses the records as they stood on the day.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.domain.legal import verification as lv
from lims.domain.legal.catalogue import InstrumentType, UnknownInstrumentType, load_catalogue
from lims.errors import N_, LimsError, NotFound
from lims.models import Job, JobKind, User, VerificationDesignation, VerificationOfficerCard


class LegalRecordInvalid(LimsError, ValueError):
    template = N_("The record could not be saved: %(reason)s")


class LegalTypeUnknown(LimsError, LookupError):
    template = N_(
        "Job %(number)s: the instrument type to verify is not in the legal metrology catalogue (%(reason)s)."
    )


class NotDesignatedRefused(LimsError, PermissionError):
    """Verification outside the designated scope, or after the designation expired."""


class OfficerCardRefused(LimsError, PermissionError):
    """The person may not perform or sign this verification on that day."""


_DESIGNATION_MESSAGES = {
    lv.Refusal.NONE_RECORDED: N_(
        "The laboratory has no recorded designation as a verification body: a verification of %(type)s "
        "cannot be performed or certified."
    ),
    lv.Refusal.NOT_IN_SCOPE: N_(
        "%(type)s is outside the laboratory's designated scope as a verification body: this verification "
        "is refused."
    ),
    lv.Refusal.EXPIRED: N_(
        "The laboratory's designation to verify %(type)s expired on %(date)s: this verification is refused."
    ),
    lv.Refusal.NOT_YET_VALID: N_(
        "The laboratory's designation to verify %(type)s is not yet in force on %(day)s."
    ),
    lv.Refusal.REVOKED: N_("The laboratory's designation to verify %(type)s was revoked on %(date)s."),
}
_CARD_MESSAGES = {
    lv.Refusal.NONE_RECORDED: N_(
        "%(person)s holds no verification officer card: only a verification officer may perform or sign a "
        "verification of %(type)s."
    ),
    lv.Refusal.NOT_IN_SCOPE: N_(
        "The verification officer card of %(person)s does not cover %(type)s: only a holder for this "
        "instrument type may perform or sign the verification."
    ),
    lv.Refusal.EXPIRED: N_(
        "The verification officer card of %(person)s expired on %(date)s: %(person)s may not perform or "
        "sign a verification of %(type)s on %(day)s."
    ),
    lv.Refusal.NOT_YET_VALID: N_(
        "The verification officer card of %(person)s for %(type)s is not yet valid on %(day)s."
    ),
    lv.Refusal.REVOKED: N_(
        "The verification officer card of %(person)s was revoked on %(date)s: %(person)s may not perform or "
        "sign a verification of %(type)s."
    ),
}


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", (text or "").strip())


def _known_types(codes: Sequence[str]) -> tuple[str, ...]:
    catalogue = load_catalogue()
    clean = tuple(dict.fromkeys(c.strip() for c in codes if c.strip()))
    for code in clean:
        try:
            catalogue.get(code)
        except UnknownInstrumentType as exc:
            raise LegalRecordInvalid(reason=str(exc)) from exc
    return clean


# --------------------------------------------------------------------------------------------- the type


def legal_type_of(job: Job) -> InstrumentType:
    """The catalogue type a verification job verifies: the job's ``legal_instrument_type`` requirement,
    else the single type whose ``lab_procedures`` lists the job's procedure."""
    catalogue = load_catalogue()
    code = str((job.requirements or {}).get("legal_instrument_type") or "").strip()
    try:
        if code:
            return catalogue.get(code)
        if job.procedure is None:
            raise UnknownInstrumentType("", "the job has no procedure")
        return catalogue.for_lab_procedure(job.procedure.code)
    except UnknownInstrumentType as exc:
        raise LegalTypeUnknown(number=job.number, reason=str(exc)) from exc


def _type_name(type_code: str) -> str:
    try:
        return load_catalogue().get(type_code).name.vi
    except UnknownInstrumentType:
        return type_code


# --------------------------------------------------------------------------------------------- designation


@dataclass(frozen=True, slots=True)
class DesignationInput:
    lab_id: int
    decision_number: str
    decided_on: date
    issued_by: str
    instrument_types: Sequence[str]
    valid_until: date


def record_designation(session: Session, data: DesignationInput, *, actor: User) -> VerificationDesignation:
    """Record a designation decision (a renewal or an extension of scope is a new decision)."""
    types = _known_types(data.instrument_types)
    try:
        lv.Designation(
            _nfc(data.decision_number), data.decided_on, _nfc(data.issued_by), types, data.valid_until
        )
    except lv.InvalidLegalRecord as exc:
        raise LegalRecordInvalid(exc.template, **exc.params) from exc
    row = VerificationDesignation(
        lab_id=data.lab_id,
        decision_number=_nfc(data.decision_number),
        decided_on=data.decided_on,
        issued_by=_nfc(data.issued_by),
        instrument_types=list(types),
        valid_until=data.valid_until,
        recorded_by_id=actor.id,
    )
    session.add(row)
    session.flush()
    return row


def designations(session: Session, lab_id: int) -> list[VerificationDesignation]:
    """Every decision of the lab, newest first."""
    return list(
        session.scalars(
            select(VerificationDesignation)
            .where(VerificationDesignation.lab_id == lab_id)
            .order_by(VerificationDesignation.decided_on.desc(), VerificationDesignation.id.desc())
        )
    )


def _designation(row: VerificationDesignation) -> lv.Designation:
    return lv.Designation(
        row.decision_number, row.decided_on, row.issued_by, tuple(row.instrument_types), row.valid_until
    )


def require_designated(session: Session, lab_id: int, type_code: str, *, on: date) -> VerificationDesignation:
    """The decision under which the lab verifies ``type_code`` on ``on``, or :class:`NotDesignatedRefused`."""
    rows = designations(session, lab_id)
    try:
        found = lv.require_designated([_designation(r) for r in rows], type_code, on=on)
    except lv.NotDesignated as exc:
        raise NotDesignatedRefused(
            _DESIGNATION_MESSAGES[exc.why],
            type=_type_name(type_code),
            day=on,
            date=exc.until if exc.until else "",
        ) from exc
    return next(
        r for r in rows if r.decision_number == found.decision_number and r.decided_on == found.decided_on
    )


def designation_text(row: VerificationDesignation) -> str:
    """How the certificate cites the designation (decision, date, authority, expiry)."""
    return (
        f"{row.decision_number} ngày / of {row.decided_on.isoformat()} ({row.issued_by}); "
        f"hiệu lực đến / valid until {row.valid_until.isoformat()}"
    )


# --------------------------------------------------------------------------------------------- officer cards


@dataclass(frozen=True, slots=True)
class CardInput:
    user_id: int
    card_number: str
    issued_by: str
    instrument_types: Sequence[str]
    valid_from: date
    valid_until: date


def add_card(session: Session, data: CardInput, *, actor: User) -> VerificationOfficerCard:
    """Record a verification officer card (a renewed card is a new row; the old one stays in the history)."""
    user = session.get(User, data.user_id)
    if user is None:
        raise NotFound()
    types = _known_types(data.instrument_types)
    try:
        lv.OfficerCard(
            user.username,
            _nfc(data.card_number),
            _nfc(data.issued_by),
            types,
            data.valid_from,
            data.valid_until,
        )
    except lv.InvalidLegalRecord as exc:
        raise LegalRecordInvalid(exc.template, **exc.params) from exc
    duplicate = session.scalar(
        select(VerificationOfficerCard.id).where(
            VerificationOfficerCard.card_number == _nfc(data.card_number),
            VerificationOfficerCard.issued_by == _nfc(data.issued_by),
        )
    )
    if duplicate is not None:
        raise LegalRecordInvalid(
            N_("The record could not be saved: card %(number)s of %(authority)s is already recorded."),
            number=_nfc(data.card_number),
            authority=_nfc(data.issued_by),
        )
    row = VerificationOfficerCard(
        user_id=user.id,
        card_number=_nfc(data.card_number),
        issued_by=_nfc(data.issued_by),
        instrument_types=list(types),
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        recorded_by_id=actor.id,
    )
    session.add(row)
    session.flush()
    return row


def revoke_card(session: Session, card_id: int, *, on: date, reason: str) -> VerificationOfficerCard:
    row = session.get(VerificationOfficerCard, card_id)
    if row is None:
        raise NotFound()
    if not _nfc(reason):
        raise LegalRecordInvalid(N_("The record could not be saved: a revocation needs its reason."))
    if on < row.valid_from:
        raise LegalRecordInvalid(lv.REVOKED_BEFORE_START, revoked=on, start=row.valid_from)
    row.revoked_on, row.revocation_reason = on, _nfc(reason)
    session.flush()
    return row


def cards(session: Session, user_id: int | None = None) -> list[VerificationOfficerCard]:
    """Every card (expired and revoked ones included), newest first: the history auditors read."""
    stmt = select(VerificationOfficerCard).order_by(
        VerificationOfficerCard.valid_from.desc(), VerificationOfficerCard.id.desc()
    )
    if user_id is not None:
        stmt = stmt.where(VerificationOfficerCard.user_id == user_id)
    return list(session.scalars(stmt))


def require_officer(session: Session, user: User, type_code: str, *, on: date) -> VerificationOfficerCard:
    """The card that lets ``user`` perform or sign a verification of ``type_code`` on ``on`` (the cards as
    they stood that day: validity and revocation dates are compared with ``on``), else
    :class:`OfficerCardRefused`."""
    rows = cards(session, user.id)
    domain = [
        lv.OfficerCard(
            user.username,
            r.card_number,
            r.issued_by,
            tuple(r.instrument_types),
            r.valid_from,
            r.valid_until,
            r.revoked_on,
        )
        for r in rows
    ]
    try:
        found = lv.require_card(domain, user.username, type_code, on=on)
    except lv.NoOfficerCard as exc:
        raise OfficerCardRefused(
            _CARD_MESSAGES[exc.why],
            person=user.full_name,
            type=_type_name(type_code),
            day=on,
            date=exc.until if exc.until else "",
        ) from exc
    return next(r for r in rows if r.card_number == found.card_number and r.issued_by == found.issued_by)


def card_text(row: VerificationOfficerCard) -> str:
    """How the certificate names the card: number, issuing authority, validity."""
    return (
        f"Thẻ kiểm định viên / Officer card {row.card_number} ({row.issued_by}), "
        f"hiệu lực đến / valid until {row.valid_until.isoformat()}"
    )


def check_transition(
    session: Session, job: Job, user: User, *, perform_or_sign: bool, starting: bool, on: date
) -> None:
    """The legal checks of a verification job's transition: the designation when work starts, the officer's
    card when the person performs or signs. Calibration jobs pass untouched."""
    if job.kind != JobKind.VERIFICATION:
        return
    legal_type = legal_type_of(job)
    if starting:
        require_designated(session, job.lab_id, legal_type.code, on=on)
    if perform_or_sign:
        require_officer(session, user, legal_type.code, on=on)

"""Verification stamps as a controlled stock: batches received, each stamp affixed once, damaged or voided.

A stamp number is taken from stock when a passed verification's certificate is issued
(:func:`take`, called inside the issuing transaction; :func:`affix` records it against the certificate),
once: the unique (batch, number) constraint is the final guard. A damaged or voided stamp is recorded with
its reason (:func:`spoil`). :func:`balance` and :func:`register` are what the lab reports to the authority
(printable: :mod:`lims.reports.stamp_register`). The number rules are :mod:`lims.domain.legal.stamps`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.domain.legal.stamps import InvalidStamp, StampRange, normalise_series, parse_stamp
from lims.errors import N_, LimsError
from lims.models import Certificate, CustomerInstrument, Enterprise, Job, Role, StampBatch, StampUse, User
from lims.services.jobs.dashboard import Tile


class StampRefused(LimsError, ValueError):
    """A stamp number that cannot be used (unreadable, outside stock, already used) or a bad batch."""


class Outcome(StrEnum):
    AFFIXED = "affixed"
    DAMAGED = "damaged"
    VOIDED = "voided"


#: How pages name an outcome (message ids; the web layer translates them).
OUTCOME_LABELS = {
    Outcome.AFFIXED.value: N_("Affixed"),
    Outcome.DAMAGED.value: N_("Damaged"),
    Outcome.VOIDED.value: N_("Voided"),
}


def _range(batch: StampBatch) -> StampRange:
    return StampRange(batch.series, batch.first_number, batch.last_number, batch.digits)


def display(batch: StampBatch, number: int) -> str:
    """The stamp number as printed (``HN-26-001234``)."""
    return _range(batch).format(number)


@dataclass(frozen=True, slots=True)
class BatchInput:
    lab_id: int
    series: str
    first_number: int
    last_number: int
    received_on: date
    delivery_reference: str
    digits: int = 6


def receive_batch(session: Session, data: BatchInput, *, actor: User) -> StampBatch:
    """Record stamps received from the authority; a range overlapping a recorded one is refused."""
    try:
        new = StampRange(data.series, data.first_number, data.last_number, data.digits)
    except InvalidStamp as exc:
        raise StampRefused(exc.template, **exc.params) from exc
    reference = unicodedata.normalize("NFC", data.delivery_reference.strip())
    if not reference:
        raise StampRefused(
            N_("Give the reference of the delivery note (biên bản giao nhận tem) of the batch.")
        )
    series = normalise_series(data.series)
    for other in session.scalars(select(StampBatch).where(StampBatch.series == series)):
        if _range(other).overlaps(new):
            raise StampRefused(
                N_("Stamps %(first)s to %(last)s overlap the batch received on %(date)s (%(other)s)."),
                first=new.format(new.first),
                last=new.format(new.last),
                date=other.received_on,
                other=f"{display(other, other.first_number)} – {display(other, other.last_number)}",
            )
    row = StampBatch(
        lab_id=data.lab_id,
        series=series,
        first_number=data.first_number,
        last_number=data.last_number,
        digits=data.digits,
        received_on=data.received_on,
        delivery_reference=reference,
        recorded_by_id=actor.id,
    )
    session.add(row)
    session.flush()
    return row


def take(session: Session, text: str, *, on: date) -> tuple[StampBatch, int]:
    """The batch and number of an unused stamp in stock on ``on``, or :class:`StampRefused` saying why."""
    try:
        series, number = parse_stamp(text)
    except InvalidStamp:
        raise StampRefused(
            N_("%(code)s is not a stamp number: write the series then the number, e.g. HN-26-001234."),
            code=text.strip(),
        ) from None
    batch = next(
        (
            b
            for b in session.scalars(select(StampBatch).where(StampBatch.series == normalise_series(series)))
            if _range(b).contains(series, number)
        ),
        None,
    )
    if batch is None or batch.received_on > on:
        raise StampRefused(
            N_("Stamp %(code)s is not in the laboratory's stock: no batch received contains it."),
            code=text.strip(),
        )
    used = session.scalar(select(StampUse).where(StampUse.batch_id == batch.id, StampUse.number == number))
    if used is not None:
        if used.outcome == Outcome.AFFIXED:
            cert = session.get(Certificate, used.certificate_id) if used.certificate_id else None
            raise StampRefused(
                N_("Stamp %(code)s is already used (certificate %(number)s)."),
                code=display(batch, number),
                number=cert.number if cert else "—",
            )
        raise StampRefused(
            N_("Stamp %(code)s was recorded as damaged or voided on %(date)s and cannot be used."),
            code=display(batch, number),
            date=used.used_on,
        )
    return batch, number


def affix(
    session: Session, batch: StampBatch, number: int, certificate: Certificate, *, on: date, actor: User
) -> StampUse:
    """Record the stamp as affixed to the instrument of ``certificate`` (inside the issuing transaction)."""
    row = StampUse(
        batch_id=batch.id,
        number=number,
        outcome=Outcome.AFFIXED.value,
        certificate_id=certificate.id,
        used_on=on,
        recorded_by_id=actor.id,
    )
    session.add(row)
    session.flush()
    return row


def spoil(session: Session, text: str, outcome: Outcome, reason: str, *, on: date, actor: User) -> StampUse:
    """Record a damaged or voided stamp with its reason; it leaves the stock for good."""
    if outcome == Outcome.AFFIXED:
        raise StampRefused(N_("A stamp is affixed only by issuing a verification certificate."))
    why = unicodedata.normalize("NFC", (reason or "").strip())
    if not why:
        raise StampRefused(N_("Give the reason why the stamp is damaged or voided."))
    with session.begin_nested():
        batch, number = take(session, text, on=on)
        row = StampUse(
            batch_id=batch.id,
            number=number,
            outcome=outcome.value,
            reason=why,
            used_on=on,
            recorded_by_id=actor.id,
        )
        session.add(row)
        session.flush()
    return row


def next_unused(session: Session, *, on: date) -> str | None:
    """The lowest unused stamp number of the oldest batch with stock on ``on`` (a hint for the issuing
    form: the stamp actually affixed is the one typed), or ``None`` when the stock is empty."""
    for b in sorted(batches(session), key=lambda b: (b.received_on, b.id)):
        if b.received_on > on:
            continue
        used = set(session.scalars(select(StampUse.number).where(StampUse.batch_id == b.id)))
        free = next((n for n in range(b.first_number, b.last_number + 1) if n not in used), None)
        if free is not None:
            return display(b, free)
    return None


def batches(session: Session) -> list[StampBatch]:
    return list(
        session.scalars(select(StampBatch).order_by(StampBatch.received_on.desc(), StampBatch.id.desc()))
    )


@dataclass(frozen=True, slots=True)
class BatchBalance:
    """One batch's stock on a day: received, affixed, damaged, voided, and what is left."""

    batch: StampBatch
    first: str
    last: str
    received: int
    affixed: int
    damaged: int
    voided: int

    @property
    def remaining(self) -> int:
        return self.received - self.affixed - self.damaged - self.voided


def balance(session: Session, *, on: date) -> list[BatchBalance]:
    """The stock of every batch received by ``on``, counting the uses recorded by ``on``."""
    counts: dict[tuple[int, str], int] = {
        (batch_id, outcome): n
        for batch_id, outcome, n in session.execute(
            select(StampUse.batch_id, StampUse.outcome, func.count())
            .where(StampUse.used_on <= on)
            .group_by(StampUse.batch_id, StampUse.outcome)
        )
    }
    rows = []
    for b in sorted(batches(session), key=lambda b: (b.received_on, b.id)):
        if b.received_on > on:
            continue
        rows.append(
            BatchBalance(
                b,
                display(b, b.first_number),
                display(b, b.last_number),
                b.last_number - b.first_number + 1,
                counts.get((b.id, Outcome.AFFIXED.value), 0),
                counts.get((b.id, Outcome.DAMAGED.value), 0),
                counts.get((b.id, Outcome.VOIDED.value), 0),
            )
        )
    return rows


def unused_in_stock(session: Session, *, on: date) -> int | None:
    """Stamps received by ``on`` and not yet affixed, damaged or voided, or ``None`` when no batch was ever
    received (a lab that does no legal verification keeps no stock). The same figure as the sum of
    :func:`balance`'s ``remaining``, counted in one statement: the numbers in the batches' ranges less the
    uses recorded against those batches."""
    received = (
        select(func.sum(StampBatch.last_number - StampBatch.first_number + 1))
        .where(StampBatch.received_on <= on)
        .scalar_subquery()
    )
    used = (
        select(func.count())
        .select_from(StampUse)
        .join(StampBatch, StampBatch.id == StampUse.batch_id)
        .where(StampBatch.received_on <= on, StampUse.used_on <= on)
        .scalar_subquery()
    )
    total, spent = session.execute(select(received, used)).one()
    return None if total is None else int(total) - int(spent or 0)


STOCK_WATCHERS = frozenset({Role.ADMIN})  # the lab manager orders the next batch from the authority


def stock_tiles(session: Session, user: User, *, today: date, low: int) -> list[Tile]:
    """The lab manager's "stamps left" tile, a warning when fewer than ``low`` are left (LIMS_STAMPS_LOW);
    it opens the stock page with the balance per batch. Nothing for a lab that has never received stamps."""
    if user.role not in STOCK_WATCHERS:
        return []
    left = unused_in_stock(session, on=today)
    if left is None:
        return []
    return [Tile(N_("Verification stamps left in stock"), left, "legal.stamp_stock", warn=left < low)]


@dataclass(frozen=True, slots=True)
class RegisterLine:
    """One line of the usage register (sổ theo dõi sử dụng tem)."""

    used_on: date
    stamp: str
    outcome: Outcome
    certificate: str
    instrument: str
    customer: str
    reason: str


def register(session: Session, *, start: date, end: date) -> list[RegisterLine]:
    """Every stamp affixed, damaged or voided from ``start`` to ``end`` inclusive, in date and number order."""
    if end < start:
        raise StampRefused(N_("The period ends before it starts."))
    query = (
        select(StampUse, StampBatch, Certificate, CustomerInstrument, Enterprise)
        .join(StampBatch, StampBatch.id == StampUse.batch_id)
        .outerjoin(Certificate, Certificate.id == StampUse.certificate_id)
        .outerjoin(Job, Job.id == Certificate.job_id)
        .outerjoin(CustomerInstrument, CustomerInstrument.id == Job.instrument_id)
        .outerjoin(Enterprise, Enterprise.id == Job.enterprise_id)
        .where(StampUse.used_on >= start, StampUse.used_on <= end)
        .order_by(StampUse.used_on, StampBatch.series, StampUse.number)
    )
    return [
        RegisterLine(
            use.used_on,
            display(batch, use.number),
            Outcome(use.outcome),
            cert.number if cert else "",
            f"{inst.instrument_type} {inst.manufacturer or ''} {inst.model or ''} S/N {inst.serial_number}".replace(
                "  ", " "
            )
            if inst
            else "",
            ent.name if ent else "",
            use.reason or "",
        )
        for use, batch, cert, inst, ent in session.execute(query)
    ]

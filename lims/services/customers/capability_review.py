"""Capability review of a customer's request before the lab accepts it (ISO/IEC 17025:2017 7.1.1, from memory).

For each item the review answers three questions, the ones conversion to a job would otherwise answer too
late:

1. Is there an active procedure of the request's kind for the instrument's quantity? The instrument's unit
   must convert to the procedure's (pint: a balance in grams is verified by a procedure in kilograms).
2. Do the wanted points (else the instrument's range ends) fall inside a row of the lab's accredited scope
   (CMC) for that procedure? Outside, the work can still be done, without the accreditation mark: a warning.
3. Is someone authorised to perform that procedure today (ISO/IEC 17025:2017 6.2.5–6.2.6)?

An item without a procedure, or without an authorised person for any of its procedures, cannot become a job:
the lab cannot accept the request with it, and the customer sees which item and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.domain import authorisation as da
from lims.domain import capability_review as cr
from lims.domain.capability import CmcEntry as DomainCmc
from lims.domain.unit_conversion import comparable, convert_value
from lims.errors import N_
from lims.models import PersonnelAuthorisation, Procedure, ServiceRequest, ServiceRequestItem, User
from lims.services.access.laboratory import find_laboratory
from lims.services.customers.request_errors import RequestError
from lims.services.jobs.procedures import domain_procedure, latest_procedures
from lims.services.standards.capabilities import accredited_scope


@dataclass(frozen=True, slots=True)
class Finding:
    """One answer of the review, as a message id (English, translated by the page) and its parameters."""

    msgid: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ItemReview:
    item_id: int
    procedures: tuple[Procedure, ...]  # procedures that can take the item (kind and quantity)
    authorised_codes: tuple[str, ...]  # of those, the codes someone may perform today
    points_outside_cmc: tuple[float, ...]  # wanted points (instrument unit) outside the accredited scope
    problems: tuple[Finding, ...]  # why the item cannot become a job (empty: it can)
    warnings: tuple[Finding, ...]

    @property
    def can_take(self) -> bool:
        return not self.problems


def _authorised_codes(session: Session, codes: set[str], on: date) -> set[str]:
    """Codes among ``codes`` that at least one active person may perform on ``on``."""
    if not codes:
        return set()
    rows = session.execute(
        select(PersonnelAuthorisation, User.username)
        .join(User, User.id == PersonnelAuthorisation.user_id)
        .where(
            PersonnelAuthorisation.procedure_code.in_(codes),
            PersonnelAuthorisation.role == da.AuthorisedRole.PERFORM.value,
            User.is_active.is_(True),
        )
    ).all()
    return {
        row.procedure_code
        for row, username in rows
        if da.Authorisation(
            username,
            row.procedure_code,
            da.AuthorisedRole(row.role),
            row.granted_on,
            row.evidence,
            expires_on=row.expires_on,
            revoked_on=row.revoked_on,
        ).valid_on(on)
    }


def _item_points(item: ServiceRequestItem) -> list[float]:
    if item.points:
        return [float(p) for p in item.points]
    inst = item.instrument
    return [float(v) for v in (inst.range_min, inst.range_max) if v is not None]


def _review_item(
    item: ServiceRequestItem,
    procedures: Sequence[Procedure],
    authorised: set[str],
    scope: Sequence[DomainCmc],
) -> ItemReview:
    inst = item.instrument
    serial = {"serial": inst.serial_number}
    fitting = tuple(p for p in procedures if comparable(inst.unit, domain_procedure(p).unit))
    problems: list[Finding] = []
    warnings: list[Finding] = []
    if not fitting:
        problems.append(
            Finding(
                N_("No procedure of the lab covers %(serial)s (reads in %(unit)s)."),
                {**serial, "unit": inst.unit},
            )
        )
    codes = tuple(sorted({p.code for p in fitting} & authorised))
    if fitting and not codes:
        problems.append(
            Finding(
                N_("Nobody is authorised today to perform %(codes)s for %(serial)s."),
                {**serial, "codes": ", ".join(sorted({p.code for p in fitting}))},
            )
        )
    outside: list[float] = []
    points = _item_points(item)
    if fitting and points:
        rows = [
            row
            for p in fitting
            for row in cr.rows_for(scope, procedure_code=p.code, quantity=p.quantity.value)
        ]
        outside = cr.points_outside(rows, points, inst.unit, convert=convert_value)
        if outside:
            warnings.append(
                Finding(
                    N_(
                        "Points %(points)s %(unit)s of %(serial)s are outside the lab's accredited scope: the "
                        "certificate will not carry the accreditation mark for them."
                    ),
                    {**serial, "unit": inst.unit, "points": "; ".join(f"{p:g}" for p in outside)},
                )
            )
    return ItemReview(item.id, fitting, codes, tuple(outside), tuple(problems), tuple(warnings))


def review_request(session: Session, request: ServiceRequest, *, on: date) -> dict[int, ItemReview]:
    """The review of every item of ``request``, by item id."""
    procedures = [p for p in latest_procedures(session) if p.kind == request.kind]
    authorised = _authorised_codes(session, {p.code for p in procedures}, on)
    lab = find_laboratory(session)
    scope = accredited_scope(session, lab.id) if lab is not None else ()
    return {item.id: _review_item(item, procedures, authorised, scope) for item in request.items}


def blocking(reviews: dict[int, ItemReview]) -> list[Finding]:
    """Every reason an item of the request cannot become a job."""
    return [finding for review in reviews.values() for finding in review.problems]


class CannotTake(RequestError):
    """An item of the request cannot become a job (capability review): the template is the review's finding,
    naming the item and why."""


def require_capability(session: Session, request: ServiceRequest, *, on: date) -> None:
    """Refuse acceptance while any item has no procedure or no authorised person (capability_review)."""
    problems = blocking(review_request(session, request, on=on))
    if problems:
        raise CannotTake(problems[0].msgid, **problems[0].params)


def procedures_for(session: Session, request: ServiceRequest) -> dict[int, list[Procedure]]:
    """Per item: the active procedures of the request's kind whose unit the instrument's converts to (a
    balance in grams and a procedure in kilograms: the bench converts with pint), each in its latest version
    (an earlier version stays for the jobs done with it, not for new work)."""
    usable = [p for p in latest_procedures(session) if p.kind == request.kind]
    units = {p.id: domain_procedure(p).unit for p in usable}
    return {
        item.id: [p for p in usable if comparable(item.instrument.unit, units[p.id])]
        for item in request.items
    }

"""Customers' service requests (ISO/IEC 17025:2017 7.1 review of requests): their lifecycle.

A customer submits a request for one or more instruments of their enterprise (existing ones, or one added in
the same request); lab staff accept it, schedule it (both after the capability review,
:func:`lims.services.customers.capability_review.require_capability`), reject it (a reason is required) or
convert it into jobs (:mod:`lims.services.customers.request_conversion`).
Until it is converted, the customer may cancel it (the reason is optional); the lab is told.
Every function works inside the caller's transaction and raises before changing anything when the input is
wrong, so the caller's rollback leaves nothing half-saved.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from lims.errors import N_, NotFound
from lims.models import (
    LAB_AUDIENCE,
    CustomerInstrument,
    Job,
    JobKind,
    RequestState,
    Role,
    ServiceRequest,
    ServiceRequestItem,
    User,
)
from lims.services.access.tenancy import Caller, enterprise_of, get_scoped, is_customer, scoped
from lims.services.common import notifications
from lims.services.common.pagination import Page, keyset_page
from lims.services.customers import capability_review
from lims.services.customers.instrument_fields import InstrumentData
from lims.services.customers.portal import add_instrument
from lims.services.customers.request_errors import RequestError, RequestStateRefused
from lims.services.jobs import jobs
from lims.services.jobs.workload import OPEN_STATES as OPEN_JOB_STATES
from lims.services.records import audit

DECISION_RULES = ("procedure", "simple", "guarded")
MAX_ITEMS = 50
MAX_POINTS = 20
MAX_NOTES = 2000
OPEN_STATES = frozenset({RequestState.SUBMITTED, RequestState.ACCEPTED, RequestState.SCHEDULED})
STATE_LABELS = {
    RequestState.SUBMITTED: N_("submitted"),
    RequestState.ACCEPTED: N_("accepted"),
    RequestState.SCHEDULED: N_("scheduled"),
    RequestState.REJECTED: N_("rejected"),
    RequestState.CONVERTED: N_("converted into jobs"),
    RequestState.CANCELLED: N_("cancelled by the customer"),
}
# Who decides on the lab's side (the web views' @allow and the CLI both check these).
REVIEWER_ROLES = frozenset({Role.ADMIN, Role.REVIEWER})  # review of requests, ISO/IEC 17025:2017 7.1.1
CONVERTER_ROLES = frozenset({Role.ADMIN, Role.TECHNICIAN})  # as for registering a job
_SPLIT = re.compile(r"[;\s]+")
_NUMBER = re.compile(r"(?:YC-)?0*(\d{1,9})", re.IGNORECASE)


REFUSALS = {
    "accept": N_("Request %(number)s can no longer be accepted."),
    "schedule": N_("Request %(number)s can no longer be scheduled."),
    "reject": N_("Request %(number)s can no longer be rejected."),
    "convert": N_(
        "Request %(number)s cannot be converted: accept it first; "
        "a rejected, cancelled or converted request is final."
    ),
    "cancel": N_(
        "Request %(number)s can no longer be cancelled: it was already converted into jobs, rejected or "
        "cancelled."
    ),
}


@dataclass(frozen=True, slots=True)
class RequestItemInput:
    instrument_id: int
    points: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class RequestInput:
    kind: JobKind
    items: Sequence[RequestItemInput]
    on_site: bool = False
    preferred_on: date | None = None
    decision_rule: str = "procedure"
    conformity_statement: bool = False
    conformity_specification: str = ""  # named specification the statement is made against
    notes: str = ""
    recalibration_months: int | None = None  # the customer's interval (calibration only)
    # An instrument added in the same request (checked by instrument_fields.check_instrument) and its points.
    new_instrument: InstrumentData | None = None
    new_instrument_points: tuple[float, ...] = ()


def request_number(request: ServiceRequest) -> str:
    return f"YC-{request.id:05d}"


def parse_request_number(text: str) -> int:
    """The id in a request number as printed (``YC-00012``; the prefix and the zeros are optional).

    >>> parse_request_number("YC-00012"), parse_request_number("yc-7"), parse_request_number("31")
    (12, 7, 31)
    """
    match = _NUMBER.fullmatch(text.strip())
    if match is None:
        raise RequestError(N_("%(number)s is not a request number (YC-00012)."), number=text.strip()[:40])
    return int(match.group(1))


def find_request(session: Session, user: Caller, number: str) -> ServiceRequest:
    """The request of that number, if the user may see it."""
    try:
        return get_request(session, user, parse_request_number(number))
    except NotFound:
        raise RequestError(N_("There is no request %(number)s."), number=number.strip()[:40]) from None


def state_label(state: RequestState | str) -> str:
    return STATE_LABELS.get(RequestState(state), str(state))


def parse_points(text: str) -> tuple[float, ...]:
    """Test points typed by a customer: separated by ``;`` or spaces, decimal comma or point.

    >>> parse_points("0,5; 10  20.25")
    (0.5, 10.0, 20.25)
    """
    values = []
    for part in _SPLIT.split(text.strip()):
        if not part:
            continue
        try:
            value = float(Decimal(part.replace(",", ".")))
        except ArithmeticError:
            raise RequestError(N_("Test point %(point)s is not a number."), point=part) from None
        if not math.isfinite(value):
            raise RequestError(N_("Test point %(point)s is not a number."), point=part)
        values.append(value)
    return tuple(values)


def _check_points(instrument: CustomerInstrument | InstrumentData, points: Sequence[float]) -> list[float]:
    if len(points) > MAX_POINTS:
        raise RequestError(N_("Give at most %(max)s test points per instrument."), max=MAX_POINTS)
    low, high = instrument.range_min, instrument.range_max
    for point in points:
        if not math.isfinite(point):
            raise RequestError(N_("Test point %(point)s is not a number."), point=point)
        if (low is not None and Decimal(str(point)) < low) or (
            high is not None and Decimal(str(point)) > high
        ):
            raise RequestError(
                N_("Test point %(point)s %(unit)s of %(serial)s is outside its range %(low)s – %(high)s."),
                point=f"{point:g}",
                unit=instrument.unit,
                serial=instrument.serial_number,
                low="" if low is None else format(low.normalize(), "f"),
                high="" if high is None else format(high.normalize(), "f"),
            )
    return list(points)


def submit_request(session: Session, user: User, data: RequestInput, *, today: date) -> ServiceRequest:
    """A customer's request for instruments of their own enterprise; the lab's handlers are notified."""
    enterprise_id = enterprise_of(user)
    if enterprise_id is None:
        raise NotFound()
    if data.decision_rule not in DECISION_RULES:
        raise RequestError(N_("Unknown decision rule %(rule)s."), rule=data.decision_rule)
    if data.preferred_on is not None and data.preferred_on < today:
        raise RequestError(N_("The preferred date %(date)s is in the past."), date=data.preferred_on)
    if data.recalibration_months is not None and not 1 <= data.recalibration_months <= 120:
        raise RequestError(N_("The recalibration interval must be between 1 and 120 months."))
    if len(data.notes) > MAX_NOTES:
        raise RequestError(N_("Notes are limited to %(max)s characters."), max=MAX_NOTES)
    ids = [item.instrument_id for item in data.items]
    if len(set(ids)) != len(ids):
        raise RequestError(N_("An instrument is listed twice in the request."))
    count = len(ids) + (1 if data.new_instrument is not None else 0)
    if count == 0:
        raise RequestError(N_("Choose at least one instrument."))
    if count > MAX_ITEMS:
        raise RequestError(N_("A request holds at most %(max)s instruments."), max=MAX_ITEMS)
    chosen: list[tuple[CustomerInstrument, list[float]]] = []
    for item in data.items:
        instrument = get_scoped(session, CustomerInstrument, item.instrument_id, user)  # another's → NotFound
        if session.scalar(
            select(exists().where(Job.instrument_id == instrument.id, Job.state.in_(OPEN_JOB_STATES)))
        ):
            raise RequestError(
                N_("%(serial)s already has an open job at the lab."), serial=instrument.serial_number
            )
        chosen.append((instrument, _check_points(instrument, item.points)))
    if data.new_instrument is not None:
        new_points = _check_points(data.new_instrument, data.new_instrument_points)
        chosen.append((add_instrument(session, user, data.new_instrument), new_points))
    request = ServiceRequest(
        enterprise_id=enterprise_id,
        requested_by_id=user.id,
        kind=data.kind,
        on_site=data.on_site,
        preferred_on=data.preferred_on,
        decision_rule=data.decision_rule,
        conformity_statement=data.conformity_statement,
        conformity_specification=data.conformity_specification.strip()[:200] or None,
        recalibration_months=data.recalibration_months,
        notes=data.notes.strip() or None,
        state=RequestState.SUBMITTED,
    )
    session.add(request)
    session.flush()
    for position, (instrument, points) in enumerate(chosen):
        session.add(
            ServiceRequestItem(
                request_id=request.id, position=position, instrument_id=instrument.id, points=points
            )
        )
    session.flush()
    notifications.notify(
        session,
        kind="request_submitted",
        msgid=N_("%(enterprise)s submitted request %(number)s (instruments: %(count)s)."),
        params={
            "enterprise": request.enterprise.name,
            "number": request_number(request),
            "count": len(chosen),
        },
        link=("requests.show", {"request_id": request.id}),
        audience=LAB_AUDIENCE,
    )
    return request


def list_requests(
    session: Session,
    user: Caller,
    *,
    states: Sequence[RequestState] = (),
    enterprise_id: int | None = None,
    after: int | None = None,
    size: int = 50,
) -> Page[ServiceRequest]:
    """One keyset page of the requests the user may see (a customer: their enterprise's), newest first.

    ``enterprise_id`` narrows the lab's view to one enterprise (a customer is narrowed to theirs anyway).
    """
    stmt = scoped(
        select(ServiceRequest).options(
            selectinload(ServiceRequest.items), selectinload(ServiceRequest.enterprise)
        ),
        ServiceRequest,
        user,
    )
    if states:
        stmt = stmt.where(ServiceRequest.state.in_(list(states)))
    if enterprise_id is not None:
        stmt = stmt.where(ServiceRequest.enterprise_id == enterprise_id)
    return keyset_page(session, stmt, ServiceRequest.id, after=after, size=size)


def get_request(session: Session, user: Caller, request_id: int) -> ServiceRequest:
    return get_scoped(session, ServiceRequest, request_id, user)


def lock_request(
    session: Session, user: User, request_id: int, *, expected_version: int | None
) -> ServiceRequest:
    request: ServiceRequest | None = session.scalar(
        scoped(
            select(ServiceRequest).where(ServiceRequest.id == request_id), ServiceRequest, user
        ).with_for_update()
    )
    if request is None:
        raise NotFound()
    if expected_version is not None and expected_version != request.version:
        raise RequestError(
            N_("Request %(number)s was changed by someone else meanwhile. Reload the page and try again."),
            number=request_number(request),
        )
    return request


def refusal(request: ServiceRequest, action: str) -> RequestStateRefused:
    return RequestStateRefused(REFUSALS[action], number=request_number(request))


def mark_decided(request: ServiceRequest, user: User, now: datetime | None) -> None:
    request.decided_by_id = user.id
    request.decided_at = now or datetime.now(UTC)
    request.updated_at = request.decided_at


def tell_customer(session: Session, request: ServiceRequest, kind: str, msgid: str, **params: Any) -> None:
    notifications.notify(
        session,
        kind=kind,
        msgid=msgid,
        params={"number": request_number(request), **params},
        link=("portal.request", {"request_id": request.id}),
        enterprise_id=request.enterprise_id,
    )


def accept_request(
    session: Session,
    request_id: int,
    *,
    user: User,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> ServiceRequest:
    request = lock_request(session, user, request_id, expected_version=expected_version)
    if request.state != RequestState.SUBMITTED:
        raise refusal(request, "accept")
    capability_review.require_capability(session, request, on=(now or datetime.now(UTC)).date())
    request.state = RequestState.ACCEPTED
    mark_decided(request, user, now)
    session.flush()
    tell_customer(session, request, "request_accepted", N_("The lab accepted your request %(number)s."))
    return request


def schedule_request(
    session: Session,
    request_id: int,
    scheduled_on: date,
    *,
    user: User,
    today: date,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> ServiceRequest:
    """Set (or move) the date the lab will do the work; accepting the request if it was not yet."""
    request = lock_request(session, user, request_id, expected_version=expected_version)
    if request.state not in OPEN_STATES:
        raise refusal(request, "schedule")
    if scheduled_on < today:
        raise RequestError(N_("The scheduled date %(date)s is in the past."), date=scheduled_on)
    if request.state == RequestState.SUBMITTED:  # scheduling accepts it
        capability_review.require_capability(session, request, on=today)
    request.state = RequestState.SCHEDULED
    request.scheduled_on = scheduled_on
    mark_decided(request, user, now)
    session.flush()
    tell_customer(
        session,
        request,
        "request_scheduled",
        N_("Your request %(number)s is scheduled for %(date)s."),
        date=scheduled_on,
    )
    return request


def reject_request(
    session: Session,
    request_id: int,
    reason: str,
    *,
    user: User,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> ServiceRequest:
    reason = reason.strip()
    if not reason:
        raise RequestError(N_("Give the reason for rejecting the request: the customer will read it."))
    if len(reason) > MAX_NOTES:
        raise RequestError(N_("The reason is limited to %(max)s characters."), max=MAX_NOTES)
    request = lock_request(session, user, request_id, expected_version=expected_version)
    if request.state not in OPEN_STATES:
        raise refusal(request, "reject")
    request.state = RequestState.REJECTED
    request.rejection_reason = reason
    mark_decided(request, user, now)
    session.flush()
    tell_customer(
        session,
        request,
        "request_rejected",
        N_("The lab rejected your request %(number)s: %(reason)s"),
        reason=reason,
    )
    return request


def can_cancel(request: ServiceRequest) -> bool:
    """Whether the customer may still cancel the request: any open state, i.e. not yet converted into jobs."""
    return request.state in OPEN_STATES


def cancel_request(
    session: Session,
    request_id: int,
    reason: str = "",
    *,
    user: User,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> ServiceRequest:
    """The customer withdraws their request before it becomes jobs; the lab's handlers are notified.

    Only a user of the request's own enterprise may cancel it (another enterprise's request is not found);
    the lab refuses a request by rejecting it. A submitted, accepted or scheduled request may be cancelled;
    the reason is optional.
    """
    if not is_customer(user):
        raise RequestError(N_("Only the customer cancels a request; the lab rejects it instead."))
    reason = reason.strip()
    if len(reason) > MAX_NOTES:
        raise RequestError(N_("The reason is limited to %(max)s characters."), max=MAX_NOTES)
    request = lock_request(
        session, user, request_id, expected_version=expected_version
    )  # another's → NotFound
    if not can_cancel(request):
        raise refusal(request, "cancel")
    was = request.state
    request.state = RequestState.CANCELLED
    request.cancellation_reason = reason or None
    request.cancelled_by_id = user.id
    request.cancelled_at = now or datetime.now(UTC)
    request.updated_at = request.cancelled_at
    session.flush()
    if was == RequestState.SCHEDULED and request.scheduled_on is not None:
        msgid = N_("%(enterprise)s cancelled request %(number)s, scheduled for %(date)s. Reason: %(reason)s")
    elif was == RequestState.ACCEPTED:
        msgid = N_("%(enterprise)s cancelled request %(number)s, already accepted. Reason: %(reason)s")
    else:
        msgid = N_("%(enterprise)s cancelled request %(number)s. Reason: %(reason)s")
    notifications.notify(
        session,
        kind="request_cancelled",
        msgid=msgid,
        params={
            "enterprise": request.enterprise.name,
            "number": request_number(request),
            "date": request.scheduled_on or "",
            "reason": reason or "—",
        },
        link=("requests.show", {"request_id": request.id}),
        audience=LAB_AUDIENCE,
    )
    return request


@dataclass(frozen=True, slots=True)
class StateChange:
    """One step of a request's history, read from the audit trail."""

    at: datetime
    state: RequestState
    actor: str  # the audit trail's label of who did it (shown to the lab only)


def history(session: Session, user: Caller, request_id: int) -> list[StateChange]:
    """When the request reached each state, oldest first (from its audit entries, so nothing is lost)."""

    request = get_request(session, user, request_id)
    changes = []
    for entry in audit.history(session, "service_request", request.id):
        state = entry.changes.get("state")
        if state and state[1] and state[1] != state[0]:
            at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=UTC)
            changes.append(StateChange(at, RequestState(state[1]), entry.actor_label))
    return changes


def requester_names(session: Session, requests: Sequence[ServiceRequest]) -> dict[int, str]:
    return jobs.names(
        session,
        {r.requested_by_id for r in requests}
        | {r.decided_by_id for r in requests if r.decided_by_id}
        | {r.cancelled_by_id for r in requests if r.cancelled_by_id},
    )


def requestable_instruments(session: Session, user: Caller, *, limit: int = 500) -> list[CustomerInstrument]:
    """The enterprise's instruments to choose from, soonest due first (those without a due date last); an
    instrument with an open job is left out (it is already at, or on its way to, the lab)."""
    open_job = exists(
        select(Job.id).where(Job.instrument_id == CustomerInstrument.id, Job.state.in_(OPEN_JOB_STATES))
    )
    stmt = (
        scoped(select(CustomerInstrument), CustomerInstrument, user)
        .where(~open_job)
        .order_by(
            CustomerInstrument.next_due_on.is_(None), CustomerInstrument.next_due_on, CustomerInstrument.id
        )
    )
    return list(session.scalars(stmt.limit(limit)))

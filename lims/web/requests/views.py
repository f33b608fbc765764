"""The lab's side of customers' service requests: review (accept, schedule, reject) and conversion to jobs.

Reviewing a request (ISO/IEC 17025:2017 7.1.1) is for the administrator and reviewers; converting it
registers jobs, which administrators and technicians do (as for ``jobs.new``). Everyone on the lab's
technical side may read the requests.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lims.errors import N_, LimsError, NotFound
from lims.models import RequestState, User
from lims.services.common.notifications import customer_status
from lims.services.customers import capability_review, request_conversion, request_errors, service_requests
from lims.web.access import TECHNICAL_READERS, allow
from lims.web.dbsession import db_session
from lims.web.i18n import error_text
from lims.web.paging import after_arg

bp = Blueprint("requests", __name__, url_prefix="/requests")
REVIEWERS = tuple(sorted(service_requests.REVIEWER_ROLES))
CONVERTERS = tuple(sorted(service_requests.CONVERTER_ROLES))


def _user() -> User:
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    return user


def _version() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isdigit() else None


def _date(name: str) -> date | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise request_errors.RequestError(N_("The date %(date)s is not valid."), date=raw[:20]) from None


def _run(request_id: int, action: str) -> ResponseReturnValue:
    db = db_session()
    user = _user()
    today = date.today()
    try:
        if action == "accept":
            service_requests.accept_request(db, request_id, user=user, expected_version=_version())
            message = _("Request accepted; the customer is told.")
        elif action == "schedule":
            on = _date("scheduled_on")
            if on is None:
                raise request_errors.RequestError(N_("Choose the date of the work."))
            service_requests.schedule_request(
                db, request_id, on, user=user, today=today, expected_version=_version()
            )
            message = _("Request scheduled; the customer is told.")
        elif action == "reject":
            service_requests.reject_request(
                db, request_id, request.form.get("reason", "")[:4000], user=user, expected_version=_version()
            )
            message = _("Request rejected; the customer reads the reason.")
        else:
            procedures = {
                int(key.removeprefix("procedure-")): int(value)
                for key, value in request.form.items()
                if key.startswith("procedure-")
                and key.removeprefix("procedure-").isdigit()
                and value.isdigit()
            }
            created = request_conversion.convert_request(
                db,
                request_id,
                request_conversion.Conversion(procedures, due_on=_date("due_on")),
                user=user,
                today=today,
                expected_version=_version(),
            )
            message = _("Jobs registered: %(numbers)s.", numbers=", ".join(j.number for j in created))
    except NotFound:
        db.rollback()
        abort(404)
    except LimsError as exc:
        db.rollback()
        flash(error_text(exc), "error")
        return redirect(url_for("requests.show", request_id=request_id))
    db.commit()
    flash(message, "success")
    return redirect(url_for("requests.show", request_id=request_id))


@bp.get("/")
@allow(TECHNICAL_READERS)
def index() -> ResponseReturnValue:
    raw = request.args.get("state", "open")
    if raw == "open":
        states: tuple[RequestState, ...] = tuple(service_requests.OPEN_STATES)
    elif raw in {s.value for s in RequestState}:
        states = (RequestState(raw),)
    else:
        raw, states = "", ()
    db = db_session()
    page = service_requests.list_requests(db, _user(), states=states, after=after_arg())
    return render_template(
        "requests/index.html",
        page=page,
        state=raw,
        states=list(RequestState),
        names=service_requests.requester_names(db, page.items),
    )


@bp.get("/<int:request_id>")
@allow(TECHNICAL_READERS)
def show(request_id: int) -> ResponseReturnValue:
    db = db_session()
    try:
        found = service_requests.get_request(db, _user(), request_id)
    except NotFound:
        abort(404)
    return render_template(
        "requests/show.html",
        req=found,
        jobs=request_conversion.jobs_of(db, found),
        procedures=capability_review.procedures_for(db, found),
        review=capability_review.review_request(db, found, on=date.today())
        if found.state in service_requests.OPEN_STATES
        else None,
        names=service_requests.requester_names(db, [found]),
        history=service_requests.history(db, _user(), found.id),
        RequestState=RequestState,
        open_states=service_requests.OPEN_STATES,
        customer_status=customer_status,
        request_state_label=service_requests.state_label,
        request_number=service_requests.request_number,
        can_review=_user().role in REVIEWERS,
        can_convert=_user().role in CONVERTERS,
        today=date.today(),
    )


@bp.post("/<int:request_id>/accept")
@allow(*REVIEWERS)
def accept(request_id: int) -> ResponseReturnValue:
    return _run(request_id, "accept")


@bp.post("/<int:request_id>/schedule")
@allow(*REVIEWERS)
def schedule(request_id: int) -> ResponseReturnValue:
    return _run(request_id, "schedule")


@bp.post("/<int:request_id>/reject")
@allow(*REVIEWERS)
def reject(request_id: int) -> ResponseReturnValue:
    return _run(request_id, "reject")


@bp.post("/<int:request_id>/convert")
@allow(*CONVERTERS)
def convert(request_id: int) -> ResponseReturnValue:
    return _run(request_id, "convert")

"""Portal pages for service requests, the enterprise's jobs and its certificates (blueprint ``portal``).

Every read goes through the tenancy-scoped services: another enterprise's identifiers answer 404.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lims.errors import N_, LimsError, NotFound
from lims.models import JobKind, RequestState, Role, User
from lims.services.common.notifications import customer_status
from lims.services.common.storage import StorageError, open_storage
from lims.services.customers import (
    capability_review,
    permitted_use,
    portal_jobs,
    request_conversion,
    request_errors,
    service_requests,
)
from lims.services.customers.instrument_fields import InstrumentData, InstrumentInvalid, check_instrument
from lims.services.jobs import workload
from lims.web.access import allow
from lims.web.dbsession import db_session
from lims.web.downloads import file_response
from lims.web.forms import form_error
from lims.web.i18n import error_text
from lims.web.jobs.bench import frequencies_or_none
from lims.web.paging import after_arg
from lims.web.portal.forms_requests import RequestForm
from lims.web.portal.views import bp, problem_text

NEW_FIELDS = (
    "instrument_type",
    "manufacturer",
    "model",
    "serial_number",
    "range_min",
    "range_max",
    "unit",
    "resolution",
)


def _user() -> User:
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    return user


bp.add_app_template_global(customer_status, "customer_status")
bp.add_app_template_global(portal_jobs.certificate_status, "certificate_status")
bp.add_app_template_global(service_requests.request_number, "request_number")
bp.add_app_template_global(service_requests.state_label, "request_state_label")


@bp.get("/requests/")
@allow(Role.CUSTOMER)
def requests() -> ResponseReturnValue:
    page = service_requests.list_requests(db_session(), current_user, after=after_arg())
    return render_template("portal/requests.html", page=page)


def _new_instrument(form: RequestForm) -> InstrumentData | None:
    raw = {name: getattr(form, f"new_{name}").data or "" for name in NEW_FIELDS}
    if not any(str(v).strip() for v in raw.values()):
        return None
    return check_instrument(raw)


def _items() -> list[service_requests.RequestItemInput]:
    items = []
    for raw in request.form.getlist("instrument_ids"):
        if not raw.isdigit():
            raise NotFound()
        points = service_requests.parse_points(request.form.get(f"points-{raw}", "")[:400])
        items.append(service_requests.RequestItemInput(int(raw), points))
    return items


@bp.route("/requests/new", methods=["GET", "POST"])
@allow(Role.CUSTOMER)
def new_request() -> ResponseReturnValue:
    db = db_session()
    form = RequestForm()
    chosen = (
        set(request.form.getlist("instrument_ids"))
        if request.method == "POST"
        else set(request.args.getlist("instrument_id"))
    )
    if form.validate_on_submit():
        try:
            new_instrument = _new_instrument(form)
            data = service_requests.RequestInput(
                kind=JobKind(form.kind.data),
                items=_items(),
                on_site=form.place.data == "site",
                preferred_on=form.preferred_on.data,
                decision_rule=form.decision_rule.data or "procedure",
                conformity_statement=bool(form.conformity_statement.data),
                conformity_specification=form.conformity_specification.data or "",
                recalibration_months=int(form.recalibration_months.data)
                if (form.recalibration_months.data or "").isdigit()
                else None,
                notes=form.notes.data or "",
                new_instrument=new_instrument,
                new_instrument_points=service_requests.parse_points(form.new_points.data or ""),
            )
            created = service_requests.submit_request(db, _user(), data, today=date.today())
        except NotFound:
            db.rollback()
            abort(404)
        except InstrumentInvalid as exc:
            db.rollback()
            for problem in exc.problems:
                field = getattr(form, f"new_{problem.field}", None)
                if field is not None:
                    field.errors = [*field.errors, problem_text(problem)]
            form_error(form, exc)
        except LimsError as exc:
            db.rollback()
            form_error(form, exc)
        else:
            db.commit()
            flash(
                _("Request %(number)s sent to the lab.", number=service_requests.request_number(created)),
                "success",
            )
            return redirect(url_for("portal.request", request_id=created.id))
    instruments = service_requests.requestable_instruments(db, current_user)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "portal/request_form.html", form=form, instruments=instruments, chosen=chosen, points=request.form
    ), status


@bp.get("/requests/<int:request_id>", endpoint="request")
@allow(Role.CUSTOMER)
def request_detail(request_id: int) -> ResponseReturnValue:
    db = db_session()
    found = service_requests.get_request(db, current_user, request_id)
    return render_template(
        "portal/request.html",
        req=found,
        jobs=request_conversion.jobs_of(db, found),
        names=service_requests.requester_names(db, [found]),
        history=service_requests.history(db, current_user, found.id),
        can_cancel=service_requests.can_cancel(found),
        review=capability_review.review_request(db, found, on=date.today())
        if found.state in service_requests.OPEN_STATES
        else None,
        RequestState=RequestState,
    )


@bp.post("/requests/<int:request_id>/cancel")
@allow(Role.CUSTOMER)
def cancel_request(request_id: int) -> ResponseReturnValue:
    """The customer withdraws the request (confirmed by a tick box, so it works without JavaScript)."""
    db = db_session()
    back = redirect(url_for("portal.request", request_id=request_id))
    raw_version = request.form.get("version", "")
    try:
        if request.form.get("confirm") != "y":
            service_requests.get_request(db, current_user, request_id)  # another's → 404 first
            raise request_errors.RequestError(N_("Tick the box to confirm the cancellation."))
        cancelled = service_requests.cancel_request(
            db,
            request_id,
            request.form.get("reason", "")[:4000],
            user=_user(),
            expected_version=int(raw_version) if raw_version.isdigit() else None,
        )
    except NotFound:
        db.rollback()
        abort(404)
    except LimsError as exc:
        db.rollback()
        flash(error_text(exc), "error")
        return back
    db.commit()
    flash(
        _(
            "Request %(number)s cancelled; the lab is told.",
            number=service_requests.request_number(cancelled),
        ),
        "success",
    )
    return back


@bp.get("/jobs/")
@allow(Role.CUSTOMER)
def jobs() -> ResponseReturnValue:
    db = db_session()
    page = portal_jobs.list_jobs(db, current_user, after=after_arg())
    return render_template(
        "portal/jobs.html",
        page=page,
        failed_verifications=permitted_use.failed_verifications(db, page.items),
        today=date.today(),
        is_overdue=workload.is_overdue,
    )


@bp.get("/jobs/<int:job_id>")
@allow(Role.CUSTOMER)
def job(job_id: int) -> ResponseReturnValue:
    db = db_session()
    found = portal_jobs.get_job(db, current_user, job_id)
    return render_template(
        "portal/job.html",
        job=found,
        history=portal_jobs.history(db, current_user, found.id),
        certificates=portal_jobs.certificates_of_job(db, current_user, found.id),
        results=portal_jobs.issued_results(db, current_user, found.id),
        notice=portal_jobs.failure_notice_of_job(db, current_user, found.id),
        failed_verification=found.id in permitted_use.failed_verifications(db, [found]),
        frequencies=frequencies_or_none(found),  # an AC point's frequency beside its number
        today=date.today(),
        is_overdue=workload.is_overdue,
    )


@bp.get("/certificates/")
@allow(Role.CUSTOMER)
def certificates() -> ResponseReturnValue:
    page = portal_jobs.list_certificates(db_session(), current_user, after=after_arg())
    return render_template("portal/certificates.html", page=page)


@bp.get("/certificates/<int:certificate_id>/<any(pdf, dcc, p7s):file_kind>")
@allow(Role.CUSTOMER)
def certificate_file(certificate_id: int, file_kind: Any) -> ResponseReturnValue:
    db = db_session()
    try:
        stored = portal_jobs.certificate_file(
            db, open_storage(current_app.config["SETTINGS"], db), current_user, certificate_id, file_kind
        )
    except StorageError:
        current_app.logger.exception("certificate %s: stored %s unreadable", certificate_id, file_kind)
        abort(404)
    return file_response(
        stored.data,
        filename=stored.filename,
        mimetype=stored.content_type,
        headers={"Cache-Control": "private, no-store"},
    )


@bp.get("/jobs/<int:job_id>/notice.pdf")
@allow(Role.CUSTOMER)
def failure_notice(job_id: int) -> ResponseReturnValue:
    """The notice of failed verification of the enterprise's own job (another's job: 404), as stored."""
    db = db_session()
    try:
        notice = portal_jobs.failure_notice_file(
            db, open_storage(current_app.config["SETTINGS"], db), current_user, job_id
        )
    except StorageError:
        current_app.logger.exception("job %s: stored notice unreadable", job_id)
        abort(404)
    if notice is None:
        abort(404)
    return file_response(
        notice.data,
        filename=notice.filename,
        mimetype=notice.content_type,
        headers={"Cache-Control": "private, no-store"},
    )

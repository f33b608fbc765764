"""Reverse traceability pages: declare a suspect standard, see what relied on it, evaluate, draft notices."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lims.errors import N_, LimsError, NotFound
from lims.models import Role
from lims.services.standards import impact
from lims.web.access import TECHNICAL_READERS, allow
from lims.web.dbsession import db_session
from lims.web.forms import flash_error

bp = Blueprint("impact", __name__)
DECLARERS = (Role.ADMIN, Role.TECHNICIAN, Role.REVIEWER)
EVALUATORS = (Role.ADMIN, Role.REVIEWER, Role.SIGNATORY)
KIND_LABELS = {
    "out_of_tolerance": N_("Found out of tolerance"),
    "certificate_withdrawn": N_("Certificate withdrawn"),
    "failed_check": N_("Intermediate check failed"),
}
DECISION_LABELS = {
    "no_effect": N_("No effect on the result"),
    "notify": N_("Notify the customer"),
    "recall": N_("Recall and recalibrate"),
}


def _date(name: str) -> date | None:
    raw = request.form.get(name, "")
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@bp.post("/standards/<int:standard_id>/impact")
@allow(DECLARERS)
def declare(standard_id: int) -> ResponseReturnValue:
    db = db_session()
    found_on = _date("found_on")
    if found_on is None:
        flash(_("Give the date the problem was found."), "error")
        return redirect(url_for("standards.show", standard_id=standard_id))
    try:
        event = impact.declare_event(
            db,
            standard_id,
            kind=request.form.get("kind", ""),
            found_on=found_on,
            details=request.form.get("details", "")[:4000],
            declared_by_id=current_user.id,
            suspect_from=_date("suspect_from"),
        )
    except NotFound:
        abort(404)
    except LimsError as exc:
        db.rollback()
        flash_error(exc)
        return redirect(url_for("standards.show", standard_id=standard_id))
    db.commit()
    return redirect(url_for("impact.show", event_id=event.id))


@bp.get("/impact/<int:event_id>")
@allow(TECHNICAL_READERS)
def show(event_id: int) -> ResponseReturnValue:
    try:
        view = impact.assess(db_session(), event_id)
    except NotFound:
        abort(404)
    return render_template(
        "impact/show.html",
        view=view,
        kind_labels=KIND_LABELS,
        decision_labels=DECISION_LABELS,
        can_evaluate=current_user.role in EVALUATORS,
    )


@bp.post("/impact/<int:event_id>/evaluations")
@allow(EVALUATORS)
def evaluate(event_id: int) -> ResponseReturnValue:
    db = db_session()
    try:
        impact.record_evaluation(
            db,
            event_id,
            job_ref=request.form.get("job_ref", "")[:100],
            decision=request.form.get("decision", ""),
            evaluation=request.form.get("evaluation", "")[:4000],
            evaluated_by_id=current_user.id,
        )
    except NotFound:
        abort(404)
    except LimsError as exc:
        db.rollback()
        flash_error(exc)
    else:
        db.commit()
        flash(_("Evaluation recorded."), "success")
    return redirect(url_for("impact.show", event_id=event_id))


@bp.post("/impact/<int:event_id>/notices")
@allow(EVALUATORS)
def notices(event_id: int) -> ResponseReturnValue:
    db = db_session()
    try:
        added = impact.queue_notices(db, event_id)
    except NotFound:
        abort(404)
    db.commit()
    flash(_("%(n)s notices kept in the outbox as drafts.", n=added), "success")
    return redirect(url_for("impact.show", event_id=event_id))

"""Complaint pages for lab staff (ISO/IEC 17025:2017 7.9): record, acknowledge, investigate, answer, close."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from lims.errors import N_, NotFound
from lims.models import User
from lims.services.quality import complaints
from lims.web.access import TECHNICAL_READERS, allow
from lims.web.dbsession import db_session
from lims.web.forms import run_action
from lims.web.nc.views import EVALUATORS, OPENERS, bp

CHANNEL_LABELS = {
    "portal": N_("customer portal"),
    "phone": N_("telephone"),
    "email": N_("e-mail"),
    "letter": N_("letter"),
    "visit": N_("in person"),
}


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _opened(result: object) -> list[str]:
    """The step's own message, and the record it opened when the complaint is nonconforming work."""
    number = getattr(result, "number", None)
    return [_("Record %(number)s opened.", number=number)] if number and number.startswith("NC-") else []


def _step(complaint_id: int, action: Callable[[Session], object], success: str) -> ResponseReturnValue:
    """Run one step of the complaint from its page and come back to it."""
    return run_action(
        action,
        success=lambda result: [success, *_opened(result)],
        then=url_for("nc.complaint", complaint_id=complaint_id),
    )


@bp.get("/complaints")
@allow(TECHNICAL_READERS)
def complaints_index() -> ResponseReturnValue:
    db = db_session()
    return render_template(
        "nc/complaints.html",
        rows=complaints.list_complaints(db),
        state_words=complaints.STATE_WORDS,
        channel_labels=CHANNEL_LABELS,
        can_record=current_user.role in OPENERS,
    )


@bp.post("/complaints")
@allow(OPENERS)
def record_complaint() -> ResponseReturnValue:
    raw = request.form.get("enterprise_id", "")
    return run_action(
        lambda db: complaints.submit(
            db,
            complaints.ComplaintInput(
                subject=request.form.get("subject", "")[:200],
                description=request.form.get("description", "")[:4000],
                complainant=request.form.get("complainant", "")[:200],
                channel=request.form.get("channel", ""),
                enterprise_id=int(raw) if raw.isdigit() else None,
                job_number=request.form.get("job_number", "")[:50],
            ),
            by=_user(),
            today=date.today(),
        ),
        success=lambda complaint: _("Complaint %(number)s recorded.", number=complaint.number),
        then=lambda complaint: url_for("nc.complaint", complaint_id=complaint.id),
        refused=url_for("nc.complaints_index"),
    )


@bp.get("/complaints/<int:complaint_id>")
@allow(TECHNICAL_READERS)
def complaint(complaint_id: int) -> ResponseReturnValue:
    db = db_session()
    try:
        found = complaints.get(db, complaint_id)
    except NotFound:
        abort(404)
    return render_template(
        "nc/complaint.html",
        c=found,
        record=complaints.record_of(db, complaint_id),
        state_words=complaints.STATE_WORDS,
        channel_labels=CHANNEL_LABELS,
        can_handle=current_user.role in EVALUATORS,
    )


@bp.post("/complaints/<int:complaint_id>/acknowledge")
@allow(EVALUATORS)
def acknowledge_complaint(complaint_id: int) -> ResponseReturnValue:
    return _step(
        complaint_id,
        lambda db: complaints.acknowledge(db, complaint_id, by=_user()),
        _("Complaint acknowledged; the customer is told."),
    )


@bp.post("/complaints/<int:complaint_id>/investigate")
@allow(EVALUATORS)
def investigate_complaint(complaint_id: int) -> ResponseReturnValue:
    return _step(
        complaint_id,
        lambda db: complaints.investigate(
            db,
            complaint_id,
            findings=request.form.get("findings", "")[:4000],
            nonconforming=request.form.get("nonconforming") == "yes",
            by=_user(),
            today=date.today(),
        ),
        _("Investigation recorded."),
    )


@bp.post("/complaints/<int:complaint_id>/answer")
@allow(EVALUATORS)
def answer_complaint(complaint_id: int) -> ResponseReturnValue:
    return _step(
        complaint_id,
        lambda db: complaints.answer(
            db, complaint_id, text=request.form.get("answer", "")[:4000], by=_user()
        ),
        _("Answer sent to the complainant."),
    )


@bp.post("/complaints/<int:complaint_id>/close")
@allow(EVALUATORS)
def close_complaint(complaint_id: int) -> ResponseReturnValue:
    return _step(
        complaint_id,
        lambda db: complaints.close(db, complaint_id, by=_user()),
        _("Complaint closed."),
    )

"""Nonconforming work pages (ISO/IEC 17025:2017 7.10, 8.7): list, open, evaluate, decide, act, notify, close."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from lims.config import MailSettings
from lims.domain import nonconformity as nc
from lims.errors import N_, LimsError, NotFound
from lims.models import Role, User
from lims.services.certificates.settings import certificate_settings
from lims.services.common.mail import SmtpMailer
from lims.services.common.storage import open_storage
from lims.services.quality import actions, corrective, notices, report
from lims.services.quality import nonconformity as records
from lims.web.access import TECHNICAL_READERS, allow
from lims.web.dbsession import db_session
from lims.web.forms import call_service, flash_error, flash_refusal, local_target, run_action

bp = Blueprint("nc", __name__, url_prefix="/nc")
OPENERS = (Role.ADMIN, Role.TECHNICIAN, Role.REVIEWER, Role.SIGNATORY)
# An auditor who finds a job or a certificate wrong opens its record (7.10.1; the audit's finding), nothing else.
AUDITOR_TRIGGERS = (nc.Trigger.JOB_FOUND_WRONG.value, nc.Trigger.CERTIFICATE_FOUND_WRONG.value)
EVALUATORS = (Role.ADMIN, Role.REVIEWER, Role.SIGNATORY)
ISSUERS = (Role.ADMIN, Role.SIGNATORY)

TRIGGER_LABELS = {
    nc.Trigger.CALIBRATION_OUT_OF_TOLERANCE.value: N_("Standard found out of tolerance at calibration"),
    nc.Trigger.CHECK_OUT_OF_LIMITS.value: N_("Intermediate check outside its limits"),
    nc.Trigger.STANDARD_CERTIFICATE_WITHDRAWN.value: N_("Standard's certificate withdrawn"),
    nc.Trigger.COMPLAINT.value: N_("Complaint"),
    nc.Trigger.JOB_FOUND_WRONG.value: N_("Job found wrong"),
    nc.Trigger.CERTIFICATE_FOUND_WRONG.value: N_("Certificate found wrong"),
}
STATE_LABELS = {
    nc.NcState.OPEN.value: N_("Open"),
    nc.NcState.EVALUATING.value: N_("Being evaluated"),
    nc.NcState.ACTING.value: N_("Actions under way"),
    nc.NcState.CLOSED.value: N_("Closed"),
}
DECISION_LABELS = {
    nc.Decision.NO_EFFECT.value: N_("No effect on the result"),
    nc.Decision.NOTIFY.value: N_("Notify the customer"),
    nc.Decision.RECALL.value: N_("Recall and repeat the work"),
    nc.Decision.AMEND.value: N_("Amend the certificate"),
    nc.Decision.WITHDRAW.value: N_("Withdraw the certificate"),
}
DELIVERY_LABELS = {
    "draft": N_("Draft, waiting for review"),
    "cancelled": N_("Cancelled (decisions changed)"),
    "queued": N_("Sent, e-mail waiting for delivery"),
    "sent": N_("Sent and delivered by e-mail"),
    "failed": N_("Sent; e-mail delivery failed"),
}
CA_STATE_LABELS = {
    "open": N_("Open"),
    "review": N_("Waiting for the effectiveness review"),
    "closed": N_("Closed"),
}


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _date(name: str) -> date | None:
    raw = request.form.get(name, "").strip()
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _int(name: str, source: Any = None) -> int | None:
    raw = (source or request.form).get(name, "")
    return int(raw) if raw.isdigit() else None


def _labels() -> dict[str, Any]:
    return {
        "trigger_labels": TRIGGER_LABELS,
        "state_labels": STATE_LABELS,
        "decision_labels": DECISION_LABELS,
        "delivery_labels": DELIVERY_LABELS,
        "ca_state_labels": CA_STATE_LABELS,
    }


def _on_record(nc_id: int, action: Callable[[Session], object], success: str) -> ResponseReturnValue:
    """Run one service call from the record's page and come back to it."""
    return run_action(action, success=success, then=url_for("nc.show", nc_id=nc_id))


@bp.get("/")
@allow(TECHNICAL_READERS)
def index() -> ResponseReturnValue:
    state = request.args.get("state", "")
    trigger = request.args.get("trigger", "")
    corrective = request.args.get("corrective", "")
    where = records.NcFilter(
        state=state if state in STATE_LABELS else None,
        trigger=trigger if trigger in TRIGGER_LABELS else None,
        open_only=request.args.get("open") == "1",
        corrective=corrective if corrective in records.CORRECTIVE_FILTERS else None,
        drafts=request.args.get("notices") == "draft",
        today=date.today(),
    )
    return render_template(
        "nc/index.html",
        rows=records.list_records(db_session(), where),
        where=where,
        can_open=current_user.role in (*OPENERS, Role.AUDITOR),
        open_triggers=AUDITOR_TRIGGERS
        if current_user.role == Role.AUDITOR
        else (*AUDITOR_TRIGGERS, "complaint"),
        corrective_filters=records.CORRECTIVE_FILTERS,
        **_labels(),
    )


@bp.post("/")
@allow((*OPENERS, Role.AUDITOR))
def open_record() -> ResponseReturnValue:
    found_on = _date("found_on")
    back = local_target(request.form.get("back"), url_for("nc.index"))
    if current_user.role == Role.AUDITOR and request.form.get("trigger") not in AUDITOR_TRIGGERS:
        flash(_("An auditor opens a record for a job or a certificate found wrong."), "error")
        return redirect(back)
    if found_on is None:
        flash(_("Give the date the problem was found."), "error")
        return redirect(back)
    return run_action(
        lambda db: records.open_record(
            db,
            records.NcInput(
                trigger=request.form.get("trigger", ""),
                description=request.form.get("description", "")[:4000],
                found_on=found_on,
                standard_id=_int("standard_id"),
                calibration_id=_found_at("cal:"),
                check_id=_found_at("check:"),
                job_id=_job_id(db, request.form.get("job", "")),
                suspect_from=_date("suspect_from"),
                suspect_until=_date("suspect_until"),
                opened_by_id=current_user.id,
            ),
            today=date.today(),
        ),
        success=lambda record: _("Record %(number)s opened.", number=record.number),
        then=lambda record: url_for("nc.show", nc_id=record.id),
        refused=back,
    )


def _found_at(prefix: str) -> int | None:
    """The calibration ("cal:ID") or check ("check:ID") chosen as the one that found the problem."""
    raw = request.form.get("found_at", "")
    return int(raw[len(prefix) :]) if raw.startswith(prefix) and raw[len(prefix) :].isdigit() else None


def _job_id(db: Any, number: str) -> int | None:
    return records.job_id_by_number(db, number) if number.strip() else None


@bp.get("/<int:nc_id>")
@allow(TECHNICAL_READERS)
def show(nc_id: int) -> ResponseReturnValue:
    db = db_session()
    try:
        view = records.assess(db, nc_id)
    except NotFound:
        abort(404)
    return render_template(
        "nc/show.html",
        view=view,
        people=report.people_of(db, view),
        delivery={n.id: notices.delivery_state(db, n) for n in view.notices},
        actions_open=records.actions_open(view),
        owners=corrective.possible_owners(db),
        today=date.today(),
        can_evaluate=current_user.role in EVALUATORS,
        can_issue=current_user.role in ISSUERS,
        **_labels(),
    )


@bp.post("/<int:nc_id>/decisions")
@allow(EVALUATORS)
def decide(nc_id: int) -> ResponseReturnValue:
    return _on_record(
        nc_id,
        lambda db: actions.decide(
            db,
            nc_id,
            usage_ref=request.form.get("usage_ref", "")[:100],
            decision=request.form.get("decision", ""),
            reason=request.form.get("reason", "")[:4000],
            decided_by_id=current_user.id,
        ),
        _("Decision recorded."),
    )


@bp.post("/<int:nc_id>/decisions/<int:decision_id>/amend")
@allow(ISSUERS)
def amend(nc_id: int, decision_id: int) -> ResponseReturnValue:
    def work(db: Session) -> object:
        config = current_app.config["SETTINGS"]
        storage, settings = open_storage(config, db), certificate_settings(config)
        return actions.amend_from_decision(
            db,
            decision_id,
            _user(),
            request.form.get("reason", "")[:400],
            storage=storage,
            settings=settings,
            nc_id=nc_id,
        )

    return _on_record(nc_id, work, _("Amendment issued from the decision."))


@bp.post("/<int:nc_id>/decisions/<int:decision_id>/withdraw")
@allow(ISSUERS)
def withdraw(nc_id: int, decision_id: int) -> ResponseReturnValue:
    return _on_record(
        nc_id,
        lambda db: actions.withdraw_from_decision(
            db, decision_id, _user(), request.form.get("reason", "")[:400], nc_id=nc_id
        ),
        _("Certificate withdrawn from the decision."),
    )


def mail_settings() -> MailSettings:
    configured = current_app.config.get("MAIL_SETTINGS")
    return configured if isinstance(configured, MailSettings) else MailSettings.from_env()


@bp.post("/<int:nc_id>/notices/<int:notice_id>/send")
@allow(EVALUATORS)
def send(nc_id: int, notice_id: int) -> ResponseReturnValue:
    sent = call_service(
        lambda db: notices.send_notice(
            db,
            notice_id,
            reviewer=_user(),
            subject=request.form.get("subject", "")[:500],
            body=request.form.get("body", "")[:20000],
            nc_id=nc_id,
        ),
        refused=flash_refusal,
    )
    if sent is not None:
        settings = mail_settings()
        if settings.configured:
            db = db_session()
            try:
                with SmtpMailer(settings) as mailer:
                    notices.deliver_notices(db, mailer, settings)
            except LimsError as exc:
                flash_error(exc)
            db.commit()  # each outcome (sent or failed with its error) is kept
        flash(_("Notice sent to the customer's notifications and to the outbox."), "success")
    return redirect(url_for("nc.show", nc_id=nc_id))


@bp.post("/<int:nc_id>/return-to-service")
@allow(EVALUATORS)
def return_to_service(nc_id: int) -> ResponseReturnValue:
    return _on_record(
        nc_id,
        lambda db: records.return_to_service(
            db,
            nc_id,
            reason=request.form.get("reason", "")[:2000],
            effective_on=date.today(),
            changed_by_id=current_user.id,
        ),
        _("The standard is back in service."),
    )


@bp.post("/<int:nc_id>/close")
@allow(EVALUATORS)
def close(nc_id: int) -> ResponseReturnValue:
    return _on_record(
        nc_id,
        lambda db: records.close(
            db, nc_id, note=request.form.get("note", "")[:4000], closed_by_id=current_user.id
        ),
        _("Record closed."),
    )


@bp.post("/<int:nc_id>/corrective-actions")
@allow(EVALUATORS)
def add_corrective_action(nc_id: int) -> ResponseReturnValue:
    return _on_record(
        nc_id,
        lambda db: corrective.open_action(
            db,
            corrective.ActionInput(
                nc_id=nc_id,
                root_cause=request.form.get("root_cause", "")[:4000],
                actions=request.form.get("actions", "")[:4000],
                owner_id=_int("owner_id"),
                due_on=_date("due_on"),
            ),
            today=date.today(),
        ),
        _("Corrective action recorded."),
    )


@bp.post("/<int:nc_id>/corrective-actions/<int:action_id>/done")
@allow(EVALUATORS)
def corrective_done(nc_id: int, action_id: int) -> ResponseReturnValue:
    return _on_record(
        nc_id,
        lambda db: corrective.actions_done(db, action_id, by=_user(), nc_id=nc_id),
        _("Actions done: the effectiveness review is next."),
    )


@bp.post("/<int:nc_id>/corrective-actions/<int:action_id>/review")
@allow(EVALUATORS)
def corrective_review(nc_id: int, action_id: int) -> ResponseReturnValue:
    return _on_record(
        nc_id,
        lambda db: corrective.review(
            db,
            action_id,
            effective=request.form.get("effective") == "yes",
            text=request.form.get("effectiveness", "")[:4000],
            by=_user(),
            today=date.today(),
            nc_id=nc_id,
        ),
        _("Effectiveness review recorded."),
    )


from lims.web.nc import complaints as _complaints  # noqa: E402, F401 - registers the complaint routes

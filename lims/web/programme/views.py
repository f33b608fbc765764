"""The city programme: dashboard per phase, drill-down to records, annual report download, applications queue."""

from __future__ import annotations

from datetime import date, tzinfo
from functools import partial

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Session

from lims.domain.programme import Indicator, Phase, Programme, TargetKind
from lims.domain.programme.support import ApplicationRequest
from lims.domain.programme.trend_svg import trend_svg
from lims.errors import LimsError, NotFound
from lims.models import Role
from lims.services.programme import report as programme_service
from lims.services.programme import support as programme_support
from lims.services.programme.drilldown import LineKind, LineStatus, indicator_records
from lims.web.access import TECHNICAL_READERS, allow
from lims.web.dbsession import db_session
from lims.web.downloads import file_response
from lims.web.forms import call_service, flash_error, run_action
from lims.web.i18n import error_text
from lims.web.programme.forms import (
    BaselineForm,
    CsrfOnlyForm,
    DecisionForm,
    SubmitReportForm,
)
from lims.web.programme.labels import figure, indicator_cells, indicator_label

bp = Blueprint("programme", __name__, url_prefix="/programme")

# Every kind and status a drill-down line carries, in the reader's language (the report has its own
# Vietnamese words in lims.reports.programme_text; a test keeps both complete).
LINE_KIND_LABELS = {
    LineKind.PARTICIPATION: _l("Training participation"),
    LineKind.SUPPORT: _l("Support to an enterprise"),
    LineKind.CERTIFICATE: _l("Certificate issued by the lab"),
    LineKind.ASSESSMENT: _l("Assessment against the national criteria"),
    LineKind.CERTIFICATION: _l("Certification of a service organisation"),
    LineKind.DEMAND: _l("Instrument type to verify or calibrate"),
    LineKind.STANDARD: _l("Measurement standard"),
    LineKind.REFERENCE_MATERIAL: _l("Reference material"),
}
LINE_STATUS_LABELS = {
    LineStatus.MET: _l("Criteria met"),
    LineStatus.PARTIALLY_MET: _l("Criteria partly met"),
    LineStatus.NOT_MET: _l("Criteria not met"),
    LineStatus.CALIBRATION: _l("Calibration"),
    LineStatus.VERIFICATION: _l("Verification"),
    LineStatus.COVERED: _l("Covered by the lab"),
    LineStatus.NOT_COVERED: _l("Not yet covered"),
    LineStatus.BY_LAB: _l("By the lab or the Department"),
    LineStatus.BY_OTHER_BODY: _l("By another body"),
}


@bp.context_processor
def _labels() -> dict[str, object]:
    """The indicators' names in the user's language (lims/web/programme/labels.py) for every programme page."""
    return {"indicator_label": indicator_label}


def _programme() -> Programme:
    return programme_service.current_programme(current_app.config["SETTINGS"])


def _zone() -> tzinfo:
    """The lab's time zone (``LIMS_TIMEZONE``): the day a certificate counts in is the lab's local day."""
    zone: tzinfo = current_app.config["SETTINGS"].zone
    return zone


def _phase_and_year(programme: Programme) -> tuple[Phase, int]:
    today = date.today()
    wanted = request.args.get("phase")
    if wanted:
        try:
            phase = programme.phase(wanted)
        except KeyError:
            abort(404)
    else:
        phase = (
            programme.phase_of_year(today.year)
            or programme.phases[-1 if today > programme.phases[-1].end else 0]
        )
    year = max(phase.start.year, min(today.year, phase.end.year))
    return phase, year


@bp.get("/")
@allow(TECHNICAL_READERS)
def index() -> ResponseReturnValue:
    programme = _programme()
    phase, year = _phase_and_year(programme)
    rows = programme_service.phase_status(db_session(), programme, phase, year, zone=_zone())
    cards = [
        {
            "row": row,
            "cells": indicator_cells(row),
            "chart": trend_svg(row.yearly, title=indicator_label(row.indicator), label=partial(figure, row)),
        }
        for row in rows
    ]
    reminder = programme_service.report_reminder(programme, today=date.today())
    growth = [row for row in rows if row.status.target and row.status.target.kind is TargetKind.GROWTH]
    from lims.services.programme.submission import submitted_reports

    return render_template(
        "programme/index.html",
        programme=programme,
        phase=phase,
        year=year,
        cards=cards,
        reminder=reminder,
        growth=growth,
        baseline_form=BaselineForm(),
        submit_form=SubmitReportForm(year=year),
        submissions=submitted_reports(db_session(), programme),
        may_edit=current_user.role == Role.ADMIN,
    )


@bp.post("/baseline")
@allow(Role.ADMIN)
def baseline() -> ResponseReturnValue:
    """Enter the previous phase's figure of a growth target (audited), with the document it comes from."""
    from lims.services.programme.developments import BaselineInput, enter_baseline

    programme = _programme()
    form = BaselineForm()
    if not form.validate_on_submit():
        flash(_("Give the figure and its source."), "error")
        return redirect(url_for("programme.index", phase=form.phase_id.data or None))
    try:
        indicator = Indicator(form.indicator.data)
    except ValueError:
        abort(404)
    data = BaselineInput(form.phase_id.data or "", indicator, form.value.data or "", form.source.data or "")
    return run_action(
        lambda db: enter_baseline(db, programme, data, entered_by_id=current_user.id),
        success=_("Baseline saved."),
        then=url_for("programme.index", phase=data.phase_id),
    )


@bp.get("/indicator/<indicator>")
@allow(TECHNICAL_READERS)
def indicator(indicator: str) -> ResponseReturnValue:
    try:
        chosen = Indicator(indicator)
    except ValueError:
        abort(404)
    programme = _programme()
    phase, year = _phase_and_year(programme)
    end = min(phase.end, date(year, 12, 31))
    lines = indicator_records(db_session(), chosen, phase.start, end, zone=_zone())
    from lims.services.programme.registry import INDICATORS
    from lims.web.programme.record_pages import content_title

    record_kind = next((k.value for k, moved in INDICATORS.items() if chosen in moved), None)
    if chosen is Indicator.TRAINING_PARTICIPATIONS:
        record_kind = None
    details = [
        content_title(programme, line.content) + (f" — {line.detail}" if line.detail else "")
        if line.content is not None
        else line.detail
        for line in lines
    ]
    return render_template(
        "programme/indicator.html",
        programme=programme,
        phase=phase,
        indicator=chosen,
        lines=list(zip(lines, details, strict=True)),
        record_kind=record_kind,
        kind_labels=LINE_KIND_LABELS,
        status_labels=LINE_STATUS_LABELS,
        may_edit=current_user.role == Role.ADMIN,
    )


@bp.get("/report")
@allow(TECHNICAL_READERS)
def report() -> ResponseReturnValue:
    from lims.reports.programme_report import render_pdf, render_xlsx

    programme = _programme()
    fmt = request.args.get("format", "pdf")
    try:
        year = int(request.args.get("year", ""))
    except ValueError:
        flash(_("Choose the year of the report."), "error")
        return redirect(url_for("programme.index"))
    if fmt not in ("pdf", "xlsx"):
        abort(404)
    try:
        data = programme_service.annual_report(
            db_session(), programme, year, today=date.today(), zone=_zone()
        )
    except LimsError as exc:
        flash_error(exc)
        return redirect(url_for("programme.index"))
    content = render_pdf(data) if fmt == "pdf" else render_xlsx(data)
    mimetype = (
        "application/pdf"
        if fmt == "pdf"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"bao-cao-{programme.id}-{year}.{fmt}"
    return file_response(content, filename=name, mimetype=mimetype)


@bp.get("/applications")
@allow(TECHNICAL_READERS)
def applications() -> ResponseReturnValue:
    programme = _programme()
    queue = programme_support.application_queue(db_session(), programme)
    decided = programme_support.decided_applications(db_session(), programme)
    contents = {c.id: c.title_vi for c in programme.support_contents}
    form = DecisionForm()
    return render_template(
        "programme/applications.html",
        programme=programme,
        queue=queue,
        decided=decided,
        contents=contents,
        form=form,
        may_decide=current_user.role == Role.ADMIN,
    )


def _application_request(programme: Programme) -> tuple[str, ApplicationRequest]:
    """Read the application form: contents ticked, evidence per checklist item, sector, declared costs."""
    form = request.form
    contents = tuple(c.id for c in programme.support_contents if form.get(f"content_{c.id}"))
    evidence = {item.id: form.get(f"evidence_{item.id}", "") for item in programme.eligibility}
    costs: dict[str, int] = {}
    for content_id in contents:
        raw = form.get(f"cost_{content_id}", "").replace(".", "").replace(" ", "")
        if raw:
            costs[content_id] = int(raw) if raw.isdigit() else -1
    sector = form.get("priority_sector") or None
    return form.get("tax_code", ""), ApplicationRequest(contents, evidence, sector, costs)


@bp.route("/applications/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def new_application() -> ResponseReturnValue:
    programme = _programme()
    form = CsrfOnlyForm()
    errors: list[str] = []
    if request.method == "POST" and form.validate_on_submit():
        tax_code, application_request = _application_request(programme)

        def submit(db: Session) -> object:
            enterprise = programme_support.enterprise_by_tax_code(db, tax_code)
            return programme_support.submit_application(
                db, programme, enterprise.id, application_request, applied_on=date.today()
            )

        if call_service(submit, refused=lambda exc: errors.append(error_text(exc))) is not None:
            flash(_("Application registered."), "success")
            return redirect(url_for("programme.applications"))
    elif request.method == "POST":
        errors.append(_("The form has expired; please submit it again."))
    # the sectors offered are the plan's and the city's list added on the web (Hà Nội III.2)
    offered = programme_support.with_city_sectors(db_session(), programme)
    return render_template(
        "programme/application_form.html", programme=offered, form=form, errors=errors, values=request.form
    ), (422 if errors else 200)


@bp.post("/applications/<int:application_id>/decide")
@allow(Role.ADMIN)
def decide(application_id: int) -> ResponseReturnValue:
    programme = _programme()
    form = DecisionForm()
    if not form.validate_on_submit():
        flash(_("Choose approve or reject and give the reason."), "error")
        return redirect(url_for("programme.applications"))
    decision = programme_support.Decision(
        approve=form.outcome.data == "approve",
        reason=form.reason.data or "",
        decided_on=date.today(),
        decided_by_id=current_user.id,
    )
    return run_action(
        lambda db: programme_support.decide_application(db, programme, application_id, decision),
        success=_("Decision recorded."),
        then=url_for("programme.applications"),
    )


@bp.post("/report/submit")
@allow(Role.ADMIN)
def submit_report() -> ResponseReturnValue:
    """Mark a year's report as submitted: the PDF and XLSX are frozen in the file store with their SHA-256."""
    from lims.reports.programme_report import render_pdf, render_xlsx
    from lims.services.common.storage import open_storage
    from lims.services.programme.submission import submit_report as freeze

    programme = _programme()
    form = SubmitReportForm()
    if not form.validate_on_submit():
        flash(_("Choose the year of the report."), "error")
        return redirect(url_for("programme.index"))
    return run_action(
        lambda db: freeze(
            db,
            open_storage(current_app.config["SETTINGS"], db),
            programme,
            int(form.year.data),
            today=date.today(),
            zone=_zone(),
            submitted_by_id=current_user.id,
            render_pdf=render_pdf,
            render_xlsx=render_xlsx,
        ),
        success=_("The report is marked as submitted and frozen."),
        then=url_for("programme.index"),
    )


@bp.get("/report/submitted/<int:year>.<fmt>")
@allow(TECHNICAL_READERS)
def submitted_report(year: int, fmt: str) -> ResponseReturnValue:
    from lims.services.common.storage import open_storage
    from lims.services.programme.submission import submitted_file

    db = db_session()
    try:
        data, name = submitted_file(
            db, open_storage(current_app.config["SETTINGS"], db), _programme(), year, fmt
        )
    except NotFound:
        abort(404)
    mimetype = (
        "application/pdf"
        if fmt == "pdf"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return file_response(data, filename=name, mimetype=mimetype)


# The record pages register their routes on this blueprint.
from lims.web.programme import course_pages, record_pages, sector_pages  # noqa: E402, F401

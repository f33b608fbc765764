"""Programme records on the web: one list, form, import, edit and withdrawal page per record kind.

Each kind is described once (:data:`PAGES`): its form, how the form becomes the service's input, and the
columns of its list. The views stay thin: parse, call one service, commit or roll back, redirect.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import SelectChoice

from lims.domain.programme import Programme
from lims.errors import LimsError, NotFound
from lims.models import AssessmentResult, CertificationStandard, Quantity, Role
from lims.services.common.storage import open_storage
from lims.services.programme import developments, records, tasks
from lims.services.programme.importer import ImportKind, import_file
from lims.services.programme.registry import INDICATORS, RecordKind, get_record, list_records, withdraw_record
from lims.services.programme.support import enterprise_by_tax_code
from lims.web.access import TECHNICAL_READERS, allow
from lims.web.dbsession import db_session
from lims.web.forms import run_action, save_form
from lims.web.programme.forms import (
    AssessmentForm,
    CertificationForm,
    DemandForm,
    DevelopmentForm,
    ImportForm,
    ProgressForm,
    SupportForm,
    WithdrawForm,
)
from lims.web.programme.views import _programme, bp
from lims.web.templating import QUANTITY_LABELS, date_filter

RESULT_LABELS = {
    AssessmentResult.MET.value: _l("Criteria met"),
    AssessmentResult.PARTIALLY_MET.value: _l("Criteria partly met"),
    AssessmentResult.NOT_MET.value: _l("Criteria not met"),
}
STANDARD_LABELS = {
    CertificationStandard.ISO_IEC_17025.value: "ISO/IEC 17025",
    CertificationStandard.ISO_9001.value: "ISO 9001",
}


def _day(value: date | None) -> str:
    return date_filter(value) if value else "—"


def _files() -> tuple[tasks.EvidenceFile, ...]:
    uploads = [f for f in request.files.getlist("files") if f and f.filename]
    return tuple(
        tasks.EvidenceFile(f.filename or "file", f.mimetype or "application/octet-stream", f.read())
        for f in uploads
    )


def _storage(db: Session) -> Any:
    return open_storage(current_app.config["SETTINGS"], db)


# --- the service input of each form --------------------------------------------------------------


def _support_save(db: Session, programme: Programme, form: Any, record_id: int | None) -> Any:
    enterprise = enterprise_by_tax_code(db, form.tax_code.data or "")
    values = {
        "supported_on": form.supported_on.data,
        "content": records.CONTENT_SEPARATOR.join(form.content.data or []),
        "provided_by": form.provided_by.data,
    }
    if record_id is None:
        return records.record_map_support(db, programme, enterprise.id, **values)
    return records.update_map_support(db, programme, record_id, enterprise_id=enterprise.id, **values)


def _assessment_save(db: Session, programme: Programme, form: Any, record_id: int | None) -> Any:
    data = records.AssessmentInput(
        lab_name=form.lab_name.data or "",
        lab_code=form.lab_code.data or "",
        assessed_on=form.assessed_on.data,
        result=AssessmentResult(form.result.data),
        accredited=bool(form.accredited.data),
        accreditation_number=form.accreditation_number.data,
        assessor=form.assessor.data,
    )
    if record_id is None:
        return records.record_lab_assessment(db, data)
    return records.update_lab_assessment(db, record_id, data)


def _certification_save(db: Session, programme: Programme, form: Any, record_id: int | None) -> Any:
    data = records.CertificationInput(
        organisation_name=form.organisation_name.data or "",
        organisation_code=form.organisation_code.data or "",
        standard=CertificationStandard(form.standard.data),
        certificate_number=form.certificate_number.data or "",
        issued_on=form.issued_on.data,
        expires_on=form.expires_on.data,
        certification_body=form.certification_body.data,
    )
    if record_id is None:
        return records.record_certification(db, data)
    return records.update_certification(db, record_id, data)


def _demand_save(db: Session, programme: Programme, form: Any, record_id: int | None) -> Any:
    data = records.DemandInput(
        name=form.name.data or "",
        quantity=Quantity(form.quantity.data),
        annual_demand=int(form.annual_demand.data),
        legal_basis=form.legal_basis.data,
        procedure_code=form.procedure_code.data,
        covered_since=form.covered_since.data,
        surveyed_on=form.surveyed_on.data,
        survey_source=form.survey_source.data,
    )
    if record_id is None:
        return records.add_demand_type(
            db,
            name=data.name,
            quantity=data.quantity,
            annual_demand=data.annual_demand,
            legal_basis=data.legal_basis,
            procedure_code=data.procedure_code,
            covered_since=data.covered_since,
            surveyed_on=data.surveyed_on,
            survey_source=data.survey_source,
        )
    return records.update_demand_type(db, record_id, data)


def _development_save(db: Session, programme: Programme, form: Any, record_id: int | None) -> Any:
    data = developments.DevelopmentInput(
        code=form.code.data or "",
        developed_on=form.developed_on.data,
        funding=form.funding.data or "",
        funding_vnd=form.funding_vnd.data,
        notes=form.notes.data,
    )
    if record_id is None:
        return developments.record_development(db, programme, data)
    return developments.update_development(db, programme, record_id, data)


def _progress_save(db: Session, programme: Programme, form: Any, record_id: int | None) -> Any:
    storage = _storage(db)
    if record_id is None:
        return tasks.record_progress(
            db,
            storage,
            programme,
            task_id=form.task_id.data or "",
            year=int(form.year.data),
            done=form.done.data or "",
            files=_files(),
        )
    return tasks.update_progress(db, storage, programme, record_id, done=form.done.data or "", files=_files())


# --- what an existing record puts back into its form ----------------------------------------------


def _support_fill(record: Any) -> dict[str, Any]:
    return {
        "tax_code": record.enterprise.tax_code,
        "supported_on": record.supported_on,
        # an old free-text content matches none of the plan's: the editor chooses one
        "content": record.content.split(records.CONTENT_SEPARATOR),
        "provided_by": record.provided_by,
    }


def _attrs(*names: str) -> Callable[[Any], dict[str, Any]]:
    return lambda record: {name: getattr(record, name) for name in names}


def _development_fill(record: Any) -> dict[str, Any]:
    return {
        "code": developments.development_code(record),
        "developed_on": record.developed_on,
        "funding": record.funding,
        "funding_vnd": record.funding_vnd,
        "notes": record.notes,
    }


# --- list columns --------------------------------------------------------------------------------


def _english() -> bool:
    return str(get_locale() or "vi").startswith("en")


def content_title(programme: Programme, stored: str) -> str:
    """A support's content in the reader's language (an old free-text content as it was typed)."""
    return records.support_content_title(programme, stored, english=_english())


def _support_cells(r: Any) -> tuple[str, ...]:
    return (
        _day(r.supported_on),
        r.enterprise.name,
        content_title(_programme(), r.content),
        r.provided_by or _("the lab / the Department"),
    )


def _assessment_cells(r: Any) -> tuple[str, ...]:
    accredited = r.accreditation_number if r.accredited else _("no")
    return (_day(r.assessed_on), r.lab_name, r.lab_code, str(RESULT_LABELS[r.result.value]), accredited or "")


def _certification_cells(r: Any) -> tuple[str, ...]:
    return (
        _day(r.issued_on),
        r.organisation_name,
        STANDARD_LABELS[r.standard.value],
        r.certificate_number,
        _day(r.expires_on),
    )


def _demand_cells(r: Any) -> tuple[str, ...]:
    return (
        r.name,
        str(r.annual_demand),
        r.procedure_code or "—",
        _day(r.covered_since),
        f"{r.survey_source or '—'} ({_day(r.surveyed_on)})",
    )


def _development_cells(r: Any) -> tuple[str, ...]:
    return (
        _day(r.developed_on),
        developments.development_name(r),
        developments.development_code(r),
        r.funding,
    )


def _progress_cells(r: Any) -> tuple[str, ...]:
    return (r.task_id, str(r.year), r.done, ", ".join(e.filename for e in r.evidence) or "—")


@dataclass(frozen=True)
class KindPage:
    title: Any
    form: type[FlaskForm]
    columns: tuple[Any, ...]
    cells: Callable[[Any], tuple[str, ...]]
    fill: Callable[[Any], dict[str, Any]]
    save: Callable[[Session, Programme, Any, int | None], Any]
    columns_help: str  # the import file's columns


PAGES: dict[RecordKind, KindPage] = {
    RecordKind.SUPPORTS: KindPage(
        _l("Measurement assurance supports"),
        SupportForm,
        (_l("Date"), _l("Enterprise"), _l("Support content"), _l("Provided by")),
        _support_cells,
        _support_fill,
        _support_save,
        "tax_code, supported_on, content, provided_by",  # content: the codes listed under the form
    ),
    RecordKind.ASSESSMENTS: KindPage(
        _l("Lab assessments against the national criteria"),
        AssessmentForm,
        (_l("Date"), _l("Laboratory"), _l("Number"), _l("Result"), _l("Accredited")),
        _assessment_cells,
        _attrs(
            "lab_name", "lab_code", "assessed_on", "result", "accredited", "accreditation_number", "assessor"
        ),
        _assessment_save,
        "lab_name, lab_code, assessed_on, result (met, partially_met, not_met), accredited, accreditation_number",
    ),
    RecordKind.CERTIFICATIONS: KindPage(
        _l("Certifications of service organisations"),
        CertificationForm,
        (_l("Issued on"), _l("Organisation"), _l("Standard"), _l("Certificate number"), _l("Expires on")),
        _certification_cells,
        _attrs(
            "organisation_name",
            "organisation_code",
            "standard",
            "certificate_number",
            "issued_on",
            "expires_on",
            "certification_body",
        ),
        _certification_save,
        "organisation_name, organisation_code, standard (iso_iec_17025, iso_9001), certificate_number, "
        "issued_on, expires_on, certification_body",
    ),
    RecordKind.DEMAND: KindPage(
        _l("Demand catalogue and survey results"),
        DemandForm,
        (_l("Instrument type"), _l("Instruments a year"), _l("Procedure"), _l("Covered since"), _l("Survey")),
        _demand_cells,
        _attrs(
            "name",
            "quantity",
            "annual_demand",
            "legal_basis",
            "procedure_code",
            "covered_since",
            "surveyed_on",
            "survey_source",
        ),
        _demand_save,
        "name, quantity, annual_demand, legal_basis, procedure_code, covered_since, surveyed_on, survey_source",
    ),
    RecordKind.DEVELOPMENTS: KindPage(
        _l("Standards developed"),
        DevelopmentForm,
        (_l("Put into service on"), _l("Name"), _l("Number"), _l("Funding")),
        _development_cells,
        _development_fill,
        _development_save,
        "code, developed_on, funding, funding_vnd, notes",
    ),
    RecordKind.PROGRESS: KindPage(
        _l("Task progress"),
        ProgressForm,
        (_l("Task"), _l("Year"), _l("What was done"), _l("Evidence files")),
        _progress_cells,
        _attrs("task_id", "year", "done"),
        _progress_save,
        "task_id, year, done",
    ),
}


def _kind(kind: str) -> RecordKind:
    try:
        return RecordKind(kind)
    except ValueError:
        abort(404)


def _form(kind: RecordKind, programme: Programme, record: Any = None, **data: Any) -> Any:
    form = PAGES[kind].form(**data)
    if kind is RecordKind.SUPPORTS:
        form.content.choices = [
            SelectChoice(c.id, c.title_en if _english() and c.title_en else c.title_vi)
            for c in programme.support_contents
        ]
    if kind is RecordKind.DEMAND:
        form.quantity.choices = [
            SelectChoice(q.value, _(QUANTITY_LABELS.get(q.value, q.value))) for q in Quantity
        ]
    if kind is RecordKind.PROGRESS:
        tasks_offered = [t for t in programme.tasks if record is None or t.id == record.task_id]
        form.task_id.choices = [SelectChoice(t.id, f"{t.id} — {t.title_vi}"[:120]) for t in tasks_offered]
        if record is not None:
            form.year.render_kw = {"readonly": True}
    return form


def _list_page(kind: RecordKind, form: Any, import_form: Any, status: int = 200) -> ResponseReturnValue:
    programme = _programme()
    page = PAGES[kind]
    rows = [(r, page.cells(r)) for r in list_records(db_session(), kind, programme)]
    return render_template(
        "programme/records.html",
        kind=kind,
        kinds=PAGES,
        page=page,
        rows=rows,
        form=form,
        import_form=import_form,
        indicators=INDICATORS[kind],
        may_edit=current_user.role == Role.ADMIN,
        withdraw_form=WithdrawForm(),
        contents=[(c.id, content_title(programme, c.id)) for c in programme.support_contents],
    ), status


@bp.get("/records/<kind>")
@allow(TECHNICAL_READERS)
def records_list(kind: str) -> ResponseReturnValue:
    chosen = _kind(kind)
    programme = _programme()
    return _list_page(chosen, _form(chosen, programme), ImportForm())


def _save(chosen: RecordKind, form: Any, record_id: int | None) -> ResponseReturnValue | None:
    """Save the form's record (new when ``record_id`` is None) and go back to the list; ``None`` when the
    form or the service refused it (the errors are on the form)."""
    return save_form(
        form,
        lambda db: PAGES[chosen].save(db, _programme(), form, record_id),
        success=_("Record saved."),
        then=lambda _record: url_for("programme.records_list", kind=chosen.value),
    )


@bp.route("/records/<kind>/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def records_add(kind: str) -> ResponseReturnValue:
    """POST saves a new record; GET leads to the list page, where the form is."""
    chosen = _kind(kind)
    if request.method == "GET":
        return redirect(url_for("programme.records_list", kind=chosen.value) + "#new-record")
    form = _form(chosen, _programme())
    done = _save(chosen, form, None)
    return done if done is not None else _list_page(chosen, form, ImportForm(), 422)


@bp.route("/records/<kind>/import", methods=["GET", "POST"])
@allow(Role.ADMIN)
def records_import(kind: str) -> ResponseReturnValue:
    chosen = _kind(kind)
    if request.method == "GET":
        return redirect(url_for("programme.records_list", kind=chosen.value))
    programme = _programme()
    form = ImportForm()
    done = save_form(
        form,
        lambda db: import_file(
            db,
            ImportKind(chosen.value),
            form.file.data.read(),
            filename=form.file.data.filename or "",
            programme=programme,
        ),
        success=lambda count: _("%(count)s rows imported.", count=count),
        then=lambda _count: url_for("programme.records_list", kind=chosen.value),
        fields={LimsError: "file"},
    )
    return done if done is not None else _list_page(chosen, _form(chosen, programme), form, 422)


@bp.route("/records/<kind>/<int:record_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def records_edit(kind: str, record_id: int) -> ResponseReturnValue:
    chosen = _kind(kind)
    programme = _programme()
    try:
        record = get_record(db_session(), chosen, record_id)
    except NotFound:
        abort(404)
    if record.withdrawn_at is not None:
        abort(404)
    if request.method == "POST":
        form = _form(chosen, programme, record)
        done = _save(chosen, form, record_id)
        if done is not None:
            return done
        status = 422
    else:
        form = _form(chosen, programme, record, data=PAGES[chosen].fill(record))
        status = 200
    return render_template(
        "programme/record_form.html", kind=chosen, page=PAGES[chosen], form=form, record=record
    ), status


@bp.post("/records/<kind>/<int:record_id>/withdraw")
@allow(Role.ADMIN)
def records_withdraw(kind: str, record_id: int) -> ResponseReturnValue:
    chosen = _kind(kind)
    form = WithdrawForm()
    listing = url_for("programme.records_list", kind=chosen.value)
    if not form.validate_on_submit():
        flash(_("Give the reason for the withdrawal."), "error")
        return redirect(listing)
    return run_action(
        lambda db: withdraw_record(
            db, chosen, record_id, reason=form.reason.data or "", now=datetime.now(UTC)
        ),
        success=_("Record withdrawn."),
        then=listing,
    )


@bp.get("/records/progress/evidence/<int:evidence_id>")
@allow(TECHNICAL_READERS)
def evidence_file(evidence_id: int) -> ResponseReturnValue:
    from lims.web.downloads import file_response

    db = db_session()
    try:
        row = tasks.evidence(db, evidence_id)
    except NotFound:
        abort(404)
    return file_response(_storage(db).get(row.storage_key), filename=row.filename, mimetype=row.content_type)

"""The standards register, calibrations of standards, intermediate checks and recall."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session
from wtforms import SelectChoice

from lims.domain.control_chart_svg import render_svg
from lims.domain.intervals import StaircaseRule
from lims.domain.traceability import IssuerKind
from lims.domain.traceability_svg import render_chain_svg
from lims.errors import N_, LimsError, NotFound
from lims.models import MeasurementStandard, Role, StandardStatus
from lims.services.access.laboratory import LaboratoryMissing, current_laboratory
from lims.services.common.storage import open_storage
from lims.services.jobs.dashboard import standards_of
from lims.services.quality import nonconformity as nc_records
from lims.services.quality import triggers
from lims.services.records import audit
from lims.services.standards import calibrations, capabilities, checks, intervals, standards, traceability
from lims.web.access import TECHNICAL_READERS, allow
from lims.web.dbsession import db_session
from lims.web.diagrams import chain_wording, chart_wording
from lims.web.downloads import file_response
from lims.web.forms import flash_error, save_form
from lims.web.nc.views import OPENERS, STATE_LABELS, TRIGGER_LABELS
from lims.web.paging import after_arg
from lims.web.standards.forms import (
    ISSUER_LABELS,
    STATUS_LABELS,
    CalibrationForm,
    CheckForm,
    CmcForm,
    MaterialForm,
    StandardForm,
    StatusForm,
)
from lims.web.templating import date_filter, trusted_svg

bp = Blueprint("standards", __name__, url_prefix="/standards")
EDITORS = (Role.ADMIN, Role.TECHNICIAN)


def _standard_or_404(standard_id: int) -> MeasurementStandard:
    try:
        return standards.get_standard(db_session(), standard_id)
    except NotFound:
        abort(404)


@bp.get("/")
@allow(TECHNICAL_READERS)
def index() -> ResponseReturnValue:
    query = request.args.get("q", "")[:100]
    status = request.args.get("status", "")[:20]
    page = standards.search_standards(db_session(), query=query, status=status, after=after_arg())
    return render_template(
        "standards/index.html",
        page=page,
        query=query,
        status=status,
        status_labels=STATUS_LABELS,
        today=date.today(),
    )


@bp.get("/due")
@allow(TECHNICAL_READERS)
def due() -> ResponseReturnValue:
    today = date.today()
    raw_days = request.args.get("days", "")
    days = int(raw_days) if raw_days.isdigit() and 0 < int(raw_days) <= 366 else 60
    mine = request.args.get("mine") == "1"
    conditions = [standards_of(current_user.id)] if mine else []
    rows = checks.due_standards(db_session(), today=today, within_days=days, conditions=conditions)
    return render_template(
        "standards/due.html", rows=rows, today=today, status_labels=STATUS_LABELS, days=days, mine=mine
    )


@bp.get("/materials")
@allow(TECHNICAL_READERS)
def materials() -> ResponseReturnValue:
    rows = standards.list_materials(db_session())
    can_edit = current_user.role in EDITORS
    return render_template("standards/materials.html", rows=rows, today=date.today(), can_edit=can_edit)


@bp.get("/<int:standard_id>")
@allow(TECHNICAL_READERS)
def show(standard_id: int) -> ResponseReturnValue:
    db = db_session()
    standard = _standard_or_404(standard_id)
    found_calibrations = calibrations.calibrations_of(db, standard_id)
    sources = calibrations.sources_of(db, [c.id for c in found_calibrations])
    chart = checks.control_chart(db, standard_id)
    on = date.today()
    chain = traceability.standard_chain(db, standard.asset_number, on=on)
    return render_template(
        "standards/show.html",
        standard=standard,
        calibrations=found_calibrations,
        sources=sources,
        history=standards.status_history(db, standard_id),
        chart=chart,
        chart_svg=trusted_svg(render_svg(chart, id_prefix=f"cc{standard_id}", wording=chart_wording()))
        if chart
        else None,
        chain=chain,
        chain_svg=trusted_svg(render_chain_svg(chain, id_prefix=f"tc{standard_id}", wording=chain_wording())),
        trail=audit.history(db, "measurement_standard", standard_id),
        status_labels=STATUS_LABELS,
        issuer_labels=ISSUER_LABELS,
        status_form=_status_form(),
        can_edit=current_user.role in EDITORS,
        records=nc_records.list_records(db, nc_records.NcFilter(standard_id=standard_id)),
        interval=intervals.interval_recommendation(db, standard_id),
        staircase=intervals.staircase_recommendation(db, standard_id),
        as_found=intervals.as_found_history(db, standard_id),
        staircase_rule=StaircaseRule(),
        staircase_labels=STAIRCASE_LABELS,
        checks=checks.checks_of(db, standard_id),
        can_declare=current_user.role in OPENERS,
        trigger_labels=TRIGGER_LABELS,
        nc_state_labels=STATE_LABELS,
    )


def _status_form() -> StatusForm:
    form = StatusForm()
    form.status.choices = [SelectChoice(s.value, label) for s, label in STATUS_LABELS.items()]
    return form


@bp.post("/<int:standard_id>/status")
@allow(EDITORS)
def change_status(standard_id: int) -> ResponseReturnValue:
    _standard_or_404(standard_id)
    form = _status_form()
    db = db_session()
    if form.validate_on_submit():
        try:
            standards.change_status(
                db,
                standard_id,
                StandardStatus(form.status.data),
                reason=form.reason.data or "",
                effective_on=form.effective_on.data or date.today(),
                changed_by_id=current_user.id,
            )
        except LimsError as exc:
            db.rollback()
            from lims.web.forms import flash_error

            flash_error(exc)
        else:
            db.commit()
            flash(_("Status changed."), "success")
    else:
        flash(_("Choose a status, its date and a reason."), "error")
    return redirect(url_for("standards.show", standard_id=standard_id))


def _calibration_form(standard: MeasurementStandard) -> CalibrationForm:
    form = CalibrationForm()
    form.issuer_kind.choices = [SelectChoice(k.value, label) for k, label in ISSUER_LABELS.items()]
    form.sources.choices = [
        SelectChoice(str(o.standard_id), f"{o.asset_number} — {o.name}")
        for o in calibrations.possible_sources(db_session(), standard)
    ]
    return form


@bp.route("/<int:standard_id>/calibrations/new", methods=["GET", "POST"])
@allow(EDITORS)
def new_calibration(standard_id: int) -> ResponseReturnValue:
    standard = _standard_or_404(standard_id)
    form = _calibration_form(standard)

    def record(db: Session) -> object:
        file_key = file_sha256 = None
        upload = form.certificate_file.data
        if upload:
            settings = current_app.config["SETTINGS"]
            file_key, file_sha256 = calibrations.store_certificate_pdf(
                open_storage(settings, db),
                upload.read(settings.max_file_bytes + 1),
                limit=settings.max_file_bytes,
                name=(upload.filename or "PDF")[:100],
            )
        recorded = triggers.record_calibration(
            db,
            calibrations.CalibrationInput(
                standard_id=standard_id,
                calibrated_on=form.calibrated_on.data,  # type: ignore[arg-type]
                certificate_number=form.certificate_number.data or "",
                issuer_kind=IssuerKind(form.issuer_kind.data),
                issuer_name=form.issuer_name.data or "",
                issued_on=form.issued_on.data,  # type: ignore[arg-type]
                valid_until=form.valid_until.data,  # type: ignore[arg-type]
                points_text=form.points.data or "",
                kcdb_cmc_reference=form.kcdb_cmc_reference.data,
                accreditation_body=form.accreditation_body.data,
                accreditation_number=form.accreditation_number.data,
                source_ids=tuple(int(s) for s in form.sources.data or () if s.isdigit()),
                notes=form.notes.data,
                file_key=file_key,
                file_sha256=file_sha256,
                as_found_error=form.as_found_error.data,
                as_found_limit=form.as_found_limit.data,
                as_found_unit=form.as_found_unit.data or standard.unit,
            ),
            today=date.today(),
            opened_by_id=current_user.id,
        )
        if recorded.record is not None:
            flash(
                _completed(recorded.record.number)
                if recorded.completed
                else _("Out of tolerance as found: record %(number)s opened.", number=recorded.record.number),
                "error",
            )
        return recorded.saved

    done = save_form(
        form,
        record,
        success=_("Calibration recorded."),
        then=lambda _saved: url_for("standards.show", standard_id=standard_id),
    )
    if done is not None:
        return done
    return render_template("standards/calibration_form.html", form=form, standard=standard), (
        422 if request.method == "POST" else 200
    )


STAIRCASE_LABELS = {"extend": N_("extend"), "keep": N_("keep"), "reduce": N_("reduce")}


@bp.post("/<int:standard_id>/interval")
@allow(EDITORS)
def accept_interval(standard_id: int) -> ResponseReturnValue:
    _standard_or_404(standard_id)
    db = db_session()
    try:
        accepted = intervals.accept_recommendation(
            db, standard_id, method=request.form.get("method", ""), today=date.today()
        )
    except LimsError as exc:
        db.rollback()
        flash_error(exc)
    else:
        db.commit()
        flash(
            _(
                "Interval of %(n)s days accepted: due on %(due)s.",
                n=accepted.interval_days,
                due=date_filter(accepted.due_on),
            ),
            "success",
        )
    return redirect(url_for("standards.show", standard_id=standard_id))


def _completed(number: str) -> str:
    return _("Recorded as the one that found the problem of record %(number)s.", number=number)


def _check_recorded(recorded: triggers.Recorded) -> object:
    if recorded.record is not None and recorded.completed:
        flash(_completed(recorded.record.number), "error")
    elif recorded.record is not None:
        flash(
            _(
                "Outside its limits: record %(number)s opened, the standard is quarantined.",
                number=recorded.record.number,
            ),
            "error",
        )
    return recorded.saved


@bp.route("/<int:standard_id>/checks/new", methods=["GET", "POST"])
@allow(EDITORS)
def new_check(standard_id: int) -> ResponseReturnValue:
    standard = _standard_or_404(standard_id)
    form = CheckForm(unit=standard.unit)
    done = save_form(
        form,
        lambda db: _check_recorded(
            triggers.record_check(
                db,
                checks.CheckInput(
                    standard_id=standard_id,
                    checked_on=form.checked_on.data,  # type: ignore[arg-type]
                    value=form.value.data,
                    unit=form.unit.data or "",  # type: ignore[arg-type]
                    lower_limit=form.lower_limit.data,
                    upper_limit=form.upper_limit.data,
                    performed_by_id=current_user.id,
                    notes=form.notes.data,
                ),
                today=date.today(),
            )
        ),
        success=_("Intermediate check recorded."),
        then=lambda _saved: url_for("standards.show", standard_id=standard_id),
    )
    if done is not None:
        return done
    return render_template("standards/check_form.html", form=form, standard=standard), (
        422 if request.method == "POST" else 200
    )


@bp.route("/<int:standard_id>/calibrations/import", methods=["GET", "POST"])
@allow(EDITORS)
def import_dcc(standard_id: int) -> ResponseReturnValue:
    """Upload a supplier's DCC; the calibration form comes back filled in for confirmation."""
    from lims.services.certificates.dcc_import import draft_from_dcc

    standard = _standard_or_404(standard_id)
    if request.method == "POST":
        upload = request.files.get("dcc")
        try:
            draft = draft_from_dcc(upload.read(MAX_UPLOAD + 1) if upload else b"")
        except LimsError as exc:
            from lims.web.forms import flash_error

            flash_error(exc)
            return render_template("standards/import_dcc.html", standard=standard), 422
        form = _calibration_form(standard)
        form.calibrated_on.data = draft.calibrated_on
        form.issued_on.data = draft.calibrated_on
        form.certificate_number.data = draft.certificate_number
        form.issuer_kind.data = draft.issuer_kind.value
        form.issuer_name.data = draft.issuer_name
        form.accreditation_number.data = draft.accreditation_number
        form.points.data = draft.points_text
        flash(_("Read from the DCC: check every value, add the validity date, then save."), "info")
        return render_template(
            "standards/calibration_form.html",
            form=form,
            standard=standard,
            action=url_for("standards.new_calibration", standard_id=standard_id),
        )
    return render_template("standards/import_dcc.html", standard=standard)


MAX_UPLOAD = 5 * 1024 * 1024


@bp.get("/calibrations/<int:calibration_id>/certificate.pdf")
@allow(TECHNICAL_READERS)
def certificate(calibration_id: int) -> ResponseReturnValue:
    """The issuer's certificate of a calibration of a standard, as stored (its SHA-256 re-checked)."""
    db = db_session()
    try:
        calibration, data = calibrations.certificate_file(
            db, open_storage(current_app.config["SETTINGS"], db), calibration_id
        )
    except NotFound:
        abort(404)
    return file_response(
        data,
        filename=f"{calibration.certificate_number}.pdf",
        mimetype="application/pdf",
        inline=True,
        headers={"X-Content-SHA256": calibration.file_sha256 or ""},
    )


def _standard_form(standard: MeasurementStandard | None = None) -> StandardForm:
    from lims.models import Quantity, StandardLevel
    from lims.web.templating import LEVEL_LABELS, QUANTITY_LABELS

    form = StandardForm(obj=standard)
    form.quantity.choices = [SelectChoice(q.value, _(QUANTITY_LABELS[q.value])) for q in Quantity]
    form.level.choices = [SelectChoice(lv.value, _(LEVEL_LABELS[lv.value])) for lv in StandardLevel]
    if standard is not None and not form.is_submitted():
        form.quantity.data, form.level.data = standard.quantity.value, standard.level.value
    return form


def _save_standard(form: StandardForm, standard_id: int | None) -> ResponseReturnValue | None:
    def save(db: Session) -> MeasurementStandard:
        data = _standard_input(form, current_laboratory(db).id)
        if standard_id is None:
            return standards.register_standard(db, data, today=date.today(), by_id=current_user.id)
        return standards.update_standard(db, standard_id, data)

    return save_form(
        form,
        save,
        success=_("Standard saved."),
        then=lambda saved: url_for("standards.show", standard_id=saved.id),
        fields={standards.DuplicateAsset: "asset_number"},
    )


def _standard_input(form: StandardForm, lab_id: int) -> standards.StandardInput:
    return standards.StandardInput(
        lab_id=lab_id,
        asset_number=form.asset_number.data or "",
        name=form.name.data or "",
        quantity=form.quantity.data or "",
        level=form.level.data or "",
        unit=form.unit.data or "",
        range_min=form.range_min.data,
        range_max=form.range_max.data,
        accuracy=form.accuracy.data,
        manufacturer=form.manufacturer.data,
        model=form.model.data,
        serial_number=form.serial_number.data,
        firmware_version=form.firmware_version.data,
        custodian=form.custodian.data,
        location=form.location.data,
        calibration_interval_months=form.calibration_interval_months.data,
    )


@bp.route("/new", methods=["GET", "POST"])
@allow(EDITORS)
def new() -> ResponseReturnValue:
    form = _standard_form()
    if (done := _save_standard(form, None)) is not None:
        return done
    return render_template("standards/form.html", form=form, standard=None), (
        422 if request.method == "POST" else 200
    )


@bp.route("/<int:standard_id>/edit", methods=["GET", "POST"])
@allow(EDITORS)
def edit(standard_id: int) -> ResponseReturnValue:
    standard = _standard_or_404(standard_id)
    form = _standard_form(standard)
    if (done := _save_standard(form, standard_id)) is not None:
        return done
    return render_template("standards/form.html", form=form, standard=standard), (
        422 if request.method == "POST" else 200
    )


def _material_input(form: MaterialForm, lab_id: int) -> standards.MaterialInput:
    return standards.MaterialInput(
        lab_id=lab_id,
        code=form.code.data or "",
        name=form.name.data or "",
        producer=form.producer.data or "",
        lot=form.lot.data or "",
        certified_value=form.certified_value.data,
        expanded_uncertainty=form.expanded_uncertainty.data,
        unit=form.unit.data or "",
        expiry_on=form.expiry_on.data,
        coverage_factor=form.coverage_factor.data,
        producer_accreditation=form.producer_accreditation.data,
        opened_on=form.opened_on.data,
        shelf_life_days_after_opening=form.shelf_life_days_after_opening.data,
        certificate_number=form.certificate_number.data,
        certificate_issued_on=form.certificate_issued_on.data,
    )


@bp.route("/materials/new", methods=["GET", "POST"])
@allow(EDITORS)
def new_material() -> ResponseReturnValue:
    form = MaterialForm()

    def save(db: Session) -> object:
        lab_id = current_laboratory(db).id
        return standards.register_material(db, _material_input(form, lab_id), today=date.today())

    done = save_form(
        form,
        save,
        success=_("Reference material saved."),
        then=lambda _saved: url_for("standards.materials"),
    )
    if done is not None:
        return done
    return render_template("standards/material_form.html", form=form, material=None), (
        422 if request.method == "POST" else 200
    )


@bp.route("/materials/<int:material_id>/edit", methods=["GET", "POST"])
@allow(EDITORS)
def edit_material(material_id: int) -> ResponseReturnValue:
    db = db_session()
    try:
        material = standards.get_material(db, material_id)
    except LimsError:
        abort(404)
    form = MaterialForm(obj=material)
    done = save_form(
        form,
        lambda db: standards.update_material(
            db, material_id, _material_input(form, material.lab_id), today=date.today()
        ),
        success=_("Reference material saved."),
        then=lambda _saved: url_for("standards.materials"),
    )
    if done is not None:
        return done
    return render_template("standards/material_form.html", form=form, material=material), (
        422 if request.method == "POST" else 200
    )


def _lab_id() -> int:
    try:
        return current_laboratory(db_session()).id
    except LaboratoryMissing:
        abort(404)


@bp.get("/cmc")
@allow(TECHNICAL_READERS)
def cmc() -> ResponseReturnValue:
    """The accreditation scope (ILAC-P14): what the bench page checks every U against."""
    rows = capabilities.list_cmc(db_session(), _lab_id())
    ends = {
        r.id: (capabilities.uncertainty_at(r, r.range_min), capabilities.uncertainty_at(r, r.range_max))
        for r in rows
    }
    return render_template(
        "standards/cmc.html", rows=rows, ends=ends, can_edit=current_user.role == Role.ADMIN
    )


def _save_cmc(form: CmcForm, cmc_id: int | None) -> ResponseReturnValue | None:
    return save_form(
        form,
        lambda db: capabilities.save_cmc(db, _cmc_input(form), cmc_id),
        success=_("CMC row saved."),
        then=lambda _saved: url_for("standards.cmc"),
    )


def _cmc_input(form: CmcForm) -> capabilities.CmcInput:
    return capabilities.CmcInput(
        lab_id=_lab_id(),
        quantity=form.quantity.data or "",
        unit=form.unit.data or "",
        range_min=form.range_min.data,
        range_max=form.range_max.data,
        fixed_uncertainty=form.fixed_uncertainty.data,
        a=form.a.data or Decimal(0),
        b=form.b.data or Decimal(0),
        procedure_code=form.procedure_code.data,
        accredited=bool(form.accredited.data),
    )


def _cmc_page(form: CmcForm, row: object | None) -> ResponseReturnValue:
    known = capabilities.known_quantities(db_session())
    return render_template("standards/cmc_form.html", form=form, row=row, known=known), (
        422 if request.method == "POST" else 200
    )


@bp.route("/cmc/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def new_cmc() -> ResponseReturnValue:
    form = CmcForm()
    if (done := _save_cmc(form, None)) is not None:
        return done
    return _cmc_page(form, None)


@bp.route("/cmc/<int:cmc_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def edit_cmc(cmc_id: int) -> ResponseReturnValue:
    try:
        row = capabilities.get_cmc(db_session(), cmc_id, _lab_id())
    except LimsError:
        abort(404)
    form = CmcForm(obj=row)
    if (done := _save_cmc(form, cmc_id)) is not None:
        return done
    return _cmc_page(form, row)

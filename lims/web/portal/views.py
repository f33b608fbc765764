"""The customer portal: the enterprise's own instruments, due lists, import, export and colleagues.

Every record is read through :mod:`lims.services.access.tenancy`; another enterprise's identifiers answer 404.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from lims.errors import LimsError, NotFound
from lims.models import Role
from lims.services.access.tenancy import enterprise_of
from lims.services.customers import instrument_import, permitted_use, portal
from lims.services.customers.instrument_fields import InstrumentInvalid, Problem, check_instrument
from lims.services.records import audit
from lims.web.access import allow
from lims.web.dbsession import db_session
from lims.web.downloads import file_response
from lims.web.forms import form_error
from lims.web.paging import after_arg
from lims.web.portal.forms import InstrumentForm, InviteForm

bp = Blueprint("portal", __name__, url_prefix="/portal")


@bp.errorhandler(NotFound)
def _not_found(exc: NotFound) -> ResponseReturnValue:
    return render_template("error.html", code=404, message=_("This page does not exist.")), 404


def _today() -> date:
    return date.today()


def problem_text(problem: Problem) -> str:
    translated = str(_(problem.template))
    try:
        return str(translated % problem.params) if problem.params else translated
    except (KeyError, TypeError, ValueError):
        return problem.english()


def _language() -> str:
    return str(get_locale() or "vi")


@bp.get("/")
@allow(Role.CUSTOMER)
def index() -> ResponseReturnValue:
    db = db_session()
    raw_due = request.args.get("due", "")
    query = portal.InstrumentQuery(
        text=request.args.get("q", "")[:100],
        instrument_type=request.args.get("type", "")[:100],
        due_within_days=int(raw_due) if raw_due in ("30", "60", "90") else None,
    )
    page = portal.search_instruments(db, current_user, query, today=_today(), after=after_arg())
    counts = portal.due_counts(db, current_user, today=_today())
    return render_template(
        "portal/index.html",
        page=page,
        not_permitted=permitted_use.not_permitted_since(db, [i.id for i in page.items]),
        query=query,
        types=portal.instrument_types(db, current_user),
        due_counts=counts,
        today=_today(),
    )


@bp.get("/due/<int:days>")
@allow(Role.CUSTOMER)
def due(days: int) -> ResponseReturnValue:
    if days not in portal.DUE_WINDOWS_DAYS:
        abort(404)
    listing = portal.due_list(db_session(), current_user, today=_today(), days=days)
    return render_template(
        "portal/due.html", listing=listing, today=_today(), windows=portal.DUE_WINDOWS_DAYS
    )


def _raw(form: InstrumentForm) -> dict[str, Any]:
    return {name: getattr(form, name).data for name in portal.EXPORT_COLUMNS}


def _save(form: InstrumentForm, instrument_id: int | None) -> ResponseReturnValue | None:
    db = db_session()
    try:
        data = check_instrument(_raw(form))
        if instrument_id is None:
            saved = portal.add_instrument(db, current_user, data)
        else:
            saved = portal.update_instrument(db, current_user, instrument_id, data)
    except InstrumentInvalid as exc:
        db.rollback()
        for problem in exc.problems:
            field = getattr(form, problem.field, None)
            if field is not None:
                field.errors = [*field.errors, problem_text(problem)]
        form_error(form, exc)
        return None
    db.commit()
    flash(_("Instrument saved."), "success")
    return redirect(url_for("portal.instrument", instrument_id=saved.id))


@bp.route("/instruments/new", methods=["GET", "POST"])
@allow(Role.CUSTOMER)
def new_instrument() -> ResponseReturnValue:
    form = InstrumentForm()
    if form.validate_on_submit() and (done := _save(form, None)) is not None:
        return done
    return render_template("portal/instrument_form.html", form=form, instrument=None), (
        422 if request.method == "POST" else 200
    )


def _form_values(instrument: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in portal.EXPORT_COLUMNS:
        value = getattr(instrument, name)
        if isinstance(value, date):
            value = f"{value:%d/%m/%Y}"
        elif value is not None and name in ("range_min", "range_max", "resolution"):
            value = format(value.normalize(), "f")
        values[name] = value
    return values


@bp.get("/instruments/<int:instrument_id>")
@allow(Role.CUSTOMER)
def instrument(instrument_id: int) -> ResponseReturnValue:
    db = db_session()
    found = portal.get_instrument(db, current_user, instrument_id)
    trail = audit.history(db, "customer_instrument", found.id)
    not_permitted = permitted_use.not_permitted_since(db_session(), [found.id]).get(found.id)
    return render_template(
        "portal/instrument.html",
        instrument=found,
        trail=trail,
        today=_today(),
        not_permitted_since=not_permitted,
    )


@bp.route("/instruments/<int:instrument_id>/edit", methods=["GET", "POST"])
@allow(Role.CUSTOMER)
def edit_instrument(instrument_id: int) -> ResponseReturnValue:
    found = portal.get_instrument(db_session(), current_user, instrument_id)
    form = InstrumentForm(data=_form_values(found)) if request.method == "GET" else InstrumentForm()
    if form.validate_on_submit() and (done := _save(form, instrument_id)) is not None:
        return done
    return render_template("portal/instrument_form.html", form=form, instrument=found), (
        422 if request.method == "POST" else 200
    )


@bp.get("/instruments.csv")
@allow(Role.CUSTOMER)
def export() -> ResponseReturnValue:
    text = portal.export_csv(db_session(), current_user)
    return file_response(
        text.encode("utf-8"), filename=f"instruments-{_today():%Y%m%d}.csv", mimetype="text/csv"
    )


TEMPLATE_TYPES = {
    "csv": ("text/csv", instrument_import.template_csv),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        instrument_import.template_xlsx,
    ),
}


@bp.get("/import/template.<fmt>")
@allow(Role.CUSTOMER)
def import_template(fmt: str) -> ResponseReturnValue:
    if fmt not in TEMPLATE_TYPES:
        abort(404)
    mimetype, build = TEMPLATE_TYPES[fmt]
    return file_response(build(_language()), filename=f"instrument-template.{fmt}", mimetype=mimetype)


def _column_labels() -> dict[str, str]:
    vietnamese = _language() == "vi"
    return {key: (vi if vietnamese else en) for key, en, vi in instrument_import.COLUMNS}


@bp.route("/import", methods=["GET", "POST"])
@allow(Role.CUSTOMER)
def import_instruments() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("portal/import.html", errors=None, limit_mb=_limit_mb())
    db = db_session()
    upload = request.files.get("file")
    content = upload.read(instrument_import.MAX_UPLOAD_BYTES + 1) if upload else b""
    enterprise_id = enterprise_of(current_user)
    assert enterprise_id is not None  # customers only
    try:
        result = instrument_import.import_instruments(db, enterprise_id, content)
    except instrument_import.ImportRejected as exc:
        db.rollback()
        labels = _column_labels()
        rows = [(e.row, labels.get(e.column, e.column), problem_text(e.problem)) for e in exc.errors]
        flash(
            _(
                "Nothing was imported: %(count)s problems were found. Correct the file and upload it again.",
                count=len(rows),
            ),
            "error",
        )
        return render_template("portal/import.html", errors=rows, limit_mb=_limit_mb()), 422
    except LimsError as exc:
        db.rollback()
        from lims.web.forms import flash_error

        flash_error(exc)
        return render_template("portal/import.html", errors=None, limit_mb=_limit_mb()), 422
    db.commit()
    flash(_("%(count)s instruments imported.", count=len(result.created)), "success")
    return redirect(url_for("portal.index"))


def _limit_mb() -> int:
    return instrument_import.MAX_UPLOAD_BYTES // (1024 * 1024)


@bp.route("/colleagues", methods=["GET", "POST"])
@allow(Role.CUSTOMER)
def colleagues() -> ResponseReturnValue:
    db = db_session()
    form = InviteForm()
    if request.method == "POST":
        if not current_user.is_enterprise_admin:
            abort(403)
        if form.validate_on_submit():
            invitation = portal.Invitation(
                username=form.username.data or "",
                full_name=form.full_name.data or "",
                password=form.password.data or "",
                email=form.email.data or None,
                function_title=form.function_title.data or None,
                language=form.language.data or "vi",
                is_enterprise_admin=bool(form.is_enterprise_admin.data),
            )
            try:
                user = portal.invite_colleague(db, current_user, invitation)
            except LimsError as exc:
                db.rollback()
                form_error(form, exc, "password" if "password" in exc.template else None)
            else:
                db.commit()
                flash(
                    _(
                        "Account %(username)s created; give your colleague the initial password.",
                        username=user.username,
                    ),
                    "success",
                )
                return redirect(url_for("portal.colleagues"))
    people = portal.colleagues(db, current_user)
    status = 422 if request.method == "POST" else 200
    return render_template("portal/colleagues.html", form=form, people=people), status


from lims.web.portal import quality_views as _quality_views  # noqa: E402,F401 - routes on this blueprint
from lims.web.portal import service_views as _service_views  # noqa: E402,F401 - routes on this blueprint

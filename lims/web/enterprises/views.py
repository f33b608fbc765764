"""The lab's register of enterprises (customers)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from lims.domain.taxcode import InvalidTaxCode
from lims.errors import NotFound
from lims.models import Enterprise, Role
from lims.services.customers import enterprises
from lims.services.records import audit
from lims.web.access import TECHNICAL_READERS, allow
from lims.web.dbsession import db_session
from lims.web.enterprises.forms import EnterpriseForm
from lims.web.forms import save_form
from lims.web.paging import after_arg

bp = Blueprint("enterprises", __name__, url_prefix="/enterprises")


def _input(form: EnterpriseForm) -> enterprises.EnterpriseInput:
    return enterprises.EnterpriseInput(
        name=form.name.data or "",
        tax_code=form.tax_code.data or "",
        address=form.address.data or "",
        province=form.province.data,
        sector=form.sector.data,
        contact_name=form.contact_name.data,
        email=form.email.data,
        phone=form.phone.data,
    )


def _save(form: EnterpriseForm, enterprise_id: int | None) -> ResponseReturnValue | None:
    def save(db: Session) -> Enterprise:
        if enterprise_id is None:
            return enterprises.create_enterprise(db, _input(form))
        return enterprises.update_enterprise(db, enterprise_id, _input(form))

    return save_form(
        form,
        save,
        success=_("Enterprise saved."),
        then=lambda saved: url_for("enterprises.show", enterprise_id=saved.id),
        fields={InvalidTaxCode: "tax_code", enterprises.DuplicateTaxCode: "tax_code"},
    )


@bp.get("/")
@allow(TECHNICAL_READERS)
def index() -> ResponseReturnValue:
    query = request.args.get("q", "")[:100]
    page = enterprises.search_enterprises(db_session(), query=query, after=after_arg())
    return render_template("enterprises/index.html", page=page, query=query)


@bp.route("/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def new() -> ResponseReturnValue:
    form = EnterpriseForm()
    if (done := _save(form, None)) is not None:
        return done
    return render_template("enterprises/form.html", form=form, enterprise=None), (
        422 if request.method == "POST" else 200
    )


@bp.get("/<int:enterprise_id>")
@allow(TECHNICAL_READERS)
def show(enterprise_id: int) -> ResponseReturnValue:
    db = db_session()
    try:
        enterprise = enterprises.get_enterprise(db, enterprise_id)
    except NotFound:
        abort(404)
    trail = audit.history(db, "enterprise", enterprise_id)
    return render_template("enterprises/show.html", enterprise=enterprise, trail=trail)


@bp.route("/<int:enterprise_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def edit(enterprise_id: int) -> ResponseReturnValue:
    db = db_session()
    try:
        enterprise = enterprises.get_enterprise(db, enterprise_id)
    except NotFound:
        abort(404)
    form = EnterpriseForm(obj=enterprise)
    if (done := _save(form, enterprise_id)) is not None:
        return done
    return render_template("enterprises/form.html", form=form, enterprise=enterprise), (
        422 if request.method == "POST" else 200
    )

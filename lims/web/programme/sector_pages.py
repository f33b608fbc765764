"""Enterprises' sectors as VSIC 2018 codes: the list, and the lab's confirmation with evidence (issue 20)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from lims.errors import LimsError
from lims.models import Role
from lims.web.access import TECHNICAL_READERS, allow
from lims.web.dbsession import db_session
from lims.web.forms import form_error
from lims.web.programme.views import _programme, bp


def _sector_form(**data: Any) -> Any:
    from lims.domain.programme.vsic import divisions
    from lims.web.programme.forms import SectorForm

    form = SectorForm(**data)
    form.vsic_code.choices = [SelectChoice(d.code, f"{d.code} — {d.name_vi}") for d in divisions()]
    return form


def _sectors_page(form: Any, status: int = 200) -> ResponseReturnValue:
    from lims.domain.programme.vsic import source
    from lims.services.programme.sectors import list_sectors

    programme = _programme()
    rows = [
        (sector, enterprise, programme.priority_sector_of_code(sector.vsic_code))
        for sector, enterprise in list_sectors(db_session())
    ]
    return render_template(
        "programme/sectors.html",
        programme=programme,
        rows=rows,
        form=form,
        source=source(),
        may_edit=current_user.role == Role.ADMIN,
    ), status


@bp.get("/sectors")
@allow(TECHNICAL_READERS)
def sectors() -> ResponseReturnValue:
    return _sectors_page(_sector_form(data={"confirmed_on": date.today()}))


@bp.route("/sectors/confirm", methods=["GET", "POST"])
@allow(Role.ADMIN)
def confirm_sector() -> ResponseReturnValue:
    """The lab confirms an enterprise's VSIC code with the evidence it saw (audited); GET leads to the list."""
    if request.method == "GET":
        return redirect(url_for("programme.sectors"))
    from lims.services.programme.sectors import SectorInput
    from lims.services.programme.sectors import confirm_sector as confirm

    form = _sector_form()
    if form.validate_on_submit():
        db = db_session()
        data = SectorInput(
            form.tax_code.data or "",
            form.vsic_code.data or "",
            form.evidence.data or "",
            form.confirmed_on.data,
        )
        try:
            confirm(db, _programme(), data, confirmed_by_id=current_user.id)
        except LimsError as exc:
            db.rollback()
            form_error(form, exc)
        else:
            db.commit()
            flash(_("Sector confirmed."), "success")
            return redirect(url_for("programme.sectors"))
    return _sectors_page(form, 422)

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
from lims.web.forms import run_action, save_form
from lims.web.programme.views import _programme, bp


def _sector_form(**data: Any) -> Any:
    from lims.domain.programme.vsic import divisions
    from lims.web.programme.forms import SectorForm

    form = SectorForm(**data)
    form.vsic_code.choices = [SelectChoice(d.code, f"{d.code} — {d.name_vi}") for d in divisions()]
    return form


def _sectors_page(form: Any, status: int = 200, priority_form: Any = None) -> ResponseReturnValue:
    from lims.domain.programme.vsic import source
    from lims.services.programme.sectors import city_priority_sectors, list_sectors
    from lims.services.programme.support import with_city_sectors
    from lims.web.programme.forms import PrioritySectorForm, WithdrawForm

    db = db_session()
    programme = with_city_sectors(db, _programme())
    rows = [
        (sector, enterprise, programme.priority_sector_of_code(sector.vsic_code))
        for sector, enterprise in list_sectors(db)
    ]
    return render_template(
        "programme/sectors.html",
        programme=programme,
        rows=rows,
        form=form,
        priority_form=priority_form or PrioritySectorForm(),
        withdraw_form=WithdrawForm(),
        city_sectors=city_priority_sectors(db, programme),
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
    done = save_form(
        form,
        lambda db: confirm(
            db,
            _programme(),
            SectorInput(
                form.tax_code.data or "",
                form.vsic_code.data or "",
                form.evidence.data or "",
                form.confirmed_on.data,
            ),
            confirmed_by_id=current_user.id,
        ),
        success=_("Sector confirmed."),
        then=lambda _row: url_for("programme.sectors"),
    )
    if done is not None:
        return done
    return _sectors_page(form, 422)


@bp.route("/sectors/priority", methods=["GET", "POST"])
@allow(Role.ADMIN)
def add_priority_sector() -> ResponseReturnValue:
    """Add a sector of the city's list, as VSIC codes, with the decision that issued it (audited)."""
    from lims.services.programme.sectors import PrioritySectorInput
    from lims.services.programme.sectors import add_priority_sector as add
    from lims.web.programme.forms import PrioritySectorForm

    if request.method == "GET":
        return redirect(url_for("programme.sectors"))
    form = PrioritySectorForm()
    done = save_form(
        form,
        lambda db: add(
            db,
            _programme(),
            PrioritySectorInput(form.name_vi.data or "", form.codes.data or "", form.source.data or ""),
        ),
        success=_("Priority sector added."),
        then=lambda _row: url_for("programme.sectors"),
        fields={LimsError: "codes"},
    )
    if done is not None:
        return done
    return _sectors_page(_sector_form(data={"confirmed_on": date.today()}), 422, form)


@bp.post("/sectors/priority/<int:sector_id>/withdraw")
@allow(Role.ADMIN)
def withdraw_priority_sector(sector_id: int) -> ResponseReturnValue:
    from datetime import UTC, datetime

    from lims.models import ProgrammePrioritySector
    from lims.services.programme.records import withdraw
    from lims.web.programme.forms import WithdrawForm

    form = WithdrawForm()
    if not form.validate_on_submit():
        flash(_("Give the reason for the withdrawal."), "error")
        return redirect(url_for("programme.sectors"))
    return run_action(
        lambda db: withdraw(
            db, ProgrammePrioritySector, sector_id, reason=form.reason.data or "", now=datetime.now(UTC)
        ),
        success=_("Record withdrawn."),
        then=url_for("programme.sectors"),
    )

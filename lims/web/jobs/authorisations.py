"""Personnel authorisations on the jobs blueprint: who may perform, review or sign each procedure (grant, revoke)."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lims.domain.authorisation import AuthorisedRole
from lims.errors import LimsError, NotFound
from lims.models import Role
from lims.services.jobs import jobs
from lims.web.access import TECHNICAL_READERS, allow
from lims.web.dbsession import db_session
from lims.web.i18n import error_text
from lims.web.jobs.views import _user, bp


@bp.get("/authorisations")
@allow(TECHNICAL_READERS)
def authorisations_view() -> ResponseReturnValue:
    from lims.services.access import authorisations
    from lims.services.jobs.procedures import list_procedures

    db = db_session()
    rows = authorisations.history(db)
    names = jobs.names(db, {r.user_id for r in rows})
    codes = sorted({p.code for p in list_procedures(db)})
    return render_template(
        "jobs/authorisations.html",
        rows=rows,
        names=names,
        today=date.today(),
        staff=authorisations.staff(db),
        codes=codes,
        roles=list(AuthorisedRole),
    )


def _date_field(name: str) -> date | None:
    try:
        return date.fromisoformat(request.form.get(name, ""))
    except ValueError:
        return None


@bp.post("/authorisations/grant")
@allow(Role.ADMIN)
def grant_authorisation() -> ResponseReturnValue:
    from lims.services.access import authorisations

    form = request.form
    granted_on = _date_field("granted_on")
    if (
        not form.get("user_id", "").isdigit()
        or form.get("role") not in {r.value for r in AuthorisedRole}
        or granted_on is None
        or not form.get("procedure_code")
    ):
        flash(_("Choose the person, the procedure, what they may do and the date granted."), "error")
        return redirect(url_for("jobs.authorisations_view"))
    db = db_session()
    try:
        authorisations.grant(
            db,
            authorisations.Grant(
                int(form["user_id"]),
                form["procedure_code"][:50],
                AuthorisedRole(form["role"]),
                granted_on,
                form.get("evidence", "")[:2000],
                expires_on=_date_field("expires_on"),
                granted_by_id=_user().id,
            ),
        )
    except NotFound:
        abort(404)
    except LimsError as exc:
        db.rollback()
        flash(error_text(exc), "error")
        return redirect(url_for("jobs.authorisations_view"))
    db.commit()
    flash(_("Authorisation recorded."), "success")
    return redirect(url_for("jobs.authorisations_view"))


@bp.post("/authorisations/<int:authorisation_id>/revoke")
@allow(Role.ADMIN)
def revoke_authorisation(authorisation_id: int) -> ResponseReturnValue:
    from lims.services.access import authorisations

    db = db_session()
    try:
        authorisations.revoke(
            db,
            authorisation_id,
            on=_date_field("revoked_on") or date.today(),
            reason=request.form.get("reason", "")[:2000],
        )
    except NotFound:
        abort(404)
    except LimsError as exc:
        db.rollback()
        flash(error_text(exc), "error")
        return redirect(url_for("jobs.authorisations_view"))
    db.commit()
    flash(_("Authorisation revoked."), "success")
    return redirect(url_for("jobs.authorisations_view"))

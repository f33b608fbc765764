"""The customer's side of nonconforming work: the notices the lab sent about the enterprise's certificates."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lims.errors import LimsError
from lims.models import Role
from lims.services.access.tenancy import enterprise_of
from lims.services.quality import complaints, notices
from lims.web.access import allow
from lims.web.dbsession import db_session
from lims.web.forms import flash_error
from lims.web.portal.views import bp


@bp.get("/notices")
@allow(Role.CUSTOMER)
def notices_page() -> ResponseReturnValue:
    """Only the enterprise's own sent notices (tenant isolation by the user's enterprise)."""
    enterprise_id = enterprise_of(current_user)
    if enterprise_id is None:
        abort(404)
    rows = notices.notices_for_customer(db_session(), enterprise_id)
    return render_template("portal/notices.html", rows=rows)


@bp.route("/complaints", methods=["GET", "POST"])
@allow(Role.CUSTOMER)
def complaints_page() -> ResponseReturnValue:
    """The enterprise's complaints with their progress, and a form to make one."""
    enterprise_id = enterprise_of(current_user)
    if enterprise_id is None:
        abort(404)
    db = db_session()
    if request.method == "POST":
        try:
            made = complaints.submit(
                db,
                complaints.ComplaintInput(
                    subject=request.form.get("subject", "")[:200],
                    description=request.form.get("description", "")[:4000],
                    job_number=request.form.get("job_number", "")[:50],
                ),
                by=current_user._get_current_object(),
                today=date.today(),
            )
        except LimsError as exc:
            db.rollback()
            flash_error(exc)
        else:
            db.commit()
            flash(_("Complaint %(number)s sent to the laboratory.", number=made.number), "success")
            return redirect(url_for("portal.complaints_page"))
    rows = complaints.list_complaints(db, enterprise_id=enterprise_id)
    return render_template("portal/complaints.html", rows=rows, state_words=complaints.STATE_WORDS)

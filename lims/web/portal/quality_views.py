"""The customer's side of nonconforming work: the notices the lab sent about the enterprise's certificates."""

from __future__ import annotations

from flask import abort, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from lims.models import Role
from lims.services.access.tenancy import enterprise_of
from lims.services.quality import notices
from lims.web.access import allow
from lims.web.dbsession import db_session
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

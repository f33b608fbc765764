"""The audit trail, read-only, for auditors and administrators."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue

from lims.models import Role
from lims.services.records import audit
from lims.web.access import TECHNICAL_READERS, allow
from lims.web.audit import labels
from lims.web.dbsession import db_session
from lims.web.paging import after_arg

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("/")
@allow(Role.ADMIN, Role.AUDITOR)
def index() -> ResponseReturnValue:
    table = request.args.get("table", "")[:100]
    page = audit.list_entries(db_session(), table_name=table, after=after_arg(), size=50)
    return render_template("audit/index.html", page=page, table=table, tables=labels.table_choices())


@bp.get("/verify")
@allow(Role.ADMIN, Role.AUDITOR)
def verify() -> ResponseReturnValue:
    from lims.services.records import anchor
    from lims.services.records.signing import load_or_create_key

    db = db_session()
    report = audit.verify_chain(db)
    records = audit.verify_records(db) if report.ok else None
    instance = current_app.config["SETTINGS"].instance_path
    anchored = anchor.verify(db, instance, load_or_create_key(instance))
    return render_template("audit/verify.html", report=report, records=records, anchored=anchored)


@bp.get("/<table_name>/<record_id>")
@allow(TECHNICAL_READERS)
def record(table_name: str, record_id: str) -> ResponseReturnValue:
    entries = audit.history(db_session(), table_name[:100], record_id[:50])
    return render_template("audit/record.html", entries=entries, table_name=table_name, record_id=record_id)

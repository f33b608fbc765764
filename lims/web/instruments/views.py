"""Instruments list (search, filters, keyset pagination) and one instrument with its jobs."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue

from lims.models import CustomerInstrument
from lims.services.customers.permitted_use import jobs_with_failure_notice
from lims.services.jobs import procedures, workload
from lims.web.access import TECHNICAL_READERS, allow
from lims.web.dbsession import db_session
from lims.web.paging import after_arg

bp = Blueprint("instruments", __name__, url_prefix="/instruments")


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/")
@allow(TECHNICAL_READERS)
def index() -> ResponseReturnValue:
    query = request.args.get("q", "")[:100]
    legal = {"yes": True, "no": False}.get(request.args.get("legal", ""))
    due_before = _date_arg("due_before")
    page = workload.search_instruments(
        db_session(), query=query, legally_controlled=legal, due_before=due_before, after=after_arg()
    )
    return render_template(
        "instruments/index.html",
        page=page,
        query=query,
        legal=request.args.get("legal", ""),
        due_before=due_before,
        today=date.today(),
    )


@bp.get("/<int:instrument_id>")
@allow(TECHNICAL_READERS)
def show(instrument_id: int) -> ResponseReturnValue:
    db = db_session()
    instrument = db.get(CustomerInstrument, instrument_id)
    if instrument is None:
        abort(404)
    matching = [
        p for p in procedures.list_procedures(db) if procedures.domain_procedure(p).unit == instrument.unit
    ]
    jobs = workload.list_jobs(db, enterprise_id=instrument.enterprise_id, size=200).items
    jobs = [j for j in jobs if j.instrument_id == instrument.id]
    return render_template(
        "instruments/show.html",
        instrument=instrument,
        procedures=matching,
        jobs=jobs,
        failed_verifications=jobs_with_failure_notice(db, [j.id for j in jobs]),
        today=date.today(),
    )

"""Dashboard and the load balancer's health check."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from lims.migrate import head_revisions
from lims.services.certificates.stamps import stock_tiles
from lims.services.jobs.dashboard import tiles_for
from lims.services.quality.dashboard import quality_tiles
from lims.services.records.database import database_answers, schema_revisions
from lims.web.access import AUTHENTICATED, PUBLIC, allow
from lims.web.dbsession import db_session

bp = Blueprint("main", __name__)


@bp.get("/")
@allow(AUTHENTICATED)
def dashboard() -> ResponseReturnValue:
    tiles = tiles_for(db_session(), current_user, today=date.today())
    tiles += quality_tiles(db_session(), current_user, today=date.today())
    tiles += stock_tiles(
        db_session(), current_user, today=date.today(), low=current_app.config["SETTINGS"].stamps_low
    )
    return render_template("main/dashboard.html", tiles=tiles)


@bp.get("/health")
@allow(PUBLIC)
def health() -> ResponseReturnValue:
    """For load balancers: 200 when the database answers, 503 otherwise; the schema revision is reported."""
    session = db_session()
    if not database_answers(session):
        return jsonify({"status": "unavailable", "database": "down"}), 503
    revisions = schema_revisions(session)
    schema = (
        "current"
        if revisions and revisions == head_revisions()
        else ("missing" if not revisions else "other")
    )
    return jsonify(
        {"status": "ok", "database": "up", "revision": ",".join(sorted(revisions)) or None, "schema": schema}
    )

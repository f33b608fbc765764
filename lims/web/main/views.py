"""Dashboard and the load balancer's health check."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import text

from lims.migrate import head_revisions
from lims.services.jobs.dashboard import tiles_for
from lims.web.access import AUTHENTICATED, PUBLIC, allow
from lims.web.dbsession import db_session

bp = Blueprint("main", __name__)


@bp.get("/")
@allow(AUTHENTICATED)
def dashboard() -> ResponseReturnValue:
    tiles = tiles_for(db_session(), current_user, today=date.today())
    return render_template("main/dashboard.html", tiles=tiles)


@bp.get("/health")
@allow(PUBLIC)
def health() -> ResponseReturnValue:
    """For load balancers: 200 when the database answers, 503 otherwise; the schema revision is reported."""
    session = db_session()
    try:
        session.execute(text("SELECT 1"))
    except Exception:
        session.rollback()
        return jsonify({"status": "unavailable", "database": "down"}), 503
    try:
        revisions = set(session.scalars(text("SELECT version_num FROM alembic_version")))
    except Exception:
        session.rollback()
        revisions = set()
    schema = (
        "current"
        if revisions and revisions == head_revisions()
        else ("missing" if not revisions else "other")
    )
    return jsonify(
        {"status": "ok", "database": "up", "revision": ",".join(sorted(revisions)) or None, "schema": schema}
    )

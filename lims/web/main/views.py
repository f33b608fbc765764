"""Dashboard and the load balancer's health check."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import text

from lims.services.dashboard import tiles_for
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
    try:
        db_session().execute(text("SELECT 1"))
    except Exception:
        return jsonify({"status": "unavailable", "database": "down"}), 503
    return jsonify({"status": "ok", "database": "up"})

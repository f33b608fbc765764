"""Bench page: start a capture on a bench station and follow the readings as they arrive.

The web server keeps nothing in memory and needs no serial port: the button queues a ``capture_request``
that the station worker on the bench PC takes (``lims bench station``); the page polls the point's
readings as JSON (``static/bench-capture.js``) and fills the point's reading inputs with the stable ones.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lims.errors import N_, LimsError, NotFound
from lims.models import BenchReading, CaptureRequest, Role
from lims.services.bench import readings as bench_readings
from lims.services.bench import stations as bench_stations
from lims.web.access import TECHNICAL_READERS, allow
from lims.web.dbsession import db_session
from lims.web.i18n import error_text
from lims.web.jobs.views import _job_or_404, _user, bp
from lims.web.templating import datetime_filter

CAPTURE_STATES = {
    "queued": N_("waiting for the bench station"),
    "running": N_("reading the instrument"),
    "done": N_("capture finished"),
    "failed": N_("capture failed"),
}


def _reading_json(row: BenchReading) -> dict[str, Any]:
    """A reading as the bench page shows it: ``time`` stays the exact UTC instant (machine-readable),
    ``time_text`` is the instrument's time on the lab's clock, in the reader's language."""
    return {
        **bench_readings.reading_json(row),
        "time_text": datetime_filter(row.instrument_time, seconds=True),
    }


def request_json(row: CaptureRequest | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {
        "id": row.id,
        "state": row.state.value,
        "label": _(CAPTURE_STATES[row.state.value]),
        "error": row.error,
        "count": row.count,
        "taken": row.readings_taken,
    }


def _is_fetch() -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


@bp.post("/<int:job_id>/points/<int:index>/capture")
@allow(Role.TECHNICIAN)
def capture(job_id: int, index: int) -> ResponseReturnValue:
    """Queue a capture of the point's readings on the chosen bench station."""
    db = db_session()
    _job_or_404(job_id)
    raw = request.form.get("station_id", "")
    error: str | None = None
    row = None
    if not raw.isdigit():
        error = _("Choose a bench station.")
    else:
        try:
            row = bench_stations.request_capture(db, job_id, index, int(raw), user=_user())
            db.commit()
        except NotFound:
            db.rollback()
            abort(404)
        except LimsError as exc:
            db.rollback()
            error = error_text(exc)
    if _is_fetch():
        after = bench_readings.last_reading_id(db, job_id, index) if row is not None else None
        body = {"request": request_json(row), "error": error, "after": after or 0}
        return jsonify(body), (422 if error else 202)
    flash(
        error or _("Capture requested: the readings appear as the instrument sends them."),
        "error" if error else "success",
    )
    return redirect(url_for("jobs.bench", job_id=job_id, _anchor=f"point-{index + 1}"))


@bp.get("/<int:job_id>/points/<int:index>/readings.json")
@allow(TECHNICAL_READERS)
def point_readings(job_id: int, index: int) -> ResponseReturnValue:
    """The point's bench readings after ``?after=<id>`` and the state of its latest capture request."""
    db = db_session()
    _job_or_404(job_id)
    raw = request.args.get("after", "")
    after = int(raw) if raw.isdigit() else None
    rows = bench_readings.readings_for(db, job_id, index, after)
    response = jsonify(
        {
            "readings": [_reading_json(r) for r in rows],
            "request": request_json(bench_stations.latest_request(db, job_id, index)),
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response

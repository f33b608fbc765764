"""Bench page: start a capture on a bench station and follow the readings as they arrive.

The web server keeps nothing in memory and needs no serial port: the button queues a ``capture_request``
that the station worker on the bench PC takes (``lims bench station``); the page polls the point's
readings as JSON (``static/bench-capture.js``) and fills the point's reading inputs with the stable ones.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from lims.errors import N_
from lims.models import BenchReading, CaptureRequest, Role
from lims.services.bench import readings as bench_readings
from lims.services.bench import stations as bench_stations
from lims.web.access import TECHNICAL_READERS, allow
from lims.web.dbsession import db_session
from lims.web.jobs.bench import bench_answer, bench_call
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


@bp.post("/<int:job_id>/points/<int:index>/capture")
@allow(Role.TECHNICIAN)
def capture(job_id: int, index: int) -> ResponseReturnValue:
    """Queue a capture of the point's readings on the chosen bench station."""
    db = db_session()
    _job_or_404(job_id)
    raw = request.form.get("station_id", "")
    row, error = None, _("Choose a bench station.")
    if raw.isdigit():
        row, error = bench_call(
            lambda db: bench_stations.request_capture(db, job_id, index, int(raw), user=_user())
        )

    def body() -> dict[str, Any]:
        after = bench_readings.last_reading_id(db, job_id, index) if row is not None else None
        return {"request": request_json(row), "after": after or 0}

    return bench_answer(
        job_id,
        error=error,
        success=_("Capture requested: the readings appear as the instrument sends them."),
        body=body,
        anchor=f"point-{index + 1}",
        status=202,
    )


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

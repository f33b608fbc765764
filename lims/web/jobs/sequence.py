"""Bench page: start, pause, resume and abort an automated sequence, type the indications of a unit under
test without an interface, and follow the progress (polled as JSON by ``static/bench-sequence.js``; the
forms work without JavaScript too). The station worker on the bench PC runs the sequence
(:mod:`lims.services.bench.worker`)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import abort, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from lims.errors import N_
from lims.models import Role, SequenceRun
from lims.services.bench import sequences
from lims.web.access import TECHNICAL_READERS, allow
from lims.web.dbsession import db_session
from lims.web.jobs.bench import bench_answer, bench_call
from lims.web.jobs.views import _job_or_404, _user, bp
from lims.web.templating import format_number

STEPS = {
    "queued": N_("waiting for the bench station"),
    "settling": N_("setting the source and waiting until it is stable"),
    "reading": N_("reading"),
    "waiting for the technician": N_("waiting for the indications of the instrument under test"),
    "done": N_("point done"),
    "paused": N_("paused: the source is in standby"),
    "aborted": N_("aborted: the source is in standby"),
    "finished": N_("finished: the source is in standby"),
    "failed": N_("stopped by a fault: the source is in standby"),
    "running": N_("running"),
}


def _number(text: str) -> str:
    """A nominal or a reference reading (as the instrument sent it, e.g. ``+1.0000E+01``) in the page's
    number format."""
    try:
        return format_number(Decimal(text.strip()), str(get_locale() or "vi"))
    except (InvalidOperation, ValueError):
        return text


def status_text(row: SequenceRun | None) -> str:
    if row is None:
        return ""
    step = _(STEPS.get(row.step, STEPS.get(row.state, "running")))
    text = _(
        "Point %(n)s of %(count)s (%(nominal)s): %(step)s",
        n=row.point_index + 1,
        count=len(row.points),
        nominal=_number(row.points[row.point_index]) if row.points else "—",
        step=step,
    )
    if row.reference and row.state in ("running", "paused"):
        text += " " + _("Reference: %(value)s.", value=_number(row.reference))
    if row.error and row.state == "failed":
        text += " " + row.error
    return text


def status_json(row: SequenceRun | None) -> dict[str, Any] | None:
    data = sequences.status(row)
    if data is None or row is None:
        return None
    waiting = row.step == "waiting for the technician" and row.point_index not in data["entered"]
    return {**data, "text": status_text(row), "waiting": waiting, "active": row.state in sequences.ACTIVE}


def _answer(job_id: int, row: SequenceRun | None, error: str | None, success: str) -> ResponseReturnValue:
    return bench_answer(
        job_id, error=error, success=success, body=lambda: {"sequence": status_json(row)}, anchor="sequence"
    )


@bp.post("/<int:job_id>/sequence")
@allow(Role.TECHNICIAN)
def start_sequence(job_id: int) -> ResponseReturnValue:
    _job_or_404(job_id)
    raw = request.form.get("station_id", "")
    row, error = None, _("Choose a bench station.")
    if raw.isdigit():
        row, error = bench_call(lambda db: sequences.start(db, job_id, int(raw), user=_user()))
    return _answer(job_id, row, error, _("Sequence started: the bench station sets each point."))


@bp.post("/<int:job_id>/sequence/<int:run_id>/command")
@allow(Role.TECHNICIAN)
def sequence_command(job_id: int, run_id: int) -> ResponseReturnValue:
    _job_or_404(job_id)
    row, error = bench_call(lambda db: sequences.command(db, job_id, run_id, request.form.get("command", "")))
    return _answer(job_id, row, error, _("Command sent to the bench station."))


@bp.post("/<int:job_id>/sequence/<int:run_id>/entry")
@allow(Role.TECHNICIAN)
def sequence_entry(job_id: int, run_id: int) -> ResponseReturnValue:
    _job_or_404(job_id)
    raw = request.form.get("index", "")
    texts = [
        request.form.get(f"indication_{i}", "") for i in range(1, 21) if f"indication_{i}" in request.form
    ]
    if not raw.isdigit():
        abort(404)
    row, error = bench_call(lambda db: sequences.enter(db, job_id, run_id, int(raw), texts))
    return _answer(job_id, row, error, _("Indications sent."))


@bp.get("/<int:job_id>/sequence.json")
@allow(TECHNICAL_READERS)
def sequence_status(job_id: int) -> ResponseReturnValue:
    db = db_session()
    _job_or_404(job_id)
    response = jsonify({"sequence": status_json(sequences.latest(db, job_id))})
    response.headers["Cache-Control"] = "no-store"
    return response

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
from lims.models import Job, Role, SequenceRun
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
# A pressure controller is made safe by venting, not by a standby (instruments.sequence.PressureSource).
VENTED_STEPS = {
    "paused": N_("paused: the controller is vented"),
    "aborted": N_("aborted: the controller is vented"),
    "finished": N_("finished: the controller is vented"),
    "failed": N_("stopped by a fault: the controller is vented"),
}


def _number(text: str) -> str:
    """A nominal or a reference reading (as the instrument sent it, e.g. ``+1.0000E+01``) in the page's
    number format."""
    try:
        return format_number(Decimal(text.strip()), str(get_locale() or "vi"))
    except (InvalidOperation, ValueError):
        return text


def series_text(label: str) -> str:
    """A visit's label in the page's language: ``M1 ↑`` → the series, ``preload 1 ↑`` → the preload."""
    words = label.split()
    if len(words) == 3 and words[0] == "preload":
        return _("preload %(n)s %(arrow)s", n=words[1], arrow=words[2])
    return _("series %(label)s", label=label) if label else ""


def status_text(row: SequenceRun | None) -> str:
    if row is None:
        return ""
    steps = {**STEPS, **VENTED_STEPS} if row.driver == "druck-pace" else STEPS
    step = _(steps.get(row.step, steps.get(row.state, "running")))
    nominal = _number(row.points[row.point_index]) if row.points else "—"
    visits = sequences.run_visits(row)
    label = visits[row.visit_index].label if 0 <= row.visit_index < len(visits) else ""
    if label:
        text = _(
            "Point %(n)s of %(count)s (%(nominal)s), %(series)s: %(step)s",
            n=row.point_index + 1,
            count=len(row.points),
            nominal=nominal,
            series=series_text(label),
            step=step,
        )
    else:
        text = _(
            "Point %(n)s of %(count)s (%(nominal)s): %(step)s",
            n=row.point_index + 1,
            count=len(row.points),
            nominal=nominal,
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
    waiting = row.step == "waiting for the technician" and row.visit_index not in data["entered"]
    job = db_session().get(Job, row.job_id)
    unit = sequences.domain_unit(job) if job is not None else ""
    return {
        **data,
        "text": status_text(row),
        "waiting": waiting,
        "legend": entry_legend(row, unit),
        "active": row.state in sequences.ACTIVE,
    }


def entry_legend(row: SequenceRun, unit: str) -> str:
    """What the indications form asks for: the point, and for a pressure gauge the series."""
    visits = sequences.run_visits(row)
    label = visits[row.visit_index].label if 0 <= row.visit_index < len(visits) else ""
    if label:
        return _(
            "Indications of the instrument under test at point %(n)s, %(series)s (%(unit)s)",
            n=row.point_index + 1,
            series=series_text(label),
            unit=unit,
        )
    return _(
        "Indications of the instrument under test at point %(n)s (%(unit)s)", n=row.point_index + 1, unit=unit
    )


def entry_fields(row: SequenceRun, readings: int) -> int:
    """How many indications a visit of this run asks for (one per series for a pressure gauge)."""
    counts = [v.readings for v in sequences.run_visits(row) if v.readings]
    return max(counts) if counts else readings


def _answer(job_id: int, row: SequenceRun | None, error: str | None, success: str) -> ResponseReturnValue:
    return bench_answer(
        job_id, error=error, success=success, body=lambda: {"sequence": status_json(row)}, anchor="sequence"
    )


@bp.post("/<int:job_id>/sequence")
@allow(Role.TECHNICIAN)
def start_sequence(job_id: int) -> ResponseReturnValue:
    _job_or_404(job_id)
    raw = request.form.get("station_id", "")
    raw_uut = request.form.get("uut_station_id", "").strip()
    row, error = None, None
    if not raw.isdigit():
        error = _("Choose a bench station.")
    elif raw_uut and not raw_uut.isdigit():
        error = _("Choose an active bench station that can read the instrument under test.")
    else:
        uut = int(raw_uut) if raw_uut else None
        row, error = bench_call(
            lambda db: sequences.start(db, job_id, int(raw), user=_user(), uut_station_id=uut)
        )
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

"""Helpers of the bench page: the page context, form parsing and the point fragment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from certificates.metrology import round_uncertainty
from lims.errors import N_, LimsError, NotFound
from lims.models import Job, JobState, User
from lims.services.bench import measurements, rooms, sequences
from lims.services.bench import stations as bench_stations
from lims.services.bench import weighing as bench_weighing
from lims.services.jobs import jobs, standard_choices
from lims.services.jobs import points as job_points
from lims.services.jobs.errors import no_procedure
from lims.services.jobs.procedures import domain_procedure
from lims.web.forms import call_service
from lims.web.i18n import error_text
from lims.web.templating import datetime_filter, time_filter

T = TypeVar("T")

STATE_LABELS = {
    JobState.REQUESTED: N_("requested"),
    JobState.RECEIVED: N_("received"),
    JobState.IN_PROGRESS: N_("in progress"),
    JobState.MEASURED: N_("measured"),
    JobState.REVIEWED: N_("reviewed"),
    JobState.APPROVED: N_("approved"),
    JobState.ISSUED: N_("issued"),
    JobState.ON_HOLD: N_("on hold"),
    JobState.REJECTED: N_("rejected"),
    JobState.CANCELLED: N_("cancelled"),
}

ENVIRONMENT_LABELS = {
    # a 2-wire resistance measurement's leads after nulling on the short (CAL-DMM-R; empty for 4-wire)
    "lead_resistance": N_("lead resistance left after nulling, 2-wire only (Ω)"),
    "temperature": N_("temperature"),
    "humidity": N_("relative humidity"),
    "pressure": N_("air pressure"),
    "height_difference": N_("height of the standard's reference level above the gauge's, Δh"),
    # ISO 386 emergent stem of a liquid-in-glass thermometer (left empty for others)
    "emergent_column": N_("emergent liquid column n, in degrees of the scale"),
    "stem_temperature": N_("mean temperature of the emergent column t2"),
    "stem_reference_temperature": N_("stem temperature the scale assumes t1 (partial immersion only)"),
}


#: An issued job that ended with a notice of failed verification: issued, but no certificate (issue 17).
FAILED_VERIFICATION_LABEL = N_("issued: notice of failed verification")


def state_label(state: JobState | str, failed_verification: bool = False) -> str:
    """The message id of a job state; ``failed_verification`` for a job whose notice of failed verification
    was issued (:func:`lims.services.customers.permitted_use.jobs_with_failure_notice`)."""
    if failed_verification and JobState(state) == JobState.ISSUED:
        return FAILED_VERIFICATION_LABEL
    return STATE_LABELS.get(JobState(state), str(state))


def people_ids(job: Job) -> set[int]:
    return {
        i
        for i in (
            job.technician_id,
            job.measured_by_id,
            job.reviewed_by_id,
            job.approved_by_id,
            job.signatory_id,
        )
        if i is not None
    }


def input_descriptions(job: Job) -> dict[str, str]:
    """What each input of the procedure's budget stands for (shown to the reviewer beside the figures), in
    the reader's language (English where the procedure file gives no Vietnamese)."""
    if job.procedure is None:
        return {}
    language = str(get_locale() or "vi")
    return {i.name: i.describe(language) for i in domain_procedure(job.procedure).budget.inputs}


def frequencies_or_none(job: Job) -> list[str]:
    """Each point's frequency in the page's language ("" for a DC point; none when the points cannot be
    read, which :func:`points_or_error` reports)."""
    try:
        return job_points.frequency_labels(job, str(get_locale() or "vi"))
    except LimsError:
        return []


def points_or_error(job: Job) -> tuple[tuple[float, ...], str | None]:
    try:
        return measurements.test_points(job), None
    except LimsError as exc:
        return (), error_text(exc)


#: The bench's labels of a weighing load's entry beside each reading, and of the weighing tests.
WEIGHING_ENTRY_LABELS = {
    "zero": N_("No-load indication before reading %(i)s"),
    "added": N_("Change-point weights added to reading %(i)s"),
}
WEIGHING_TEST_LABELS = {
    "repeatability": N_("Repeatability"),
    "eccentricity": N_("Eccentricity"),
    "zero": N_("Zero-setting accuracy"),
    "discrimination": N_("Discrimination"),
    "load": N_(
        "Test load"
    ),  # a load's no-load indications or change-point weights (lims.models.WeighingTest)
    "as_found_load": N_("Test load, as found"),
}


def weighing_entry(job: Job) -> str | None:
    """``zero`` (EURAMET cg-18) or ``added`` (OIML R 76-1) when the job's procedure is a weighing method."""
    if job.procedure is None:
        return None
    method = domain_procedure(job.procedure).weighing
    return None if method is None else bench_weighing.POINT_ENTRIES[method.kind]


def point_input(index: int, form: MultiDict[str, str], entry: str | None = None) -> measurements.PointInput:
    readings = [form.get(f"reading_{i}", "") for i in range(1, 21) if f"reading_{i}" in form]
    environment = {key[4:]: value for key, value in form.items() if key.startswith("env_")}
    ids = tuple(int(part) for part in form.get("bench_reading_ids", "").split(",") if part.strip().isdigit())
    weighing = {}
    if entry is not None:
        weighing[entry] = [form.get(f"weighing_{i}", "") for i in range(1, 21) if f"weighing_{i}" in form]
    return measurements.PointInput(
        index,
        readings,
        form.get("reference_value", ""),
        environment,
        as_found=bool(form.get("as_found")),
        bench_reading_ids=ids,
        weighing=weighing,
    )


def two_digits(text: str) -> Decimal:
    """A spread (standard deviation, largest eccentricity deviation) to two significant digits, by the one
    rounding of uncertainties (:func:`certificates.metrology.round_uncertainty`); 0 stays 0."""
    value = Decimal(str(text))
    return value if value == 0 else round_uncertainty(abs(value))


def split_values(text: str) -> list[str]:
    """Readings typed in one field, separated by semicolons or spaces (a decimal comma stays a comma)."""
    return [part for part in text.replace(";", " ").split() if part]


def environment_note(record: dict[str, Any] | None) -> list[str]:
    """Where a point's conditions came from, in the reader's words: the room's log (room, interval on the
    lab's clock, samples) or the technician's entry (the fallback, marked as such)."""
    if not record:
        return []
    sources: dict[str, str] = record.get("sources") or {}

    def names(kind: str) -> str:
        return ", ".join(
            _(ENVIRONMENT_LABELS[q]) if q in ENVIRONMENT_LABELS else q
            for q, s in sources.items()
            if s == kind
        )

    notes = []
    if names("logger") and record.get("room"):
        start, end = datetime.fromisoformat(record["from"]), datetime.fromisoformat(record["to"])
        notes.append(
            _(
                "Logged in room %(room)s from %(start)s to %(end)s (%(n)s samples): %(quantities)s.",
                room=record["room"],
                start=datetime_filter(start),
                end=time_filter(end),
                n=record.get("samples", 0),
                quantities=names("logger"),
            )
        )
    if names("manual"):
        notes.append(
            _("Entered by the technician (no logged value): %(quantities)s.", quantities=names("manual"))
        )
    return notes


def sequence_text(row: Any) -> str:
    from lims.web.jobs.sequence import status_text  # the routes module imports this one

    return status_text(row)


def sequence_legend(row: Any, unit: str) -> str:
    from lims.web.jobs.sequence import entry_legend

    return entry_legend(row, unit)


def sequence_fields(row: Any, readings: int) -> int:
    from lims.web.jobs.sequence import entry_fields

    return entry_fields(row, readings)


def _can_edit(job: Job, user: User) -> bool:
    return job.state == JobState.IN_PROGRESS and user.role.value == "technician"


def _shared(db: Session, job: Job, user: User) -> dict[str, Any]:
    if job.procedure is None:
        raise no_procedure(job)
    proc = domain_procedure(job.procedure)
    points, points_error = points_or_error(job)
    labels, sequence = job_points.reading_labels(job)
    entry = weighing_entry(job)
    entries = (
        {
            i: [str(v) for vs in bench_weighing.entries_of(db, job.id, i).values() for v in vs]
            for i in range(len(points))
        }
        if entry
        else {}
    )
    frequencies = frequencies_or_none(job) if points else []
    return {
        "job": job,
        "proc": proc,
        "points": points,
        "points_error": points_error,
        "point_frequencies": frequencies,
        "reading_labels": labels,
        "sequence": sequence,
        "weighing_entry": entry,
        "weighing_entries": entries,
        "weighing_entry_labels": WEIGHING_ENTRY_LABELS,
        "results": measurements.measurements(db, job.id),
        "can_edit": _can_edit(job, user),
        "environment": proc.environment,
        "environment_labels": ENVIRONMENT_LABELS,
        "stations": bench_stations.stations_for(db, job),
        "active_captures": bench_stations.active_requests(db, job.id),
        "rooms": rooms.rooms(db),
        "job_environment": rooms.job_environment(db, job.id),
        "environment_note": environment_note,
        "automation": sequences.automation_of(job),
        "sequence_stations": sequences.stations_for(db, job),
        "auto_run": sequences.latest(db, job.id),
        "uut_stations": sequences.uut_stations_for(db, job),
        "sequence_text": sequence_text,
        "sequence_legend": sequence_legend,
        "sequence_fields": sequence_fields,
    }


def context(db: Session, job: Job, user: User) -> dict[str, Any]:
    ctx = _shared(db, job, user)
    linked = {link.role: std for link, std in jobs.job_standards(db, job.id)}
    choices = standard_choices.choices(db, job, on=job.measured_on or date.today()) if job.procedure else {}
    tests = bench_weighing.recorded_tests(db, job.id) if ctx["weighing_entry"] else {}
    return {
        **ctx,
        "linked": linked,
        "choices": choices,
        "flags": measurements.flags(db, job),
        "weighing_tests": tests,
        "weighing_test_labels": WEIGHING_TEST_LABELS,
        "two_digits": two_digits,
    }


def point_fragment(
    db: Session, job: Job, user: User, index: int, *, error: str | None, submitted: MultiDict[str, str] | None
) -> str:
    ctx = _shared(db, job, user)
    nominal = ctx["points"][index] if index < len(ctx["points"]) else None
    return render_template(
        "jobs/_point.html", index=index, nominal=nominal, error=error, submitted=submitted, **ctx
    )


# --- the bench page's buttons: a JSON answer for its scripts, a redirect without JavaScript ----------------


def is_fetch() -> bool:
    """True when the bench page's script sent the request (``X-Requested-With: fetch``) and wants JSON."""
    return request.headers.get("X-Requested-With") == "fetch"


def bench_call(action: Callable[[Session], T]) -> tuple[T | None, str | None]:
    """Call a bench service and commit; on a refusal roll back and return its text in the user's language
    (404 for a record that does not exist). ``(result, None)`` or ``(None, error)``."""
    refusals: list[str] = []

    def refused(exc: LimsError) -> None:
        if isinstance(exc, NotFound):
            abort(404)
        refusals.append(error_text(exc))

    done = call_service(action, refused=refused)
    return (done.result, None) if done is not None else (None, refusals[0])


def bench_answer(
    job_id: int,
    *,
    error: str | None,
    success: str,
    body: Callable[[], dict[str, Any]],
    anchor: str,
    status: int = 200,
) -> ResponseReturnValue:
    """Answer a bench page button: to its script, ``body()`` with the ``error`` (422 when there is one,
    else ``status``); without JavaScript, the error or ``success`` flashed and back to ``anchor``."""
    if is_fetch():
        return jsonify({**body(), "error": error}), (422 if error else status)
    flash(error or success, "error" if error else "success")
    return redirect(url_for("jobs.bench", job_id=job_id, _anchor=anchor))

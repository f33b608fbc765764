"""Jobs: list, workload, job page (intake, transitions, review comments, approval) and the bench page.
Authorisations and certificates live in their modules beside this one, on the same blueprint.

Views are thin: they read the form into the service's input, call one service and render or redirect.
The bench saves one point at a time; with JavaScript the point's form is posted with ``fetch`` and the
server answers with the point's HTML fragment (``X-Job-Version`` carries the job's new version).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lims.errors import LimsError, NotFound
from lims.models import JobState, Quantity, Role, User
from lims.services.access.laboratory import current_laboratory
from lims.services.bench import measurements, rooms
from lims.services.certificates import failure, signatures, stamps
from lims.services.certificates import issue as certificates
from lims.services.customers import permitted_use, service_requests
from lims.services.customers.portal_jobs import CERTIFICATE_STATUS
from lims.services.jobs import assignment, jobs, queues, workload
from lims.services.jobs.errors import no_procedure
from lims.web.access import LAB_STAFF, TECHNICAL_READERS, allow
from lims.web.dbsession import db_session
from lims.web.i18n import error_text
from lims.web.jobs import bench as bench_view
from lims.web.paging import after_arg

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
bp.add_app_template_global(bench_view.state_label, "state_label")


def _version() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isdigit() else None


def _job_or_404(job_id: int) -> Any:
    try:
        return jobs.get_job(db_session(), job_id)
    except NotFound:
        abort(404)


def _user() -> User:
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    return user


def _done(job_id: int, message: str) -> ResponseReturnValue:
    db_session().commit()
    flash(message, "success")
    return redirect(url_for("jobs.show", job_id=job_id))


def _failed(job_id: int, exc: LimsError) -> ResponseReturnValue:
    db_session().rollback()
    flash(error_text(exc), "error")
    return redirect(url_for("jobs.show", job_id=job_id))


@bp.get("/")
@allow(TECHNICAL_READERS)
def index() -> ResponseReturnValue:
    raw = request.args.get("state", "")
    state = JobState(raw) if raw in {s.value for s in JobState} else None
    today = date.today()
    name = request.args.get("queue", "")
    section = request.args.get("section", "")
    section = section if section in {q.value for q in Quantity} else ""
    conditions = queues.queue_conditions(name, _user(), today, section=section) if name in queues.QUEUES else []
    page = workload.list_jobs(db_session(), state=state, conditions=conditions, after=after_arg())
    return render_template(
        "jobs/index.html",
        page=page,
        state=raw if state else "",
        queue=queues.QUEUES[name] if conditions else None,
        assignees=jobs.names(db_session(), {j.technician_id for j in page.items if j.technician_id}),
        failed_verifications=permitted_use.jobs_with_failure_notice(db_session(), [j.id for j in page.items]),
        section=section,
        states=list(JobState),
        today=date.today(),
        is_overdue=workload.is_overdue,
    )


@bp.get("/workload")
@allow(TECHNICAL_READERS)
def workload_view() -> ResponseReturnValue:
    today = date.today()
    by = "section" if request.args.get("by") == "section" else "technician"
    return render_template(
        "jobs/workload.html",
        loads=workload.workload(db_session(), today, by=by),
        today=today,
        is_overdue=workload.is_overdue,
        by=by,
    )


@bp.post("/new")
@allow(Role.ADMIN, Role.TECHNICIAN)
def new() -> ResponseReturnValue:
    db = db_session()
    instrument_id, procedure_id = request.form.get("instrument_id", ""), request.form.get("procedure_id", "")
    if not (instrument_id.isdigit() and procedure_id.isdigit()):
        flash(_("Choose an instrument and a procedure."), "error")
        return redirect(url_for("instruments.index"))
    try:
        due = date.fromisoformat(request.form["due_on"]) if request.form.get("due_on") else None
    except ValueError:
        due = None
    try:
        job = jobs.create_job(
            db,
            jobs.JobRequest(
                current_laboratory(db).id,
                int(instrument_id),
                int(procedure_id),
                requested_on=date.today(),
                due_on=due,
                on_site=bool(request.form.get("on_site")),
            ),
        )
    except NotFound:
        abort(404)
    except LimsError as exc:
        db.rollback()
        flash(error_text(exc), "error")
        return redirect(url_for("instruments.show", instrument_id=int(instrument_id)))
    return _done(job.id, _("Job %(number)s registered.", number=job.number))


@bp.get("/<int:job_id>")
@allow(TECHNICAL_READERS)
def show(job_id: int) -> ResponseReturnValue:
    db = db_session()
    job = _job_or_404(job_id)
    history = jobs.transitions(db, job.id)
    assignments = assignment.history(db, job.id)
    assigned_people = {a.assigned_by_id for a in assignments} | {
        a.technician_id for a in assignments if a.technician_id
    }
    results = measurements.measurements(db, job.id)
    return render_template(
        "jobs/show.html",
        job=job,
        allowed=jobs.allowed(job, _user()),
        history=history,
        assignments=assignments,
        assignable=job.state in queues.ASSIGNABLE_STATES,
        technicians=assignment.assignable_technicians(db) if _user().role == Role.ADMIN else [],
        people=jobs.names(
            db,
            bench_view.people_ids(job) | {t.actor_id for t in history} | assigned_people
            | ({job.technician_id} if job.technician_id else set())
            | {e.justified_by_id for e in [rooms.job_environment(db, job.id)] if e and e.justified_by_id},
        ),
        descriptions=bench_view.input_descriptions(job),
        signatures=signatures.signatures(db, job.id),
        results=results,
        # the points the statement under the table covers (as-left results; the as-found rows are beside them)
        measured_points=[(i, m.point) for i, m in sorted(results.items()) if m.point is not None],
        flags=measurements.flags(db, job),
        justification=rooms.job_environment(db, job.id),
        standards=jobs.job_standards(db, job.id),
        points=bench_view.points_or_error(job),
        # an AC point is its value and its frequency: 9 V at 50 Hz and 9 V at 10 kHz are two points
        frequencies=bench_view.frequencies_or_none(job),
        default_meaning=_(signatures.DEFAULT_MEANING),
        certificates=certificates.certificates_of_job(db, job.id),
        failure_notice=failure.notice_of_job(db, job.id),
        next_stamp=stamps.next_unused(db, on=date.today())
        if job.kind.value == "verification" and job.state == JobState.APPROVED
        else None,
        may_issue=_user().role in certificates.ISSUERS,
        certificate_status=CERTIFICATE_STATUS,
        editable=job.state in jobs.EDITABLE_STATES,
        today=date.today(),
        is_overdue=workload.is_overdue,
    )


@bp.post("/<int:job_id>/intake")
@allow(Role.ADMIN, Role.TECHNICIAN)
def intake(job_id: int) -> ResponseReturnValue:
    _job_or_404(job_id)
    form = request.form
    try:
        points = list(service_requests.parse_points(form.get("points", "")[:400]))
    except ValueError:
        flash(_("Test points: give numbers separated by semicolons or spaces (a comma is a decimal comma)."), "error")
        return redirect(url_for("jobs.show", job_id=job_id))
    requirements: dict[str, Any] = {
        "conformity_statement": bool(form.get("conformity_statement")),
        "specification": form.get("specification", "").strip()[:200],
        "decision_rule": form.get("decision_rule", "procedure")[:50],
        "notes": form.get("requirement_notes", "")[:2000],
    }
    if points:
        requirements["points"] = points
    data = jobs.Intake(
        form.get("condition_on_arrival", "")[:2000],
        form.get("accessories", "")[:2000],
        requirements,
        damaged=bool(form.get("damaged")),
        damage_note=form.get("damage_note", "")[:2000],
    )
    try:
        jobs.record_intake(db_session(), job_id, data, expected_version=_version())
    except LimsError as exc:
        return _failed(job_id, exc)
    return _done(job_id, _("Intake record saved."))


@bp.post("/<int:job_id>/assign")
@allow(Role.ADMIN)
def assign(job_id: int) -> ResponseReturnValue:
    """The lab manager gives the job to a technician, reassigns it, or releases it (empty choice)."""
    _job_or_404(job_id)
    raw = request.form.get("technician_id", "")
    try:
        job = assignment.assign(
            db_session(),
            job_id,
            int(raw) if raw.isdigit() else None,
            by=_user(),
            note=request.form.get("note", "")[:2000] or None,
            expected_version=_version(),
        )
    except NotFound:
        abort(404)
    except LimsError as exc:
        return _failed(job_id, exc)
    names = jobs.names(db_session(), {job.technician_id} if job.technician_id else set())
    if job.technician_id is None:
        return _done(job_id, _("Job %(number)s is no longer assigned.", number=job.number))
    return _done(
        job_id, _("Job %(number)s assigned to %(name)s.", number=job.number, name=names[job.technician_id])
    )


@bp.post("/<int:job_id>/take")
@allow(Role.TECHNICIAN)
def take(job_id: int) -> ResponseReturnValue:
    _job_or_404(job_id)
    try:
        job = assignment.take(db_session(), job_id, by=_user(), expected_version=_version())
    except LimsError as exc:
        return _failed(job_id, exc)
    return _done(job_id, _("You took job %(number)s.", number=job.number))


@bp.post("/<int:job_id>/transition")
@allow(LAB_STAFF)
def transition(job_id: int) -> ResponseReturnValue:
    _job_or_404(job_id)
    try:
        job = jobs.transition_job(
            db_session(),
            job_id,
            request.form.get("to", ""),
            user=_user(),
            comment=request.form.get("comment", "")[:4000] or None,
            expected_version=_version(),
        )
    except LimsError as exc:
        return _failed(job_id, exc)
    return _done(
        job_id,
        _("Job %(number)s is now %(state)s.", number=job.number, state=_(bench_view.state_label(job.state))),
    )


@bp.post("/<int:job_id>/approve")
@allow(Role.SIGNATORY)
def approve(job_id: int) -> ResponseReturnValue:
    _job_or_404(job_id)
    try:
        signatures.sign_job(
            db_session(),
            job_id,
            user=_user(),
            password=request.form.get("password", ""),
            meaning=request.form.get("meaning", "")[:200],
            expected_version=_version(),
        )
    except LimsError as exc:
        return _failed(job_id, exc)
    return _done(job_id, _("Results approved and signed."))


@bp.post("/<int:job_id>/room")
@allow(Role.ADMIN, Role.TECHNICIAN)
def set_room(job_id: int) -> ResponseReturnValue:
    """The room the job is measured in: its logged conditions become each point's (ISO/IEC 17025 6.3.3)."""
    _job_or_404(job_id)
    raw = request.form.get("room_id", "")
    db = db_session()
    try:
        rooms.set_job_room(db, job_id, int(raw) if raw.isdigit() else None)
    except (LimsError, NotFound) as exc:
        db.rollback()
        flash(error_text(exc), "error")
    else:
        db.commit()
        flash(_("Room recorded: each point saved from now on takes its logged conditions."), "success")
    return redirect(url_for("jobs.bench", job_id=job_id))


@bp.post("/<int:job_id>/environment-justification")
@allow(Role.REVIEWER, Role.SIGNATORY)
def justify_environment(job_id: int) -> ResponseReturnValue:
    """A reviewer's justification for results measured outside the environmental limits."""
    _job_or_404(job_id)
    try:
        rooms.justify(db_session(), job_id, request.form.get("justification", "")[:4000], user=_user())
    except LimsError as exc:
        return _failed(job_id, exc)
    return _done(job_id, _("Justification recorded."))


@bp.post("/<int:job_id>/standards")
@allow(Role.ADMIN, Role.TECHNICIAN)
def add_standard(job_id: int) -> ResponseReturnValue:
    _job_or_404(job_id)
    raw = request.form.get("standard_id", "")
    if not raw.isdigit():
        flash(_("Choose a standard."), "error")
        return redirect(url_for("jobs.bench", job_id=job_id))
    db = db_session()
    try:
        jobs.add_standard(
            db, job_id, int(raw), request.form.get("role", ""), on=date.today(), expected_version=_version()
        )
    except NotFound:
        abort(404)
    except LimsError as exc:
        db.rollback()
        flash(error_text(exc), "error")
        return redirect(url_for("jobs.bench", job_id=job_id))
    db.commit()
    flash(_("Standard recorded for this job."), "success")
    return redirect(url_for("jobs.bench", job_id=job_id))


@bp.get("/<int:job_id>/bench")
@allow(TECHNICAL_READERS)
def bench(job_id: int) -> ResponseReturnValue:
    db = db_session()
    job = _job_or_404(job_id)
    if job.procedure is None:
        flash(error_text(no_procedure(job)), "error")
        return redirect(url_for("jobs.show", job_id=job_id))
    return render_template("jobs/bench.html", **bench_view.context(db, job, _user()))


@bp.post("/<int:job_id>/points/<int:index>")
@allow(Role.TECHNICIAN)
def save_point(job_id: int, index: int) -> ResponseReturnValue:
    db = db_session()
    job = _job_or_404(job_id)
    data = bench_view.point_input(index, request.form, bench_view.weighing_entry(job))
    error: str | None = None
    try:
        measurements.save_point(
            db, job_id, data, user=_user(), expected_version=_version(), now=datetime.now().astimezone()
        )
        db.commit()
    except LimsError as exc:
        db.rollback()
        error = error_text(exc)
        job = _job_or_404(job_id)
    if request.headers.get("X-Requested-With") != "fetch":
        flash(error or _("Point saved."), "error" if error else "success")
        return redirect(url_for("jobs.bench", job_id=job_id, _anchor=f"point-{index + 1}"))
    html = bench_view.point_fragment(
        db, job, _user(), index, error=error, submitted=request.form if error else None
    )
    return html, (422 if error else 200), {"X-Job-Version": str(job.version)}


@bp.post("/<int:job_id>/weighing/<kind>")
@allow(Role.TECHNICIAN)
def save_weighing_test(job_id: int, kind: str) -> ResponseReturnValue:
    """One weighing test of a balance calibration or scale verification (repeatability, eccentricity …)."""
    from lims.services.bench.weighing_tests import WeighingTestInput
    from lims.services.bench.weighing_tests import save_weighing_test as save_test

    db = db_session()
    _job_or_404(job_id)
    data = WeighingTestInput(
        kind,
        request.form.get("load", ""),
        bench_view.split_values(request.form.get("readings", "")),
        bench_view.split_values(request.form.get("added", "")),
    )
    try:
        save_test(db, job_id, data, user=_user(), expected_version=_version(), now=datetime.now().astimezone())
    except LimsError as exc:
        db.rollback()
        flash(error_text(exc), "error")
        return redirect(url_for("jobs.bench", job_id=job_id, _anchor="weighing"))
    db.commit()
    flash(_("Weighing test saved; the test loads measured so far were recomputed."), "success")
    return redirect(url_for("jobs.bench", job_id=job_id, _anchor="weighing"))


from lims.web.jobs import authorisations as _authorisations  # noqa: E402, F401 - registers the authorisation routes
from lims.web.jobs import capture as _capture  # noqa: E402, F401 - registers the bench capture routes
from lims.web.jobs import certificates as _certificates  # noqa: E402, F401 - registers the certificate routes
from lims.web.jobs import sequence as _sequence  # noqa: E402, F401 - registers the bench sequence routes

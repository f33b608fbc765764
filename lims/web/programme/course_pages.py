"""Training courses and their participants on the web (Plan 16 / QĐ 202: 'lượt người' trained).

A course and each participation are recorded, corrected and withdrawn with a reason like every other
programme record; the Department's participant list is imported beside the course form.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lims.errors import LimsError, NotFound
from lims.models import Role, TrainingCourse, TrainingParticipation
from lims.services.programme import records as programme_records
from lims.services.programme import training
from lims.services.programme.importer import ImportKind, import_file
from lims.web.access import TECHNICAL_READERS, allow
from lims.web.dbsession import db_session
from lims.web.forms import run_action, save_form
from lims.web.programme.forms import CourseForm, ImportForm, ParticipantForm, WithdrawForm
from lims.web.programme.views import _programme, bp


@bp.get("/courses")
@allow(TECHNICAL_READERS)
def courses() -> ResponseReturnValue:
    rows = training.list_courses(db_session())
    return render_template("programme/courses.html", rows=rows, may_edit=current_user.role == Role.ADMIN)


def _course_input(form: CourseForm, notes: str | None = None) -> training.CourseInput:
    return training.CourseInput(
        topic=form.topic.data or "",
        organiser=form.organiser.data or "",
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        location=form.location.data,
        notes=notes,
    )


@bp.route("/courses/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def new_course() -> ResponseReturnValue:
    form = CourseForm()
    done = save_form(
        form,
        lambda db: training.create_course(db, _course_input(form)),
        success=_("Course saved."),
        then=lambda course: url_for("programme.course", course_id=course.id),
        fields={programme_records.DatesOutOfOrder: "ends_on"},
    )
    if done is not None:
        return done
    status = 422 if request.method == "POST" else 200
    return render_template("programme/course_form.html", form=form, import_form=ImportForm()), status


@bp.route("/courses/import", methods=["GET", "POST"])
@allow(Role.ADMIN)
def import_participants() -> ResponseReturnValue:
    """The Department's participant list (CSV/XLSX), beside the course form: rows with the same topic,
    organiser and dates form one course; the first bad row stops the import and nothing is saved. GET
    leads to the course form, where the import is."""
    if request.method == "GET":
        return redirect(url_for("programme.new_course"))
    form = ImportForm()
    done = save_form(
        form,
        lambda db: import_file(
            db,
            ImportKind.PARTICIPANTS,
            form.file.data.read(),
            filename=form.file.data.filename or "",
            programme=_programme(),
        ),
        success=lambda count: _("%(count)s rows imported.", count=count),
        then=lambda _count: url_for("programme.courses"),
        fields={LimsError: "file"},
    )
    if done is not None:
        return done
    return render_template("programme/course_form.html", form=CourseForm(), import_form=form), 422


def _live_course(course_id: int) -> Any:
    """The course, live (a withdrawn one is no longer edited): else 404."""
    try:
        found = training.get_course(db_session(), course_id)
    except NotFound:
        abort(404)
    if found.withdrawn_at is not None:
        abort(404)
    return found


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def edit_course(course_id: int) -> ResponseReturnValue:
    """Correct a course (audited); its participations count in the year of the corrected end date."""
    found = _live_course(course_id)
    form = CourseForm() if request.method == "POST" else CourseForm(obj=found)
    if request.method == "POST":
        done = save_form(
            form,
            lambda db: training.update_course(db, course_id, _course_input(form, found.notes)),
            success=_("Record saved."),
            then=lambda _course: url_for("programme.course", course_id=course_id),
            fields={programme_records.DatesOutOfOrder: "ends_on"},
        )
        if done is not None:
            return done
    status = 422 if request.method == "POST" else 200
    return render_template("programme/course_form.html", form=form, course=found), status


@bp.post("/courses/<int:course_id>/withdraw")
@allow(Role.ADMIN)
def withdraw_course(course_id: int) -> ResponseReturnValue:
    """Withdraw a course with a reason (a course that did not take place, entered twice): kept, struck
    through, audited; none of its participations is counted any more."""
    _live_course(course_id)
    form = WithdrawForm()
    page = url_for("programme.course", course_id=course_id)
    if not form.validate_on_submit():
        flash(_("Give the reason for the withdrawal."), "error")
        return redirect(page)
    return run_action(
        lambda db: programme_records.withdraw(
            db, TrainingCourse, course_id, reason=form.reason.data or "", now=datetime.now(UTC)
        ),
        success=_("Record withdrawn."),
        then=page,
    )


@bp.get("/courses/<int:course_id>")
@allow(TECHNICAL_READERS)
def course(course_id: int) -> ResponseReturnValue:
    try:
        found = training.get_course(db_session(), course_id)
    except NotFound:
        abort(404)
    return _course_page(found, ParticipantForm())


def _participant_input(form: ParticipantForm) -> training.ParticipantInput:
    return training.ParticipantInput(
        full_name=form.full_name.data or "",
        national_id=form.national_id.data,
        phone=form.phone.data,
        email=form.email.data,
        organisation=form.organisation.data,
    )


def _course_page(found: Any, form: ParticipantForm, status: int = 200) -> ResponseReturnValue:
    return render_template(
        "programme/course.html",
        course=found,
        form=form,
        withdraw_form=WithdrawForm(),
        may_edit=current_user.role == Role.ADMIN,
    ), status


@bp.post("/courses/<int:course_id>/participants")
@allow(Role.ADMIN)
def add_participant(course_id: int) -> ResponseReturnValue:
    db = db_session()
    form = ParticipantForm()
    try:
        found = training.get_course(db, course_id)
    except NotFound:
        abort(404)
    done = save_form(
        form,
        lambda session: training.add_participant(session, course_id, _participant_input(form)),
        success=_("Participant added."),
        then=lambda _participant: url_for("programme.course", course_id=course_id),
    )
    if done is not None:
        return done
    return _course_page(found, form, 422)


def _participation(course_id: int, participation_id: int) -> Any:
    """The participation of that course, live (a withdrawn one, or one of a withdrawn course, is no longer
    edited): else 404."""
    try:
        found = training.get_participation(db_session(), participation_id)
    except NotFound:
        abort(404)
    if (
        found.course_id != course_id
        or found.withdrawn_at is not None
        or found.course.withdrawn_at is not None
    ):
        abort(404)
    return found


@bp.route("/courses/<int:course_id>/participants/<int:participation_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def edit_participant(course_id: int, participation_id: int) -> ResponseReturnValue:
    """Correct a participant (audited); the indicator counts the corrected record."""
    found = _participation(course_id, participation_id)
    if request.method == "POST":
        form = ParticipantForm()
        done = save_form(
            form,
            lambda session: training.update_participant(
                session, participation_id, _participant_input(form)
            ),
            success=_("Record saved."),
            then=lambda _participant: url_for("programme.course", course_id=course_id),
        )
        if done is not None:
            return done
        status = 422
    else:
        form = ParticipantForm(obj=found)
        status = 200
    return render_template(
        "programme/participant_form.html", course=found.course, participation=found, form=form
    ), status


@bp.post("/courses/<int:course_id>/participants/<int:participation_id>/withdraw")
@allow(Role.ADMIN)
def withdraw_participant(course_id: int, participation_id: int) -> ResponseReturnValue:
    """Withdraw a participation with a reason: kept, struck through, audited, no longer counted."""
    _participation(course_id, participation_id)
    form = WithdrawForm()
    if not form.validate_on_submit():
        flash(_("Give the reason for the withdrawal."), "error")
        return redirect(url_for("programme.course", course_id=course_id))
    return run_action(
        lambda db: programme_records.withdraw(
            db, TrainingParticipation, participation_id, reason=form.reason.data or "", now=datetime.now(UTC)
        ),
        success=_("Record withdrawn."),
        then=url_for("programme.course", course_id=course_id),
    )

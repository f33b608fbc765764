"""Training courses and their participants (Hà Nội Plan 16 task 3.2, Đà Nẵng II.3): the records the
training indicators count, with the checks of :mod:`lims.services.programme.records`.

Every function validates its input completely before adding anything to the session, so a refused
record leaves nothing behind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.errors import NotFound
from lims.models import TrainingCourse, TrainingParticipation
from lims.services.programme.records import (
    DatesOutOfOrder,
    DuplicateParticipant,
    InvalidEmail,
    MissingIdentity,
    _assign,
    _clean,
    _live,
    _required,
)


@dataclass(frozen=True, slots=True)
class CourseInput:
    topic: str
    organiser: str
    starts_on: date
    ends_on: date
    location: str | None = None
    notes: str | None = None


def _course_values(data: CourseInput) -> dict[str, object]:
    topic, organiser = _required(data.topic, "topic"), _required(data.organiser, "organiser")
    if data.ends_on < data.starts_on:
        raise DatesOutOfOrder(
            field="ends_on",
            value=data.ends_on.isoformat(),
            other_field="starts_on",
            other=data.starts_on.isoformat(),
        )
    return {
        "topic": topic,
        "organiser": organiser,
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "location": _clean(data.location),
        "notes": _clean(data.notes),
    }


def create_course(session: Session, data: CourseInput) -> TrainingCourse:
    course = TrainingCourse(**_course_values(data))
    session.add(course)
    session.flush()
    return course


def update_course(session: Session, course_id: int, data: CourseInput) -> TrainingCourse:
    """Correct a course (topic, organiser, dates, place) with the checks of a new one; audited. Its
    participations count in the year of the corrected end date."""
    course = _live(session, TrainingCourse, course_id)
    _assign(course, _course_values(data))
    session.flush()
    return course


@dataclass(frozen=True, slots=True)
class ParticipantInput:
    full_name: str
    national_id: str | None = None
    phone: str | None = None
    email: str | None = None
    organisation: str | None = None


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _digits(text: str | None) -> str | None:
    if not text:
        return None
    digits = re.sub(r"\D", "", text)
    return digits or None


def identity_key(data: ParticipantInput) -> str:
    """One person's key on a course: national ID, else phone (+84 written as 0), else e-mail.

    >>> identity_key(ParticipantInput("A", phone="+84 912 345 678"))
    'phone:0912345678'
    """
    national_id = _digits(data.national_id)
    if national_id:
        return f"id:{national_id}"
    phone = _digits(data.phone)
    if phone:
        return "phone:" + ("0" + phone[2:] if phone.startswith("84") and len(phone) > 9 else phone)
    email = _clean(data.email)
    if email:
        return f"email:{email.casefold()}"
    raise MissingIdentity(name=_clean(data.full_name) or "?")


def _participant_values(
    session: Session, course_id: int, data: ParticipantInput, *, record_id: int | None = None
) -> dict[str, object]:
    """The checked columns of a participation; the same person (identity key) twice on a course is refused,
    a withdrawn participation included (the unique key holds it: correct that one instead)."""
    name = _clean(data.full_name)
    if not name:
        raise MissingIdentity(name="?")
    key = identity_key(data)
    email = _clean(data.email)
    if email and not _EMAIL.match(email):
        raise InvalidEmail(email=email)
    clash = session.scalar(
        select(TrainingParticipation.id).where(
            TrainingParticipation.course_id == course_id,
            TrainingParticipation.identity_key == key,
            TrainingParticipation.id != (record_id or 0),
        )
    )
    if clash is not None:
        raise DuplicateParticipant(name=name)
    return {
        "full_name": name,
        "national_id": _digits(data.national_id),
        "phone": _clean(data.phone),
        "email": email,
        "organisation": _clean(data.organisation),
        "identity_key": key,
    }


def add_participant(session: Session, course_id: int, data: ParticipantInput) -> TrainingParticipation:
    _live(session, TrainingCourse, course_id)  # a withdrawn course takes no participant
    participation = TrainingParticipation(
        course_id=course_id, **_participant_values(session, course_id, data)
    )
    session.add(participation)
    session.flush()
    return participation


def update_participant(
    session: Session, participation_id: int, data: ParticipantInput
) -> TrainingParticipation:
    """Correct a participation (name, identity, organisation) with the checks of a new one; audited."""
    participation = _live(session, TrainingParticipation, participation_id)
    _live(session, TrainingCourse, participation.course_id)  # nor is one of a withdrawn course changed
    values = _participant_values(session, participation.course_id, data, record_id=participation_id)
    _assign(participation, values)
    session.flush()
    return participation


def list_courses(session: Session, *, limit: int = 200) -> list[tuple[TrainingCourse, int]]:
    """Courses, latest first, each with its number of participations (withdrawn ones not counted)."""
    count = func.count(TrainingParticipation.id)
    rows = session.execute(
        select(TrainingCourse, count)
        .outerjoin(
            TrainingParticipation,
            (TrainingParticipation.course_id == TrainingCourse.id)
            & TrainingParticipation.withdrawn_at.is_(None),
        )
        .group_by(TrainingCourse.id)
        .order_by(TrainingCourse.ends_on.desc(), TrainingCourse.id.desc())
        .limit(limit)
    ).all()
    return [(row[0], int(row[1])) for row in rows]


def get_participation(session: Session, participation_id: int) -> TrainingParticipation:
    participation = session.get(TrainingParticipation, participation_id)
    if participation is None:
        raise NotFound()
    return participation


def get_course(session: Session, course_id: int) -> TrainingCourse:
    course = session.get(TrainingCourse, course_id)
    if course is None:
        raise NotFound()
    return course

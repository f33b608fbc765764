"""The dashboard's tiles: each role's counts, a customer's scoped to its enterprise, in one statement."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from lims.models import Enterprise, JobState, Role, StandardStatus, User
from lims.services.jobs.dashboard import tiles_for
from tests.factories import (
    make_certificate,
    make_enterprise,
    make_instrument,
    make_job,
    make_standard,
    make_user,
)

TODAY = date(2026, 11, 20)


def _tiles(session: Session, user: Any) -> dict[str, int]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    bind = session.connection()
    event.listen(bind, "before_cursor_execute", count)
    try:
        tiles = {t.label: t.value for t in tiles_for(session, user, today=TODAY)}
    finally:
        event.remove(bind, "before_cursor_execute", count)
    assert len(statements) == 1, statements  # every tile from one round trip
    return tiles


def test_lab_and_customer_tiles_count_what_they_say(session: Session) -> None:
    ours, theirs = make_enterprise(session), make_enterprise(session)
    before = {
        role: _tiles(session, make_user(session, role))
        for role in (Role.TECHNICIAN, Role.ADMIN, Role.AUDITOR)
    }
    for state, n in ((JobState.RECEIVED, 3), (JobState.IN_PROGRESS, 2), (JobState.MEASURED, 1)):
        for _ in range(n):
            make_job(session, state=state, enterprise=ours)
    make_job(session, state=JobState.REVIEWED, enterprise=theirs)
    make_certificate(session, make_job(session, state=JobState.ISSUED, enterprise=ours))
    make_standard(session, due_on=TODAY + timedelta(days=10))
    make_standard(session, due_on=TODAY + timedelta(days=10), status=StandardStatus.RETIRED)
    make_standard(session, due_on=TODAY + timedelta(days=90))
    make_instrument(session, ours, next_due_on=TODAY + timedelta(days=5))
    make_instrument(session, ours, next_due_on=TODAY + timedelta(days=200))

    technician = _tiles(session, make_user(session, Role.TECHNICIAN))
    growth = {label: technician[label] - before[Role.TECHNICIAN][label] for label in technician}
    assert growth == {
        "Jobs received, waiting": 3,
        "Jobs in progress": 2,
        "Awaiting review": 1,
        "Awaiting approval": 1,
        "Standards due within 30 days": 1,
    }
    admin = _tiles(session, make_user(session, Role.ADMIN))
    assert admin["Certificates issued"] - before[Role.ADMIN]["Certificates issued"] == 1
    assert admin["Enterprises"] == session.scalar(select(func.count()).select_from(Enterprise))
    assert admin["Users"] == session.scalar(select(func.count()).select_from(User))
    assert "Users" not in _tiles(session, make_user(session, Role.AUDITOR))

    customer = _tiles(session, make_user(session, Role.CUSTOMER, enterprise_id=ours.id))
    # Six open jobs of ours (their instruments included) and none of the other enterprise's.
    assert customer == {"Instruments": 9, "Due within 30 days": 1, "Open jobs": 6, "Certificates": 1}

"""The open jobs counted per procedure and due date (``open_job_due``), kept by triggers on ``job``.

The dashboard's overdue tiles read these counts instead of counting overdue jobs, so the counts must equal
a count over ``job`` after anything that writes a job: insert, a transition into or out of an open state, a
new due date or procedure, a deletion, many rows in one statement. Each check compares the table with that
count computed independently, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from lims.models import Job, JobState, OpenJobDue, Procedure, Role
from lims.services.jobs import queues
from lims.services.jobs.dashboard import tiles_for
from lims.services.jobs.procedures import sync_procedures
from lims.services.jobs.workload import OPEN_STATES
from tests.factories import make_enterprise, make_instrument, make_job, make_lab, make_user
from tests.loadfile import load_file

TODAY = date(2026, 11, 20)
MIGRATION = Path(__file__).parents[2] / "migrations" / "versions" / "0035_open_job_due.py"


def _migration() -> Any:
    return load_file("migration_0035", MIGRATION)


def test_the_triggers_count_the_states_the_application_calls_open() -> None:
    # The migration freezes the open states in SQL; a change to OPEN_STATES needs a migration that changes them.
    assert set(_migration().OPEN_STATES) == {state.value for state in OPEN_STATES}


def _kept(session: Session) -> dict[tuple[int, date], int]:
    session.flush()
    return {(row.procedure_key, row.due_on): row.jobs for row in session.scalars(select(OpenJobDue))}


def _counted(session: Session) -> dict[tuple[int, date], int]:
    """The same counts taken from the jobs themselves, in Python (no SQL shared with the triggers)."""
    counts: dict[tuple[int, date], int] = {}
    for job in session.scalars(select(Job)):
        if job.state in OPEN_STATES and job.due_on is not None:
            key = (job.procedure_id or 0, job.due_on)
            counts[key] = counts.get(key, 0) + 1
    return counts


def _world(session: Session) -> tuple[list[int], Any, Any, Any]:
    sync_procedures(session)
    procedures = list(session.scalars(select(Procedure.id).order_by(Procedure.id).limit(3)))
    lab = make_lab(session)
    enterprise = make_enterprise(session)
    instrument = make_instrument(session, enterprise)
    return procedures, lab, enterprise, instrument


def test_every_kind_of_write_keeps_the_counts(session: Session) -> None:
    procedures, lab, enterprise, instrument = _world(session)
    p1, p2 = procedures[0], procedures[1]
    d1, d2 = TODAY - timedelta(days=3), TODAY + timedelta(days=4)

    def job(**over: Any) -> Job:
        return make_job(session, lab=lab, enterprise=enterprise, instrument=instrument, **over)

    a = job(state=JobState.RECEIVED, procedure_id=p1, due_on=d1)
    b = job(state=JobState.IN_PROGRESS, procedure_id=p1, due_on=d1)
    c = job(state=JobState.REQUESTED, procedure_id=None, due_on=d1)  # no procedure yet: key 0
    job(state=JobState.ISSUED, procedure_id=p1, due_on=d1)  # closed: not counted
    job(state=JobState.RECEIVED, procedure_id=p2, due_on=None)  # no due date: not counted
    assert _kept(session) == {(p1, d1): 2, (0, d1): 1} == _counted(session)

    a.state = JobState.ON_HOLD  # open to open: the same count
    assert _kept(session) == {(p1, d1): 2, (0, d1): 1}
    a.state = JobState.CANCELLED  # open to closed
    assert _kept(session) == {(p1, d1): 1, (0, d1): 1}
    a.state = JobState.RECEIVED  # closed to open again: the table must not depend on the workflow's rules
    assert _kept(session) == {(p1, d1): 2, (0, d1): 1}
    b.due_on = d2  # a new due date moves the job between rows
    assert _kept(session) == {(p1, d1): 1, (p1, d2): 1, (0, d1): 1}
    c.procedure_id = p2  # the procedure chosen at review
    assert _kept(session) == {(p1, d1): 1, (p1, d2): 1, (p2, d1): 1}
    c.due_on = None
    assert _kept(session) == {(p1, d1): 1, (p1, d2): 1}  # a row at zero is deleted
    c.due_on, c.state = d2, JobState.APPROVED  # two changes in one UPDATE
    assert _kept(session) == {(p1, d1): 1, (p1, d2): 1, (p2, d2): 1}
    a.requirements = {"note": "x"}  # other columns: the triggers do not fire
    assert _kept(session) == {(p1, d1): 1, (p1, d2): 1, (p2, d2): 1} == _counted(session)

    # Many rows in one statement (as a batch would), and deletions.
    session.execute(update(Job).where(Job.due_on == d2).values(state=JobState.ISSUED))
    assert _kept(session) == {(p1, d1): 1} == _counted(session)
    session.execute(delete(Job).where(Job.id == a.id))
    session.expire_all()
    assert _kept(session) == {} == _counted(session)


def test_random_writes_keep_the_counts(session: Session) -> None:
    """Three hundred writes chosen at random (seeded): after each, the table equals the count of the jobs."""
    procedures, lab, enterprise, instrument = _world(session)
    rng = random.Random(19)
    states = list(JobState)
    days = [TODAY + timedelta(days=offset) for offset in (-30, -1, 0, 1, 9)]
    jobs: list[Job] = []
    for step in range(300):
        action = rng.choice(("add", "state", "state", "due", "procedure", "delete")) if jobs else "add"
        if action == "add":
            jobs.append(
                make_job(
                    session,
                    lab=lab,
                    enterprise=enterprise,
                    instrument=instrument,
                    state=rng.choice(states),
                    procedure_id=rng.choice([*procedures, None]),
                    due_on=rng.choice([*days, None]),
                )
            )
        else:
            target = rng.choice(jobs)
            if action == "state":
                target.state = rng.choice(states)
            elif action == "due":
                target.due_on = rng.choice([*days, None])
            elif action == "procedure":
                target.procedure_id = rng.choice([*procedures, None])
            else:
                jobs.remove(target)
                session.delete(target)
        assert _kept(session) == _counted(session), (step, action)
    assert any(_kept(session).values())


def test_the_overdue_tiles_agree_with_the_list_they_open(session: Session) -> None:
    """The administrator's "overdue" tile (from the kept counts) equals the queue the tile links to (a count
    over the jobs themselves), in all and per lab section."""
    procedures, lab, enterprise, instrument = _world(session)
    admin = make_user(session, Role.ADMIN)
    rng = random.Random(7)
    for _ in range(40):
        make_job(
            session,
            lab=lab,
            enterprise=enterprise,
            instrument=instrument,
            state=rng.choice(list(JobState)),
            procedure_id=rng.choice([*procedures, None]),
            due_on=TODAY + timedelta(days=rng.randint(-20, 5)),
        )
    session.flush()
    tiles = tiles_for(session, admin, today=TODAY)

    def listed(section: str = "") -> int:
        conditions = queues.queue_conditions("overdue", admin, TODAY, section=section)
        return session.scalar(select(func.count()).select_from(Job).where(*conditions)) or 0

    overdue = [t for t in tiles if t.args.get("queue") == "overdue"]
    total = next(t for t in overdue if t.detail is None)
    assert total.value == listed() > 0
    sections = {t.detail: t.value for t in overdue if t.detail is not None}
    assert sections and all(value == listed(section) for section, value in sections.items())

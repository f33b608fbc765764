"""open jobs counted per procedure and due date, kept by the database (issue 19 item 8)

The administrator's dashboard counts the overdue open jobs, in all and per lab section. Counted from ``job``
that is one index entry per overdue job: at a million demo instruments 200 000 entries read and grouped by
procedure on every visit (38 ms of the page's 44 ms service time, p95 over 100 ms with twenty users).
``open_job_due`` holds one row per (procedure, due date) with the number of open jobs; the overdue counts
are then a sum over the rows dated before today, a few thousand rows at most whatever the number of jobs.

Triggers on ``job`` keep it (every writer included: the ORM, bulk COPY of the demo generator, a restore), so
no code path can forget it. A row whose count reaches zero is deleted, so the table only holds dates that
still have open jobs. ``procedure_key`` is the procedure's id, 0 for a job with no procedure yet (a key
column cannot hold NULL). The open states are frozen here, as any migration freezes what it writes;
``tests/services/jobs/test_open_job_due.py`` checks them against ``lims.services.jobs.workload.OPEN_STATES``,
so a change there needs a migration here.

PostgreSQL: one PL/pgSQL function behind three triggers (the update trigger fires only when the state, the due
date or the procedure changed). Concurrent transactions that move jobs of the same procedure and due date
wait for each other on that row, briefly; different dates never do. SQLite: four triggers of plain SQL.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_STATES = ("requested", "received", "in_progress", "measured", "reviewed", "approved", "on_hold")
_OPEN = ", ".join(f"'{state}'" for state in OPEN_STATES)
_CHANGED = (
    "OLD.state IS DISTINCT FROM NEW.state OR OLD.due_on IS DISTINCT FROM NEW.due_on"
    " OR OLD.procedure_id IS DISTINCT FROM NEW.procedure_id"
)


def _add(row: str) -> str:
    return (
        f"INSERT INTO open_job_due (procedure_key, due_on, jobs) VALUES (COALESCE({row}.procedure_id, 0),"
        f" {row}.due_on, 1) ON CONFLICT (procedure_key, due_on) DO UPDATE SET jobs = open_job_due.jobs + 1;"
    )


def _remove(row: str) -> str:
    key = f"procedure_key = COALESCE({row}.procedure_id, 0) AND due_on = {row}.due_on"
    return (
        f"UPDATE open_job_due SET jobs = jobs - 1 WHERE {key};"
        f" DELETE FROM open_job_due WHERE {key} AND jobs <= 0;"
    )


def _is_open(row: str) -> str:
    return f"{row}.due_on IS NOT NULL AND {row}.state IN ({_OPEN})"


_PG_FUNCTION = f"""
CREATE FUNCTION open_job_due_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF {_is_open("OLD")} THEN
            {_remove("OLD")}
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF {_is_open("NEW")} THEN
            {_add("NEW")}
        END IF;
    END IF;
    RETURN NULL;
END
$$
"""

_PG_TRIGGERS = (
    "CREATE TRIGGER job_open_due_insert AFTER INSERT ON job FOR EACH ROW EXECUTE FUNCTION open_job_due_count()",
    "CREATE TRIGGER job_open_due_delete AFTER DELETE ON job FOR EACH ROW EXECUTE FUNCTION open_job_due_count()",
    "CREATE TRIGGER job_open_due_update AFTER UPDATE OF state, due_on, procedure_id ON job FOR EACH ROW"
    f" WHEN ({_CHANGED}) EXECUTE FUNCTION open_job_due_count()",
)

# SQLite spells "is distinct from" as IS NOT.
_SQLITE_CHANGED = _CHANGED.replace("IS DISTINCT FROM", "IS NOT")
_SQLITE_TRIGGERS = (
    f"CREATE TRIGGER job_open_due_insert AFTER INSERT ON job WHEN {_is_open('NEW')} BEGIN {_add('NEW')} END",
    f"CREATE TRIGGER job_open_due_delete AFTER DELETE ON job WHEN {_is_open('OLD')} BEGIN {_remove('OLD')} END",
    # Two update triggers: the old row's count first, then the new row's.
    f"CREATE TRIGGER job_open_due_update_old AFTER UPDATE OF state, due_on, procedure_id ON job"
    f" WHEN ({_SQLITE_CHANGED}) AND {_is_open('OLD')} BEGIN {_remove('OLD')} END",
    f"CREATE TRIGGER job_open_due_update_new AFTER UPDATE OF state, due_on, procedure_id ON job"
    f" WHEN ({_SQLITE_CHANGED}) AND {_is_open('NEW')} BEGIN {_add('NEW')} END",
)
_SQLITE_TRIGGER_NAMES = (
    "job_open_due_insert",
    "job_open_due_delete",
    "job_open_due_update_old",
    "job_open_due_update_new",
)


def upgrade() -> None:
    op.create_table(
        "open_job_due",
        sa.Column("procedure_key", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("jobs", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("procedure_key", "due_on", name=op.f("pk_open_job_due")),
    )
    op.execute(
        "INSERT INTO open_job_due (procedure_key, due_on, jobs)"
        " SELECT COALESCE(procedure_id, 0), due_on, count(*) FROM job"
        f" WHERE due_on IS NOT NULL AND state IN ({_OPEN}) GROUP BY COALESCE(procedure_id, 0), due_on"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        for statement in _PG_TRIGGERS:
            op.execute(statement)
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in ("job_open_due_insert", "job_open_due_delete", "job_open_due_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON job")
        op.execute("DROP FUNCTION IF EXISTS open_job_due_count()")
    else:
        for name in _SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("open_job_due")

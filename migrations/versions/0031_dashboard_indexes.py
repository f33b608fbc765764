"""dashboard counts at a million instruments: a technician's jobs by state and due date, the overdue
open jobs by procedure (issue 19 item 8)

``ix_job_technician_id_state`` becomes ``ix_job_technician_id_state_due_on``: "my jobs due today" and "my
overdue jobs" are then read as ranges of the index (the former index left the due date to the table's rows:
85 000 rows fetched for one technician of the million-instrument demo). ``ix_job_state_due_on`` becomes
``ix_job_state_due_on_procedure_id``: the overdue open jobs counted per procedure (the administrator's tile
and its lab sections, ``lims.services.jobs.dashboard.overdue_by_procedure``) by an index-only scan. Each new
index begins with the old one's columns, so every query the old one served it serves too.

On PostgreSQL only, ``ix_customer_instrument_<field>_prefix`` on ``lower(<field>) text_pattern_ops`` for the
four searched fields: the instrument search's first tier ("a field beginning with the term",
``lower(field) LIKE lower('term%')``) becomes a range of a b-tree. The trigram indexes could only say which rows
hold the term's trigrams somewhere, so ``0000`` re-checked 28 000 serial numbers at 300 000 instruments
(126 ms) for none beginning with it. Like the trigram indexes they are not in the models
(``migrations/env.py`` leaves ``_prefix`` indexes out of the comparison); SQLite scans.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 11:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


PREFIX_FIELDS = ("serial_number", "instrument_type", "model", "manufacturer")


def upgrade() -> None:
    op.create_index("ix_job_technician_id_state_due_on", "job", ["technician_id", "state", "due_on"])
    op.drop_index("ix_job_technician_id_state", table_name="job")
    op.create_index("ix_job_state_due_on_procedure_id", "job", ["state", "due_on", "procedure_id"])
    op.drop_index("ix_job_state_due_on", table_name="job")
    if op.get_bind().dialect.name == "postgresql":
        for field in PREFIX_FIELDS:
            op.execute(
                f"CREATE INDEX ix_customer_instrument_{field}_prefix "
                f"ON customer_instrument (lower({field}) text_pattern_ops)"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for field in PREFIX_FIELDS:
            op.execute(f"DROP INDEX IF EXISTS ix_customer_instrument_{field}_prefix")
    op.create_index("ix_job_state_due_on", "job", ["state", "due_on"])
    op.drop_index("ix_job_state_due_on_procedure_id", table_name="job")
    op.create_index("ix_job_technician_id_state", "job", ["technician_id", "state"])
    op.drop_index("ix_job_technician_id_state_due_on", table_name="job")

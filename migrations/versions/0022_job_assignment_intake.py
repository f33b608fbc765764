"""job assignment history, damage on arrival, a technician's jobs by state

``job_assignment`` records every assignment of a job to a technician (assign, take, reassign, release):
who was given the job, by whom and when. ``job.technician_id`` stays the current assignee.
``job_damage``: an item damaged on arrival is received only with a note that reaches the customer
(ISO/IEC 17025:2017 7.4.3); a table of its own so that ``job``'s columns stay as they were. ``ix_job_technician_id_state`` serves the
technician's dashboard ("my jobs in progress"), ``ix_job_state_due_on`` the overdue tiles and
``ix_certificate_issued_at`` "certificates issued in the last 30 days" (instead of counting every
certificate). ``service_request.recalibration_months``: the interval the customer chose; issuing the
certificate sets the instrument's next due date from it.

Revision ID: 0022
Revises: 0017
Create Date: 2026-12-06 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("technician_id", sa.Integer(), nullable=True),
        sa.Column("assigned_by_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"], name=op.f("fk_job_assignment_job_id_job")),
        sa.ForeignKeyConstraint(
            ["technician_id"], ["user_account.id"], name=op.f("fk_job_assignment_technician_id_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["assigned_by_id"], ["user_account.id"], name=op.f("fk_job_assignment_assigned_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_assignment")),
    )
    with op.batch_alter_table("job_assignment", schema=None) as batch_op:
        batch_op.create_index("ix_job_assignment_job_id_at", ["job_id", "at"], unique=False)
    op.create_table(
        "job_damage",
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"], name=op.f("fk_job_damage_job_id_job")),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_job_damage")),
    )
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.create_index("ix_job_technician_id_state", ["technician_id", "state"], unique=False)
        batch_op.create_index("ix_job_state_due_on", ["state", "due_on"], unique=False)
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificate_issued_at"), ["issued_at"], unique=False)
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recalibration_months", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service_request", schema=None) as batch_op:
        batch_op.drop_column("recalibration_months")
    with op.batch_alter_table("certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_issued_at"))
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_index("ix_job_state_due_on")
        batch_op.drop_index("ix_job_technician_id_state")
    op.drop_table("job_damage")
    with op.batch_alter_table("job_assignment", schema=None) as batch_op:
        batch_op.drop_index("ix_job_assignment_job_id_at")
    op.drop_table("job_assignment")

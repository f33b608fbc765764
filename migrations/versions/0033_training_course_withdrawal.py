"""a training course is corrected and withdrawn with a reason like every other programme record (issue 20)

A course recorded by mistake (wrong dates, a course that did not take place) was kept and counted for
ever: only its participants could be withdrawn. ``training_course`` gets ``withdrawn_at`` /
``withdrawal_reason``; the training indicator counts no participation of a withdrawn course.

Revision ID: 0033
Revises: 0031
Create Date: 2026-12-06 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("training_course", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("withdrawal_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("training_course", schema=None) as batch_op:
        batch_op.drop_column("withdrawal_reason")
        batch_op.drop_column("withdrawn_at")

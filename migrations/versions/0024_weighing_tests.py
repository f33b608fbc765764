"""weighing tests: balance calibration (EURAMET cg-18) and scale verification (OIML R 76-1 annex A)

``weighing_test`` holds the tests of a weighing job that are not test loads (repeatability, eccentricity,
zero-setting, discrimination; ``point_index`` −1), and for each test load (kind ``load``) its entries
besides the indications: the no-load indication before it (cg-18) or the change-point weights added to
each reading (R 76-1 A.4.4.3). No existing table changes.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "weighing_test",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("point_index", sa.Integer(), nullable=False),
        sa.Column("load", sa.Numeric(precision=30, scale=12), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("readings", sa.JSON(), nullable=False),
        sa.Column("added", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("saved_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"], name=op.f("fk_weighing_test_job_id_job")),
        sa.ForeignKeyConstraint(
            ["saved_by_id"], ["user_account.id"], name=op.f("fk_weighing_test_saved_by_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weighing_test")),
        sa.UniqueConstraint("job_id", "kind", "point_index", name=op.f("uq_weighing_test_job_id_kind_point_index")),
    )
    with op.batch_alter_table("weighing_test", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_weighing_test_job_id"), ["job_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("weighing_test", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_weighing_test_job_id"))
    op.drop_table("weighing_test")

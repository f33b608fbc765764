"""Automated sequences: the unit under test read through its interface, and the run's visits (issue 18).

* ``sequence_run.uut_station_id``/``uut_driver``/``uut_port_url``: the bench station the technician chose to
  read the unit under test (copied when queued, as the source's are); NULL: its indications are typed;
* ``sequence_run.visits``: the settings of the source in order, ``[point, nominal, readings, label]`` (the
  DKD-R 6-1 preloads and rising/falling series of a pressure gauge; one per point otherwise; ``[]`` for the
  runs queued before: one per point);
* ``sequence_run.visit_index``: the visit in progress (typed indications are keyed by it).

Revision ID: 0030
Revises: 0027
Create Date: 2026-12-06 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sequence_run") as batch:
        batch.add_column(sa.Column("uut_station_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("uut_driver", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("uut_port_url", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("visits", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch.add_column(sa.Column("visit_index", sa.Integer(), nullable=False, server_default="0"))
        batch.create_foreign_key(
            op.f("fk_sequence_run_uut_station_id_bench_station"), "bench_station", ["uut_station_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("sequence_run") as batch:
        batch.drop_constraint(op.f("fk_sequence_run_uut_station_id_bench_station"), type_="foreignkey")
        batch.drop_column("visit_index")
        batch.drop_column("visits")
        batch.drop_column("uut_port_url")
        batch.drop_column("uut_driver")
        batch.drop_column("uut_station_id")

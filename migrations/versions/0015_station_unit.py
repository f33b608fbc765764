"""bench station unit

bench_station.unit (nullable, up to 20 characters): the unit every reading of the station must carry when
it is not the one the instrument reports in its configuration (issue 18: a frame in any other unit is a
fault, never a reading). Existing stations keep NULL: the instrument's own unit, as before.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 05:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('bench_station', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unit', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('bench_station', schema=None) as batch_op:
        batch_op.drop_column('unit')

"""the specification a requested statement of conformity is made against

A calibration certificate states conformity (and prints an MPE column) only when the customer asked for a
statement against a named specification (ISO/IEC 17025:2017 7.1.3, 7.8.6.1; issue 16). The request records
the name; converting the request copies it into ``job.requirements["specification"]``. Earlier requests
have none: their jobs give no statement until the specification is agreed at intake.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service_request") as batch:
        batch.add_column(sa.Column("conformity_specification", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service_request") as batch:
        batch.drop_column("conformity_specification")

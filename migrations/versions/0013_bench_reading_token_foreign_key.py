"""bench reading token foreign key

bench_reading.token_id now references api_token.id, ON DELETE RESTRICT: tokens are revoked (revoked_at set,
the row kept), never deleted, and a reading's token is part of its provenance (ISO/IEC 17025:2017 7.5.1), so
deleting a token that delivered readings is refused rather than silently blanking them (SET NULL would also
be an UPDATE of the append-only readings). Batch mode recreates the table on SQLite.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-23 00:48:06.797956
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # No code path deletes tokens, but an id left by a token removed by hand names nothing any more and would
    # make the constraint fail: clear it (the reading keeps user_id and source) instead of refusing to upgrade.
    op.execute(
        sa.text(
            "UPDATE bench_reading SET token_id = NULL WHERE token_id IS NOT NULL "
            "AND token_id NOT IN (SELECT id FROM api_token)"
        )
    )
    with op.batch_alter_table('bench_reading', schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f('fk_bench_reading_token_id_api_token'), 'api_token', ['token_id'], ['id'],
            ondelete='RESTRICT',
        )


def downgrade() -> None:
    with op.batch_alter_table('bench_reading', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_bench_reading_token_id_api_token'), type_='foreignkey')

"""finer statistics of serial numbers, so a rare search term is planned as rare (issue 19 item 8)

On PostgreSQL only: ``customer_instrument.serial_number`` keeps a statistics target of 10 000 (a histogram of
10 001 bounds instead of 101). A search term found inside a serial number (``ILIKE '%8846%'``) is estimated
from that histogram, and with 101 bounds the estimate cannot fall below about one row in a hundred: 10 000
rows at a million instruments, where 300 match. The planner then walked every instrument newest first,
expecting a page within a few thousand rows, and re-checked 115 000 of them (358 ms) for the search's second
tier (a match inside a field). With the finer histogram it estimates 200 rows and reads them through the
trigram index (25 ms). The other searched fields hold a few distinct values each and are estimated from their
most common values already. ``ANALYZE`` then samples the whole column (about 2 s at a million instruments);
autovacuum's ANALYZE keeps the target.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 15:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TARGET = 10_000


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE customer_instrument ALTER COLUMN serial_number SET STATISTICS {TARGET}")
        op.execute("ANALYZE customer_instrument (serial_number)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE customer_instrument ALTER COLUMN serial_number SET STATISTICS -1")

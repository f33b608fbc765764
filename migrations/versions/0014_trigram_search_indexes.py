"""trigram indexes for substring search (PostgreSQL only)

The searches of instruments and enterprises match ``%text%`` anywhere in serial numbers,
makers, models, types and enterprise names. A b-tree index cannot serve such a pattern, so without
these indexes an exact serial number among a million instruments is found by reading them all (about 3 s).
``pg_trgm``'s GIN operator class serves ``ILIKE '%…%'`` from an index.

``pg_trgm`` ships with PostgreSQL (Debian: the ``postgresql`` package) and is a *trusted* extension since
PostgreSQL 13, so the database owner may create it. It is created in ``public`` unless it already exists
elsewhere; where it cannot be created at all, the migration says so and goes on without the indexes:
searches stay correct, only slower. SQLite has no such index; it scans, which is fine at its scale.

The indexes are not in the models (they are PostgreSQL-only); ``migrations/env.py`` leaves indexes whose
names end in ``_trgm`` out of the comparison of models and database.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-23 01:00:00
"""

import logging
from collections.abc import Sequence

from alembic import op
from sqlalchemy import Connection, exc

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

TRIGRAM: tuple[tuple[str, str], ...] = (
    ("customer_instrument", "serial_number"),
    ("customer_instrument", "instrument_type"),
    ("customer_instrument", "model"),
    ("customer_instrument", "manufacturer"),
    ("enterprise", "name"),
)


def _trgm_schema(bind: Connection) -> str | None:
    """The schema holding pg_trgm, creating the extension in ``public`` if it is not installed yet."""
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public")
    except exc.DBAPIError as error:
        log.warning(
            "pg_trgm could not be created (%s); substring searches will work without an index. "
            "Ask the database administrator to run CREATE EXTENSION pg_trgm, then create the indexes "
            "listed in migrations/versions/0014_trigram_search_indexes.py.",
            str(error.orig).splitlines()[0] if error.orig else error,
        )
        return None
    return bind.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'pg_trgm'"
    ).scalar_one()


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = _trgm_schema(bind)
    if schema is None:
        return
    quote = bind.dialect.identifier_preparer.quote
    for table, column in TRIGRAM:
        op.execute(
            f"CREATE INDEX IF NOT EXISTS {quote(f'ix_{table}_{column}_trgm')} ON {quote(table)} "
            f"USING gin ({quote(column)} {quote(schema)}.gin_trgm_ops)"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    quote = bind.dialect.identifier_preparer.quote
    for table, column in TRIGRAM:
        op.execute(f"DROP INDEX IF EXISTS {quote(f'ix_{table}_{column}_trgm')}")

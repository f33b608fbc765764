"""Alembic environment: metadata from lims.models, URL from the config the caller built (lims.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import lims.models  # noqa: F401 - registers every table on the metadata
from lims.db import Base, UTCDateTime, make_engine

config = context.config
target_metadata = Base.metadata


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Render the project's portable column types as plain SQLAlchemy types in migration files."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def _include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """PostgreSQL-only indexes are not in the models: the trigram indexes (migration 0014) and the prefix
    indexes on ``lower(column) text_pattern_ops`` (migration 0031). Leave them out of comparisons."""
    return not (
        type_ == "index" and reflected and compare_to is None and (name or "").endswith(("_trgm", "_prefix"))
    )


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
        include_object=_include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()  # also when a migration refuses (0018): no pooled connection is left behind


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()

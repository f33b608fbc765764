"""``lims db``: schema migrations."""

from __future__ import annotations

import click

from lims.commands.common import settings


@click.group()
def db() -> None:
    """Database schema."""


@db.command()
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def upgrade(revision: str) -> None:
    """Apply migrations to the configured database (LIMS_DATABASE_URL)."""
    from lims.migrate import upgrade as run_upgrade

    conf = settings()
    if conf.database_url.startswith("sqlite"):
        conf.ensure_instance()
    run_upgrade(conf.database_url, revision)
    click.echo(f"database at revision {revision}", err=True)
    if revision == "head":
        from lims.commands.common import transaction
        from lims.services.jobs.procedures import sync_procedures

        with transaction("db upgrade") as session:
            added = sync_procedures(session)
        click.echo(f"{len(added)} shipped procedures in the procedure table", err=True)

"""``lims backup`` and ``lims restore``: snapshots of the whole deployment (database and stored files)."""

from __future__ import annotations

from pathlib import Path

import click

from lims.commands.common import settings


@click.command()
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The archive to write (a new file).",
)
def backup(output: Path) -> None:
    """Write a consistent snapshot of LIMS_DATABASE_URL and its stored files to a zip archive."""
    from lims.db import make_engine
    from lims.services.common.storage import s3_objects
    from lims.services.records.backup import create_backup
    from lims.services.records.signing import load_or_create_key

    conf = settings()
    key = load_or_create_key(conf.instance_path)
    read_blob = s3_objects(conf).read if conf.storage == "s3" else None
    engine = make_engine(conf.database_url)
    try:
        summary = create_backup(engine, output, key=key, read_blob=read_blob)
    finally:
        engine.dispose()
    manifest = summary.manifest
    rows = sum(entry["rows"] for entry in manifest["tables"])
    audit = manifest["audit"]
    click.echo(
        f"wrote {summary.path}: revision {manifest['alembic_revision']}, {len(manifest['tables'])} tables, "
        f"{rows} rows, {manifest['stored_files']} stored files"
    )
    if audit["ok"]:
        click.echo(f"audit chain intact: {audit['entries']} entries")
    else:
        click.echo(f"warning: audit chain broken at backup time: {audit['problem']}", err=True)


@click.command()
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
def restore(archive: Path) -> None:
    """Restore ARCHIVE into the empty deployment LIMS_DATABASE_URL and LIMS_INSTANCE_PATH name."""
    from lims.db import make_engine
    from lims.services.common.storage import s3_objects
    from lims.services.records.restore import restore_backup
    from lims.services.records.signing import load_or_create_key

    conf = settings()
    key = load_or_create_key(conf.instance_path)
    if conf.database_url.startswith("sqlite"):
        conf.ensure_instance()
    write_blob = s3_objects(conf).write if conf.storage == "s3" else None
    engine = make_engine(conf.database_url)
    try:
        summary = restore_backup(archive, engine, conf.database_url, key=key, write_blob=write_blob)
    finally:
        engine.dispose()
    click.echo(
        f"restored {sum(summary.rows.values())} rows in {len(summary.rows)} tables and "
        f"{summary.stored_files} stored files at revision {summary.revision}"
    )
    if summary.audit_problem is None:
        click.echo(f"audit chain intact: {summary.audit_entries} entries")
    else:
        click.echo(
            f"warning: the audit chain was already broken at backup time: {summary.audit_problem}", err=True
        )
    from lims.migrate import head_revisions

    if summary.revision not in head_revisions():
        click.echo(f"the backup is at revision {summary.revision}: run `lims db upgrade` next", err=True)

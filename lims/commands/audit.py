"""``lims audit``: the tamper-evident trail."""

from __future__ import annotations

import sys

import click

from lims.commands.common import transaction


@click.group()
def audit() -> None:
    """Audit trail."""


@audit.command()
def verify() -> None:
    """Walk the hash chain and check it against the signed anchor file; exit 1 naming the first problem."""
    from lims.commands.common import settings
    from lims.services.records import anchor
    from lims.services.records.audit import verify_chain, verify_records
    from lims.services.records.signing import load_or_create_key

    conf = settings()
    with transaction() as session:
        report = verify_chain(session)
        records = verify_records(session) if report.problem is None else None
        anchored = anchor.verify(session, conf.instance_path, load_or_create_key(conf.instance_path))
    if report.problem is not None:
        click.echo(f"error: {report.problem}", err=True)
        sys.exit(1)
    if records is not None:
        click.echo(f"error: {records}", err=True)
        sys.exit(1)
    if anchored.problem is not None:
        click.echo(f"error: {anchored.problem}", err=True)
        sys.exit(1)
    where = f"; anchored up to #{anchored.anchored_seq}" if anchored.anchored_seq else "; no anchor file yet"
    click.echo(f"audit chain intact: {report.entries} entries{where}")

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
    """Walk the hash chain; exit 1 naming the first bad entry."""
    from lims.services.records.audit import verify_chain

    with transaction() as session:
        report = verify_chain(session)
    if report.problem is not None:
        click.echo(f"error: {report.problem}", err=True)
        sys.exit(1)
    click.echo(f"audit chain intact: {report.entries} entries")

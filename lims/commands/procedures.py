"""``lims procedures``: the lab's versioned procedures."""

from __future__ import annotations

import json

import click

from lims.commands.common import transaction


@click.group()
def procedures() -> None:
    """Calibration and verification procedures."""


@procedures.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def list_(as_json: bool) -> None:
    """List every procedure version (the shipped files are synchronised into the database first); a withdrawn
    version stays listed, marked, for the jobs done with it."""
    from lims.services.jobs.procedures import list_procedures, summary, sync_procedures

    with transaction() as session:
        sync_procedures(session)
        rows = [summary(r) for r in list_procedures(session, active_only=False)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for row in rows:
        click.echo(
            f"{row['code']:<14} {row['version']:<6} {row['kind']:<13} {row['quantity']:<12} {row['title']}"
            + (" (withdrawn)" if row["withdrawn"] else "")
        )

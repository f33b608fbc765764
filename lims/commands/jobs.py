"""``lims jobs``: calibration and verification jobs."""

from __future__ import annotations

import json
from typing import Any

import click

from lims.commands.common import transaction
from lims.models import JobState


@click.group()
def jobs() -> None:
    """Calibration and verification jobs."""


@jobs.command("list")
@click.option("--state", type=click.Choice([s.value for s in JobState]), help="Only jobs in this state.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.option("--limit", type=click.IntRange(1, 100000), default=1000, show_default=True)
def list_(state: str | None, as_json: bool, limit: int) -> None:
    """List jobs, newest first."""
    from lims.services.jobs.workload import list_jobs

    rows: list[Any] = []
    with transaction() as session:
        after = None
        while len(rows) < limit:
            page = list_jobs(
                session,
                state=JobState(state) if state else None,
                after=after,
                size=min(200, limit - len(rows)),
            )
            rows += [
                {
                    "number": j.number,
                    "state": j.state.value,
                    "enterprise": j.enterprise.name,
                    "instrument": f"{j.instrument.instrument_type} {j.instrument.serial_number}",
                    "procedure": f"{j.procedure.code} {j.procedure.version}" if j.procedure else None,
                    "requested_on": j.requested_on.isoformat(),
                    "due_on": j.due_on.isoformat() if j.due_on else None,
                }
                for j in page.items
            ]
            if page.next_after is None:
                break
            after = page.next_after
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for r in rows:
        click.echo(
            f"{r['number']:<16} {r['state']:<12} {r['procedure'] or '-':<18} {r['instrument']} — {r['enterprise']}"
        )

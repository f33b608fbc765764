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


_COLUMNS = (
    ("#", "index"),
    ("reference", "reference"),
    ("indication", "indication"),
    ("error", "error"),
    ("U", "expanded_uncertainty"),
    ("k", "coverage_factor"),
    ("nu_eff", "dof_eff"),
    ("p", "coverage_probability"),
    ("MPE", "mpe"),
    ("rule", "decision_rule"),
    ("verdict", "verdict"),
)


@jobs.command("show")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="Print the job and its points as JSON.")
def show(number: str, as_json: bool) -> None:
    """A job's state, procedure, certificates and points, numbers as the certificate prints them."""
    from lims.services.jobs.results import job_report

    with transaction() as session:
        report = job_report(session, number)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    click.echo(f"{report['number']}  {report['state']}  {report['procedure'] or '-'}")
    click.echo("certificates: " + (", ".join(report["certificates"]) or "-"))
    points = report["points"]
    if not points:
        click.echo("no measured points")
        return
    table = [[h for h, _ in _COLUMNS]] + [
        [
            ("∞" if key == "dof_eff" and p[key] is None else "-" if p[key] is None else str(p[key]))
            + (
                f" {p['unit']}"
                if key in {"reference", "indication", "error", "expanded_uncertainty", "mpe"}
                and p[key] is not None
                and p["unit"]
                else ""
            )
            for _, key in _COLUMNS
        ]
        for p in points
    ]
    table[1:] = [[str(int(row[0]) + 1), *row[1:]] for row in table[1:]]  # points numbered from 1
    widths = [max(len(row[i]) for row in table) for i in range(len(_COLUMNS))]
    for row in table:
        click.echo("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)).rstrip())

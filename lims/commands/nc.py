"""``lims nc``: nonconforming-work records (ISO/IEC 17025:2017 7.10) from the command line."""

from __future__ import annotations

import json

import click

from lims.commands.common import local_date, transaction


@click.group()
def nc() -> None:
    """Nonconforming work: records, what they affect, decisions and notices."""


@nc.command("list")
@click.option(
    "--state", type=click.Choice(["open", "evaluating", "acting", "closed"]), help="Only this state."
)
@click.option("--open", "open_only", is_flag=True, help="Only records not closed.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON array.")
def list_(state: str | None, open_only: bool, as_json: bool) -> None:
    """Every record, newest first, with its trigger, window and counts; with --json each record in full, as
    ``show --json`` prints it (affected jobs, current certificates, decisions, notices and their delivery)."""
    from lims.services.quality.nonconformity import NcFilter
    from lims.services.quality.report import listing

    with transaction() as session:
        rows = listing(session, NcFilter(state=state, open_only=open_only), detailed=as_json)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for r in rows:
        window = r["window"]
        span = (
            f" {local_date(window['start'])} → {local_date(window['end']) if window['end'] else '…'}"
            if window
            else ""
        )
        click.echo(
            f"{r['number']}  {r['state']:<10} {r['trigger']:<30} {r['standard'] or '':<12}{span}  "
            f"{r['jobs']} jobs, {r['in_house_calibrations']} in-house, {r['decided']} decided"
        )


@nc.command()
@click.argument("ident")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def show(ident: str, as_json: bool) -> None:
    """One record (id or number): affected jobs with their current certificates, decisions, notices."""
    from lims.services.quality.report import resolve, summary

    with transaction() as session:
        data = summary(session, resolve(session, ident))
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    click.echo(f"{data['number']} ({data['state']}): {data['description']}")
    for a in data["affected"]:
        click.echo(
            f"  {a['job'] or a['ref']}  {local_date(a['performed_on'])}  {a['certificate'] or '—'}  "
            f"{a['customer'] or ''}  {a['decision'] or 'not decided'}"
        )
    for n in data["notices"]:
        click.echo(f"  notice to {n['customer']}: {n['delivery']}")

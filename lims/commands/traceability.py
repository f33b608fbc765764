"""``lims traceability``: metrological traceability chains."""

from __future__ import annotations

import json
from datetime import date

import click

from lims.commands.common import local_date, transaction


@click.group()
def traceability() -> None:
    """Traceability to national standards."""


@traceability.command()
@click.argument("ident")
@click.option("--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), help="Resolve as on this date.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def show(ident: str, on: object, as_json: bool) -> None:
    """Show the chain of a certificate number of this lab or of a standard's asset number."""
    from lims.services.standards.traceability import chain_for

    when = on.date() if on is not None else None  # type: ignore[attr-defined]
    with transaction() as session:
        chain = chain_for(session, ident, on=when, today=date.today())
    if as_json:
        click.echo(json.dumps(chain.to_dict(), ensure_ascii=False))
        return
    click.echo(f"{chain.subject} on {local_date(chain.on)}: {'complete' if chain.complete else 'INCOMPLETE'}")
    for index, link in enumerate(chain.links):
        cal = link.calibration
        certificate = (
            f"{cal.certificate_number} ({cal.issuer.name}, valid until {cal.valid_until})" if cal else "—"
        )
        end = " [terminal]" if link.terminal else ""
        click.echo(f"  {index}: {link.source or '(subject)'} -> {link.target}: {certificate}{end}")
    for finding in chain.findings:
        click.echo(f"  ! {finding.severity.value}: {finding.message}")

"""``lims certificate``: issued certificates (list, export the stored bytes)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from lims.commands.common import local_datetime, settings, transaction


@click.group()
def certificate() -> None:
    """Issued calibration and verification certificates."""


@certificate.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.option(
    "--limit", type=click.IntRange(1, 1000000), default=None, help="At most this many, newest first."
)
def list_(as_json: bool, limit: int | None) -> None:
    """List certificates, newest first: number, kind, status, revision, date of issue."""
    from lims.services.certificates.issue import list_certificates, summary

    with transaction() as session:
        rows = [summary(c) for c in list_certificates(session, limit=limit)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for r in rows:
        click.echo(
            f"{r['number']:<18} {r['kind']:<13} {r['status']:<11} rev {r['revision']}  {local_datetime(r['issued_at'])}"
        )


@certificate.command("export")
@click.argument("number")
@click.option(
    "--format", "fmt", type=click.Choice(["pdf", "dcc", "p7s", "labels"]), default="pdf", show_default=True
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="File to write ('-' for standard output).",
)
def export(number: str, fmt: str, output: Path) -> None:
    """Write the bytes stored when certificate NUMBER was issued (checked against their SHA-256)."""
    from lims.services.certificates.issue import get_certificate, stored_bytes
    from lims.services.common.storage import open_storage

    with transaction() as session:
        cert = get_certificate(session, number)
        data = stored_bytes(open_storage(settings(), session), cert, fmt)
    if str(output) == "-":
        sys.stdout.buffer.write(data)
        return
    output.write_bytes(data)
    click.echo(f"{cert.number}: {len(data)} bytes written to {output}", err=True)

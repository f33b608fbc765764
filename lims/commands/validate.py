"""``lims validate``: run the built-in validation cases and write the dated report (ISO/IEC 17025 7.11.2)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

GROUP_CHOICES = ("uncertainty", "certificate", "serial", "database")


def _writable(folder: Path) -> str | None:
    """None when reports can be written in ``folder`` (created if missing); else why not."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot create {folder}: {exc.strerror or exc}"
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        return f"{folder} is not a writable directory"
    return None


@click.command()
@click.option(
    "--output",
    "output",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the report files (validation-<UTC time>.pdf and .json).",
)
@click.option(
    "--only",
    "groups",
    multiple=True,
    type=click.Choice(GROUP_CHOICES),
    help="Run only these groups of cases (repeatable); default: all.",
)
@click.option(
    "--trials",
    type=click.IntRange(min=10_000),
    default=1_000_000,
    show_default=True,
    help="Monte Carlo trials; the JCGM 101 tolerances are those of M = 10⁶.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON report on stdout as well.")
def validate(output: Path, groups: tuple[str, ...], trials: int, as_json: bool) -> None:
    """Validate this installation: uncertainty engine, certificates, serial drivers, database.

    Exit status 0 when every case passes, 1 when any fails, 2 on bad input (e.g. an unwritable directory).
    """
    from lims.cli import fail

    problem = _writable(output)
    if problem is not None:
        fail(problem)

    from lims.commands.common import settings
    from lims.reports.validation_pdf import render_validation_pdf
    from lims.services.jobs import validation, validation_cases

    cases = validation_cases.builtin_cases(groups=groups or None)
    needs_db = any(case.group == validation_cases.DB for case in cases)
    db, session, url = None, None, ""
    if needs_db:
        from lims.commands.common import database

        url = settings().database_url
        try:
            db = database()
            session = db.session()
        except Exception as exc:  # reported as failing cases, not a crash
            click.echo(f"warning: database not available: {exc}", err=True)
    context = validation.Context(session=session, database_url=url, monte_carlo_trials=trials)

    def progress(result: validation.CaseResult) -> None:
        mark = "ok  " if result.passed else "FAIL"
        line = f"{mark} {result.id}: {result.obtained}"
        click.echo(line, err=as_json)

    try:
        report = validation.run_validation(cases, context, on_result=progress)
    finally:
        if session is not None:
            session.rollback()  # validation only reads
            session.close()
        if db is not None:
            db.engine.dispose()

    stem = validation.report_stem(report)
    data = validation.report_to_dict(report)
    json_path, pdf_path = output / f"{stem}.json", output / f"{stem}.pdf"
    try:
        json_path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        pdf_path.write_bytes(render_validation_pdf(report, zone=settings().zone))
    except OSError as exc:
        fail(f"cannot write the report in {output}: {exc.strerror or exc}")
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    summary = data["summary"]
    message = (
        f"validation {'passed' if report.passed else 'FAILED'}: {summary['passed']}/{summary['cases']} cases"
        + (f"; failed: {', '.join(summary['failed_ids'])}" if summary["failed"] else "")
    )
    click.echo(message, err=as_json)
    click.echo(f"report: {pdf_path} {json_path}", err=as_json)
    sys.exit(0 if report.passed else 1)

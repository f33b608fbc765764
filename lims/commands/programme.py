"""``lims programme``: the city programme's annual report (and its demo records)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from lims.cli import fail


@click.group()
def programme() -> None:
    """The city programme implementing Decision 996/QĐ-TTg (LIMS_PROGRAMME)."""


@programme.command()
@click.option("--year", type=int, required=True, help="Reporting year.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx"]), required=True, help="Output format.")
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to write."
)
def report(year: int, fmt: str, output: Path) -> None:
    """Write the annual report: the year's and the phase's figures against the targets, and the tasks."""
    from lims.commands.common import settings, transaction
    from lims.reports.programme_report import render_pdf, render_xlsx
    from lims.services.programme.report import annual_report, current_programme

    if not output.parent.is_dir():
        fail(f"--output: folder {output.parent} does not exist")
    conf = settings()
    chosen = current_programme(conf)
    with transaction("programme-report") as session:
        data = annual_report(session, chosen, year, today=date.today(), zone=conf.zone)
        content = render_pdf(data) if fmt == "pdf" else render_xlsx(data)
    output.write_bytes(content)
    click.echo(f"{chosen.id} {year}: {len(content)} bytes written to {output}", err=True)


@programme.command("demo")
@click.option("--year", type=int, default=None, help="Year of the records (default: this year).")
def demo_records(year: int | None) -> None:
    """Add a believable year of programme records for LIMS_PROGRAMME."""
    from lims.commands.common import settings, transaction
    from lims.services.programme.demo import load_programme_demo
    from lims.services.programme.report import programme_directories

    conf = settings()
    with transaction("demo") as session:
        summary = load_programme_demo(
            session, conf.programme, year or date.today().year, directories=programme_directories(conf)
        )
    click.echo(
        f"{conf.programme}: {summary.courses} courses, {summary.participations} participations, "
        f"{summary.map_supports} supports, {summary.applications} applications, "
        f"{summary.assessments} lab assessments, {summary.certifications} certifications"
    )


@programme.command("import")
@click.argument(
    "kind",
    type=click.Choice(
        ["participants", "supports", "assessments", "certifications", "demand", "developments", "progress"]
    ),
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_csv(kind: str, file: Path) -> None:
    """Import records from a UTF-8 CSV or an XLSX file; any bad row stops the import and nothing is saved."""
    from lims.commands.common import settings, transaction
    from lims.services.programme.importer import ImportKind, import_file
    from lims.services.programme.report import current_programme

    conf = settings()
    with transaction("programme-import") as session:
        count = import_file(
            session,
            ImportKind(kind),
            file.read_bytes(),
            filename=file.name,
            programme=current_programme(conf),
        )
    click.echo(f"{count} {kind} rows imported from {file}", err=True)


@programme.command("remind")
@click.option("--today", help="The day to count from (YYYY-MM-DD); default: today.")
def remind(today: str | None) -> None:
    """Remind the programme staff of the annual report's due date (30, 7 and 1 days before): bell and e-mail.

    Run daily (cron or a systemd timer). E-mails go through the outbox with the SMTP settings of the recall
    reminders (``LIMS_MAIL_SERVER`` …); without them the reminders stay queued and the bell still rings.
    """
    from lims.commands.common import settings, transaction
    from lims.config import MailSettings
    from lims.services.common.mail import SmtpMailer
    from lims.services.customers.reminders import deliver
    from lims.services.programme.report import current_programme
    from lims.services.programme.submission import KIND, queue_deadline_reminders

    try:
        day = date.fromisoformat(today) if today else date.today()
    except ValueError:
        fail(f"--today: {today!r} is not a date YYYY-MM-DD")
    conf = settings()
    mail = MailSettings.from_env()
    with transaction("programme-remind") as session:
        queued = queue_deadline_reminders(session, current_programme(conf), today=day)
        session.commit()
        if not mail.configured:
            click.echo(f"{queued} reminders queued; LIMS_MAIL_SERVER is not set, nothing sent", err=True)
            return
        with SmtpMailer(mail) as mailer:
            report = deliver(session, mailer, mail, after_each=session.commit, kinds=(KIND,))
    click.echo(f"{queued} reminders queued, {report.sent} sent, {report.failed} failed")

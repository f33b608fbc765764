"""``lims reminders send``: queue and deliver recall reminders (run daily from cron or a systemd timer)."""

from __future__ import annotations

from datetime import date

import click

from lims.commands.common import transaction


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@click.group()
def reminders() -> None:
    """Reminders to customers before their instruments fall due."""


@reminders.command("send")
@click.option("--today", callback=_date, help="The day to count from (YYYY-MM-DD); default: today.")
@click.option("--days", type=click.IntRange(1, 366), default=30, show_default=True, help="Window in days.")
def send(today: date | None, days: int) -> None:
    """Queue one reminder per instrument and due date, then send every queued reminder by SMTP."""
    from lims.config import MailSettings
    from lims.services.common.mail import SmtpMailer
    from lims.services.customers.reminders import deliver, queue_reminders

    settings = MailSettings.from_env()
    with transaction("reminders") as session:
        queued = queue_reminders(session, today=today or date.today(), days=days)
        session.commit()
        if not settings.configured:
            click.echo(f"{queued} reminders queued; LIMS_MAIL_SERVER is not set, nothing sent", err=True)
            return
        with SmtpMailer(settings) as mailer:
            # customer notices of nonconforming work left queued or failed are retried with the reminders
            report = deliver(
                session, mailer, settings, after_each=session.commit, kinds=("reminder", "nc_notice")
            )
    click.echo(f"{queued} reminders queued, {report.sent} sent, {report.failed} failed")

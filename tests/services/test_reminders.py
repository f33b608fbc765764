"""Reminders are delivered to a real SMTP server (aiosmtpd on 127.0.0.1) once per instrument and due date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.config import MailSettings
from lims.errors import ConfigurationError
from lims.models import OutboxMessage, Role
from lims.services.common.mail import SmtpMailer
from lims.services.customers.reminders import FAILED, KIND, SENT, ReminderError, deliver, queue_reminders
from tests.factories import make_enterprise, make_instrument, make_user
from tests.mailbox import Inbox, free_port, local_smtp

TODAY = date(2027, 3, 1)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, MailSettings]]:
    with local_smtp() as mail:
        yield mail.inbox, mail.settings


def _reminders(session: Session) -> list[OutboxMessage]:
    return list(
        session.scalars(select(OutboxMessage).where(OutboxMessage.kind == KIND).order_by(OutboxMessage.id))
    )


def test_reminder_arrives_once_per_instrument_and_due_date(
    session: Session, smtp: tuple[Inbox, MailSettings]
) -> None:
    inbox, settings = smtp
    ent = make_enterprise(session, email="qa@annam.example.vn", name="Công ty An Nam")
    due = make_instrument(session, ent, serial_number="R-1", next_due_on=TODAY + timedelta(days=20))
    make_instrument(
        session, ent, serial_number="R-2", next_due_on=TODAY + timedelta(days=45)
    )  # outside 30 days
    make_instrument(
        session, ent, serial_number="R-3", next_due_on=TODAY - timedelta(days=1)
    )  # already overdue

    assert queue_reminders(session, today=TODAY, days=30) == 1
    with SmtpMailer(settings) as mailer:
        report = deliver(session, mailer, settings)
    assert (report.sent, report.failed) == (1, 0)
    (recipients, message) = inbox.messages[0]
    assert recipients == ["qa@annam.example.vn"]
    assert "R-1" in message["Subject"] and "đến hạn 21/03/2027" in message["Subject"]
    assert "Calibration due 21 Mar 2027" in message["Subject"]  # each half dates as its language does
    body = message.get_content()
    assert "Kính gửi Công ty An Nam" in body and "Dear Công ty An Nam" in body
    assert "vào ngày 21/03/2027" in body and "on 21 March 2027" in body
    (stored,) = _reminders(session)
    assert stored.state == SENT and stored.attempts == 1 and stored.sent_at is not None
    assert stored.dedupe_key == f"reminder:{due.id}:2027-03-21"

    # A second run the next day sends nothing: one reminder per instrument and due date.
    assert queue_reminders(session, today=TODAY + timedelta(days=1), days=30) == 0
    with SmtpMailer(settings) as mailer:
        again = deliver(session, mailer, settings)
    assert (again.sent, again.failed) == (0, 0)
    assert len(inbox.messages) == 1

    # A new due date (the instrument was calibrated and re-dated) is a new reminder.
    due.next_due_on = TODAY + timedelta(days=25)
    session.flush()
    assert queue_reminders(session, today=TODAY, days=30) == 1


def test_enterprise_without_address_uses_a_user_and_otherwise_fails_visibly(
    session: Session, smtp: tuple[Inbox, MailSettings]
) -> None:
    inbox, settings = smtp
    silent = make_enterprise(session, email=None)
    make_instrument(session, silent, next_due_on=TODAY + timedelta(days=3))
    queue_reminders(session, today=TODAY, days=30)
    with SmtpMailer(settings) as mailer:
        report = deliver(session, mailer, settings)
    assert (report.sent, report.failed) == (0, 1)
    (stored,) = _reminders(session)
    assert stored.state == FAILED and stored.last_error and "no e-mail address" in stored.last_error

    # Once a user with an address exists, the next run retries and delivers.
    make_user(session, Role.CUSTOMER, enterprise_id=silent.id, email="ql@example.vn")
    with SmtpMailer(settings) as mailer:
        retry = deliver(session, mailer, settings)
    assert (retry.sent, retry.failed) == (1, 0)
    assert inbox.messages[0][0] == ["ql@example.vn"]
    assert _reminders(session)[0].attempts == 2


def test_unreachable_server_is_recorded_as_failed(session: Session) -> None:
    ent = make_enterprise(session, email="qa@example.vn")
    make_instrument(session, ent, next_due_on=TODAY + timedelta(days=3))
    queue_reminders(session, today=TODAY, days=30)
    settings = MailSettings(server="127.0.0.1", port=free_port(), timeout_s=2)
    with SmtpMailer(settings) as mailer:
        report = deliver(session, mailer, settings)
    assert report.failed == 1
    (stored,) = _reminders(session)
    assert stored.state == FAILED and stored.attempts == 1 and stored.last_error


def test_window_is_checked(session: Session) -> None:
    with pytest.raises(ReminderError):
        queue_reminders(session, today=TODAY, days=0)


def test_mail_settings_from_environment() -> None:
    settings = MailSettings.from_env(
        {
            "LIMS_MAIL_SERVER": "smtp.example.vn",
            "LIMS_MAIL_PORT": "587",
            "LIMS_MAIL_USE_TLS": "true",
            "LIMS_MAIL_SENDER": "lab@example.vn",
        }
    )
    assert (settings.server, settings.port, settings.use_tls, settings.sender) == (
        "smtp.example.vn",
        587,
        True,
        "lab@example.vn",
    )
    assert not MailSettings.from_env({}).configured
    with pytest.raises(ConfigurationError, match="LIMS_MAIL_PORT"):
        MailSettings.from_env({"LIMS_MAIL_PORT": "smtp"})

"""Sending e-mail through the SMTP relay configured by ``LIMS_MAIL_*`` (:class:`lims.config.MailSettings`)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from lims.config import MailSettings
from lims.errors import N_, LimsError


class MailError(LimsError, OSError):
    template = N_("The e-mail could not be sent: %(reason)s")


def build_message(settings: MailSettings, *, recipient: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = recipient
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or "localhost")
    message.set_content(body, charset="utf-8")
    return message


class SmtpMailer:
    """Delivers messages one SMTP session at a time (opened lazily, closed by :meth:`close`)."""

    def __init__(self, settings: MailSettings) -> None:
        if not settings.configured:
            raise MailError(reason="LIMS_MAIL_SERVER is not set")
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self._smtp is None:
            s = self.settings
            smtp = smtplib.SMTP(s.server or "", s.port, timeout=s.timeout_s)
            try:
                if s.use_tls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.username:
                    smtp.login(s.username, s.password or "")
            except BaseException:
                smtp.close()
                raise
            self._smtp = smtp
        return self._smtp

    def send(self, message: EmailMessage) -> None:
        try:
            self._connect().send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise MailError(reason=str(exc) or type(exc).__name__) from exc

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def __enter__(self) -> SmtpMailer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

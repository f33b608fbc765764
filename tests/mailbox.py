"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the tests that deliver mail: one inbox for them all.

>>> with local_smtp() as mail:  # doctest: +SKIP
...     run_something(env=mail.env)          # a command reads LIMS_MAIL_*
...     deliver(settings=mail.settings)      # a service takes MailSettings
...     [(to, message)] = mail.inbox.messages
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, cast

from aiosmtpd.controller import Controller

from lims.config import MailSettings


class Inbox:
    """What the server received: (recipients, parsed message) in order of arrival."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = cast(EmailMessage, message_from_bytes(envelope.content, policy=policy.default))
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def texts(self) -> list[str]:
        """Each message's plain-text body."""
        return [m.get_body(("plain",)).get_content() for _, m in self.messages]  # type: ignore[union-attr]


@dataclass(frozen=True)
class LocalSmtp:
    inbox: Inbox
    port: int
    sender: str
    settings: MailSettings = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "settings", MailSettings(server="127.0.0.1", port=self.port, sender=self.sender)
        )

    @property
    def env(self) -> dict[str, str]:
        """The ``LIMS_MAIL_*`` settings of a process that delivers through this server."""
        return {
            "LIMS_MAIL_SERVER": "127.0.0.1",
            "LIMS_MAIL_PORT": str(self.port),
            "LIMS_MAIL_SENDER": self.sender,
        }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def local_smtp(sender: str = "lab@example.vn") -> Iterator[LocalSmtp]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield LocalSmtp(inbox, port, sender)
    finally:
        controller.stop()

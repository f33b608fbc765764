"""SCPI / IEEE 488.2 instruments over RS-232.

Common commands ``*IDN?`` (manufacturer, model, serial number, firmware), ``*RST``, ``*CLS``; the error
queue ``SYSTem:ERRor?`` is read first in, first out until ``+0,"No error"`` and drained after every command
that expects no reply, so a refused command is reported at once (a command that is silently ignored is the
typical cause of a wrong reading later).  Over RS-232 many instruments need ``SYSTem:REMote`` before any other
command (HP/Agilent 34401A User's Guide, RS-232 section); drivers that need it set :attr:`remote_command`.

>>> parse_error("-113,\\"Undefined header\\"")
(-113, 'Undefined header')
>>> parse_error('+0,"No error"')
(0, 'No error')
>>> parse_idn("FLUKE,8846A,9876543,08/02/10-11:53")
InstrumentIdentity(manufacturer='FLUKE', model='8846A', serial_number='9876543', firmware='08/02/10-11:53')
"""

from __future__ import annotations

import re
from typing import ClassVar

from instruments.drivers.base import Driver
from instruments.errors import ErrorReply, InstrumentTimeout, MalformedFrame
from instruments.reading import InstrumentIdentity

ERROR_RE = re.compile(r'\s*([+-]?\d+)\s*,\s*(?:"([^"]*)"|([^"]*))\s*')
MAX_QUEUE = 32  # IEEE 488.2 queues are finite (34401A: 20); stop draining a queue that never empties


def parse_error(text: str) -> tuple[int, str]:
    """Parse ``<code>,"<message>"`` (quotes optional); raise ``ValueError`` otherwise."""
    match = ERROR_RE.fullmatch(text)
    if match is None:
        raise ValueError(f"not an error-queue entry: {text!r}")
    return int(match.group(1)), (match.group(2) if match.group(2) is not None else match.group(3)).strip()


def parse_idn(text: str) -> InstrumentIdentity:
    """Parse an IEEE 488.2 ``*IDN?`` reply: four comma-separated fields."""
    fields = [field.strip() for field in text.split(",")]
    if len(fields) != 4 or not fields[0] or not fields[1]:
        raise ValueError(f"*IDN? reply must have four fields, got {text!r}")
    return InstrumentIdentity(fields[0], fields[1], fields[2], fields[3])


class ScpiInstrument(Driver):
    """Base of SCPI drivers: connect sequence, identification and the error queue."""

    remote_command: ClassVar[str | None] = "SYST:REM"
    local_command: ClassVar[str | None] = "SYST:LOC"
    error_query: ClassVar[str] = "SYST:ERR?"
    clear_on_connect: ClassVar[bool] = True

    def _initialise(self) -> InstrumentIdentity:
        if self.remote_command:
            self.send(self.remote_command)
        if self.clear_on_connect:
            self.send("*CLS")
        identity, _ = self.agreed_twice("*IDN?", self._identify)
        self.check_errors("connect")
        return identity

    def _identify(self) -> tuple[InstrumentIdentity, bytes]:
        """One ``*IDN?``; the connect sequence asks twice and requires the same answer."""
        frame = self.ask("*IDN?")
        try:
            return parse_idn(self.strip_reply("*IDN?", frame)), frame
        except ValueError as exc:
            raise MalformedFrame(frame, str(exc)) from exc

    def _before_close(self) -> None:
        if self.local_command:
            self.send(self.local_command)

    # -- exchanges -------------------------------------------------------------------------------------
    def strip_reply(self, command: str, frame: bytes) -> str:
        """The reply text to parse; subclasses strip echoed headers here."""
        return self.text_of(frame).strip()

    def ask(self, command: str, *, timeout_s: float | None = None) -> bytes:
        """Query; on a timeout, report what the error queue says about the command instead."""
        try:
            return self.query(command, timeout_s=timeout_s)
        except InstrumentTimeout as timeout:
            try:
                errors = self.error_queue()
            except InstrumentTimeout:
                raise timeout from None
            if errors:
                code = errors[0][0]
                raise ErrorReply(command, str(code), "; ".join(f"{c} {m}" for c, m in errors)) from timeout
            raise

    def command(self, command: str) -> None:
        """Send a command that has no reply, then drain the error queue and raise on any entry."""
        self.send(command)
        self.check_errors(command)

    def error_queue(self) -> list[tuple[int, str]]:
        """Read the error queue until it reports ``0`` (empty); returns the entries, oldest first."""
        entries: list[tuple[int, str]] = []
        for _ in range(MAX_QUEUE):
            frame = self.query(self.error_query)
            try:
                code, message = parse_error(self.strip_reply(self.error_query, frame))
            except ValueError as exc:
                raise MalformedFrame(frame, str(exc)) from exc
            if code == 0:
                return entries
            entries.append((code, message))
        raise ErrorReply(self.error_query, "queue", f"error queue not empty after {MAX_QUEUE} reads")

    def check_errors(self, after: str) -> None:
        """Raise :class:`ErrorReply` listing every queued error caused by ``after``."""
        errors = self.error_queue()
        if errors:
            raise ErrorReply(after, str(errors[0][0]), "; ".join(f"{c} {m}" for c, m in errors))

    def reset(self) -> None:
        """``*RST`` then ``*CLS``: factory measurement state, empty queues."""
        self.command("*RST")
        self.command("*CLS")

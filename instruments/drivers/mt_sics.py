"""Mettler Toledo MT-SICS balances (level 0/1 commands).

Framing: ASCII lines ending CR LF both ways; factory port setting 9600 8N1 without handshake (the lab can
change it; every setting is configurable).  A reply is ``<ID> <status> [fields…]`` separated by spaces, the
weight right-aligned in a padded field, so replies are split on whitespace (quoted strings kept whole), never
cut at fixed columns.  ``ES``/``ET``/``EL`` replace the whole reply for syntax, transmission and logical
errors.  Status letters: weight ``S`` stable, ``D`` dynamic; ``I`` not executable now, ``L`` parameter not
allowed, ``+`` overload / upper limit, ``-`` underload / lower limit; acknowledgement ``A``.

>>> tokens('S S      100.00 g')
['S', 'S', '100.00', 'g']
>>> tokens('I4 A "B123456789"')
['I4', 'A', '"B123456789"']
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import ClassVar

from instruments.drivers.base import Driver
from instruments.errors import ErrorReply, InstrumentTimeout, MalformedFrame, OutOfRange, UnexpectedReply
from instruments.numbers import is_decimal
from instruments.reading import InstrumentIdentity, Reading
from instruments.settings import Framing, SerialSettings

TOKEN_RE = re.compile(r'"[^"]*"|[^\s"]+')
UNIT_RE = re.compile(r"[A-Za-z%][A-Za-z0-9/%]*")
GENERAL_ERRORS = {
    "ES": "syntax error: command not recognised",
    "ET": "transmission error: faulty command received (parity error or interface break)",
    "EL": "logical error: command cannot be executed",
}
STATUS_ERRORS = {
    "I": "not executable at present (busy, unstable or not ready)",
    "L": "logical error: parameter not allowed",
}
LIMIT_WORDS = {"+": "overload (upper limit exceeded)", "-": "underload (lower limit exceeded)"}


def tokens(text: str) -> list[str]:
    """Split an MT-SICS reply on whitespace, keeping quoted strings whole."""
    rest = TOKEN_RE.sub("", text)
    if rest.strip():
        raise ValueError(f"unbalanced quotes in {text!r}")
    return TOKEN_RE.findall(text)


def unquote(token: str) -> str:
    """``"abc"`` → ``abc``; unquoted tokens unchanged (some firmwares omit the quotes)."""
    return token[1:-1] if len(token) >= 2 and token[0] == token[-1] == '"' else token


class MtSicsBalance(Driver):
    """A balance speaking MT-SICS; :meth:`read` sends ``SI`` (weight immediately, with stability flag)."""

    name: ClassVar[str] = "mt-sics"
    description: ClassVar[str] = "Mettler Toledo balance, MT-SICS (I2/I4, S, SI, SIR, Z, T)"
    default_settings: ClassVar[SerialSettings] = SerialSettings(baudrate=9600)
    default_framing: ClassVar[Framing] = Framing(b"\r\n", b"\r\n", timeout_s=2.0, max_frame_bytes=128)
    stable_timeout_s: ClassVar[float] = 20.0

    # -- parsing ---------------------------------------------------------------------------------------
    def _reply(self, command: str, frame: bytes, expected_id: str) -> list[str]:
        text = self.text_of(frame)
        stripped = text.strip()
        if stripped in GENERAL_ERRORS:
            raise ErrorReply(command, stripped, GENERAL_ERRORS[stripped], frame)
        try:
            parts = tokens(text)
        except ValueError as exc:
            raise MalformedFrame(frame, str(exc)) from exc
        if len(parts) < 2:
            raise MalformedFrame(frame, "expected '<ID> <status> …'")
        if parts[0] != expected_id:
            raise UnexpectedReply(command, frame, f"reply ID {parts[0]!r}, expected {expected_id!r}")
        status = parts[1]
        if status in STATUS_ERRORS:
            if len(parts) != 2:
                raise MalformedFrame(frame, f"status {status!r} takes no data")
            raise ErrorReply(command, f"{expected_id} {status}", STATUS_ERRORS[status], frame)
        if status in LIMIT_WORDS:
            if len(parts) != 2:
                raise MalformedFrame(frame, f"status {status!r} takes no data")
            raise OutOfRange(command, LIMIT_WORDS[status], frame)
        return parts

    def _weight(self, command: str, frame: bytes, *, expected_id: str = "S",
                statuses: tuple[str, ...] = ("S", "D")) -> Reading:
        parts = self._reply(command, frame, expected_id)
        if parts[1] not in statuses:
            raise MalformedFrame(frame, f"unknown status {parts[1]!r} for {command!r}")
        if len(parts) != 4:
            raise MalformedFrame(frame, "expected '<ID> <status> <value> <unit>'")
        value, unit = parts[2], parts[3]
        if not is_decimal(value):
            raise MalformedFrame(frame, f"weight {value!r} is not a decimal number")
        if not UNIT_RE.fullmatch(unit):
            raise MalformedFrame(frame, f"unit {unit!r} is not a unit")
        return self.make_reading(value, unit, parts[1] == "S", frame)

    # -- identification --------------------------------------------------------------------------------
    def _initialise(self) -> InstrumentIdentity:
        balance = self.balance_data().split()
        # I2 data is "<type> <capacity> <unit>": the model is the type, whatever spaces it contains
        model = " ".join(balance[:-2]) if len(balance) >= 3 else " ".join(balance)
        serial = self.serial_number()
        return InstrumentIdentity("Mettler Toledo", model, serial, "")

    def balance_data(self) -> str:
        """``I2``: balance type, capacity and unit, e.g. ``XPE205 220.00000 g``."""
        frame = self.query("I2")
        parts = self._reply("I2", frame, "I2")
        if parts[1] != "A" or len(parts) < 3:
            raise MalformedFrame(frame, "expected 'I2 A \"<type> <capacity> <unit>\"'")
        return " ".join(unquote(p) for p in parts[2:])

    def serial_number(self) -> str:
        """``I4``: the serial number, quotes stripped."""
        frame = self.query("I4")
        parts = self._reply("I4", frame, "I4")
        if parts[1] != "A" or len(parts) != 3 or not unquote(parts[2]).strip():
            raise MalformedFrame(frame, "expected 'I4 A \"<serial number>\"'")
        return unquote(parts[2]).strip()

    # -- weighing --------------------------------------------------------------------------------------
    def read(self) -> Reading:
        """``SI``: the weight now, stable (``S S``) or dynamic (``S D``)."""
        return self.weight_immediately()

    def weight_immediately(self) -> Reading:
        """``SI``: weight immediately; ``stable`` tells whether the balance was stable."""
        return self._weight("SI", self.query("SI"))

    def weight_stable(self, *, timeout_s: float | None = None) -> Reading:
        """``S``: waits for a stable weight (the balance may take seconds); only ``S S`` is accepted."""
        wait = self.stable_timeout_s if timeout_s is None else timeout_s
        return self._weight("S", self.query("S", timeout_s=wait), statuses=("S",))

    def start_repeat(self) -> None:
        """``SIR``: the balance sends ``SI`` replies continuously until any other command."""
        self.send("SIR")

    def next_repeat(self, *, timeout_s: float | None = None) -> Reading:
        """The next weight of a running ``SIR`` stream."""
        return self._weight("SIR", self.receive("SIR", timeout_s=timeout_s))

    def stop_repeat(self) -> None:
        """Stop ``SIR`` with ``@`` (reset, no zeroing) and skip stream lines still in flight."""
        self.transport.write_line("@")
        deadline_frames = 1000
        while deadline_frames:
            frame = self.receive("@")
            try:
                parts = tokens(self.text_of(frame))
            except (MalformedFrame, ValueError):
                parts = []  # noise inside the stream being stopped: skipped, never parsed as a weight
            if parts and parts[0] in ("I4", "@"):
                return
            deadline_frames -= 1
        raise InstrumentTimeout("@", timeout_s=self.transport.framing.timeout_s)

    def zero(self, *, immediately: bool = False) -> bool | None:
        """``Z`` (after stability) or ``ZI``; returns None for ``Z A``, else whether it was stable."""
        command = "ZI" if immediately else "Z"
        frame = self.query(command, timeout_s=None if immediately else self.stable_timeout_s)
        parts = self._reply(command, frame, command)
        expected = ("S", "D") if immediately else ("A",)
        if len(parts) != 2 or parts[1] not in expected:
            raise MalformedFrame(frame, f"expected '{command} {'|'.join(expected)}'")
        return None if parts[1] == "A" else parts[1] == "S"

    def tare(self, *, immediately: bool = False) -> Reading:
        """``T`` (after stability) or ``TI``: tare; returns the tare weight as a reading."""
        command = "TI" if immediately else "T"
        frame = self.query(command, timeout_s=None if immediately else self.stable_timeout_s)
        statuses = ("S", "D") if immediately else ("S",)
        return self._weight(command, frame, expected_id=command, statuses=statuses)

    def clear_tare(self) -> None:
        """``TAC``: clear the tare memory."""
        frame = self.query("TAC")
        parts = self._reply("TAC", frame, "TAC")
        if parts[1:] != ["A"]:
            raise MalformedFrame(frame, "expected 'TAC A'")

    def preset_tare(self, value: Decimal, unit: str) -> Reading:
        """``TA <value> <unit>``: preset a tare value; the balance echoes what it stored."""
        if not UNIT_RE.fullmatch(unit):
            raise ValueError(f"unit {unit!r} is not a unit")
        if not value.is_finite():
            raise ValueError(f"tare value must be finite, got {value!r}")
        command = f"TA {value} {unit}"
        return self._weight(command, self.query(command), expected_id="TA", statuses=("A",))

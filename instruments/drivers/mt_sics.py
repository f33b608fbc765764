"""Mettler Toledo MT-SICS balances (level 0/1 commands).

Framing: ASCII lines ending CR LF both ways; factory port setting 9600 8N1 without handshake (the lab can
change it; every setting is configurable).  A reply is ``<ID> <status> [fields…]`` separated by spaces, the
weight right-aligned in a padded field, so replies are split on whitespace (quoted strings kept whole), never
cut at fixed columns.  ``ES``/``ET``/``EL`` replace the whole reply for syntax, transmission and logical
errors.  Status letters: weight ``S`` stable, ``D`` dynamic; ``I`` not executable now, ``L`` parameter not
allowed, ``+`` overload / upper limit, ``-`` underload / lower limit; acknowledgement ``A``.

Plausibility (docs/instruments.md, "What a driver accepts"): the weight must be a plain decimal as MT-SICS
sends it (optional minus sign, no leading zeros, no exponent), in the unit the balance reports in ``I2``
(or the unit configured for the station), and not beyond the capacity ``I2`` reports.  ``I2`` and ``I4`` are
read twice at connect and must agree.  Confirmation (on by default): :meth:`MtSicsBalance.read` returns a
stable weight only when two consecutive stable ``SI`` replies are identical byte for byte; dynamic replies
are waited through (up to :attr:`MtSicsBalance.stable_timeout_s`).

>>> parse_balance_data("XPE205 220.00 g")
('XPE205', Decimal('220.00'), 'g')
>>> WEIGHT_RE.fullmatch("0100.00") is None, WEIGHT_RE.fullmatch("-0.012") is not None
(True, True)
>>> tokens('S S      100.00 g')
['S', 'S', '100.00', 'g']
>>> tokens('I4 A "B123456789"')
['I4', 'A', '"B123456789"']
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from decimal import Decimal
from typing import ClassVar

from instruments.drivers.base import Driver
from instruments.errors import (
    ErrorReply,
    Implausible,
    InstrumentTimeout,
    MalformedFrame,
    NotStable,
    OutOfRange,
    Unconfirmed,
    UnexpectedReply,
)
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
# An MT-SICS weight: optional minus, integer part without leading zeros, optional decimals; never "+", "E".
WEIGHT_RE = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")
# Mass units in grams, to compare a station's unit with the capacity I2 reports (OIML R 76-1 units).
GRAMS_PER_UNIT = {"g": Decimal(1), "kg": Decimal(1000), "mg": Decimal("0.001"), "ct": Decimal("0.2")}


def parse_balance_data(text: str) -> tuple[str, Decimal, str]:
    """``I2`` data ``<type> <capacity> <unit>`` → (type, capacity, unit); ``ValueError`` otherwise.

    The type may contain spaces; capacity and unit are the last two words.
    """
    words = text.split()
    if len(words) < 3 or not WEIGHT_RE.fullmatch(words[-2]) or not UNIT_RE.fullmatch(words[-1]):
        raise ValueError(f"I2 data must be '<type> <capacity> <unit>', got {text!r}")
    capacity = Decimal(words[-2])
    if capacity <= 0:
        raise ValueError(f"I2 capacity must be positive, got {words[-2]!r}")
    return " ".join(words[:-2]), capacity, words[-1]


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
    dynamic_poll_s: ClassVar[float] = 0.05  # pause between SI polls while the weight is dynamic

    capacity: Decimal | None = None  # from I2, in ``unit``
    unit: str = ""  # the unit every weight must carry: the station's, else I2's
    _candidate: bytes | None = None  # the last stable reply, waiting for its confirmation

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
        value, unit, stable = self._parse_weight(command, frame, expected_id=expected_id, statuses=statuses)
        return self.make_reading(value, unit, stable, frame)

    def _parse_weight(self, command: str, frame: bytes, *, expected_id: str = "S",
                      statuses: tuple[str, ...] = ("S", "D")) -> tuple[str, str, bool]:
        """(value text, unit, stable) of a weight reply after every plausibility check; no reading yet."""
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
        if not WEIGHT_RE.fullmatch(value):
            raise Implausible(command, frame, f"weight {value!r} is not in the MT-SICS number format")
        if self.unit and unit != self.unit:
            raise Implausible(command, frame, f"unit {unit!r} is not the balance's unit {self.unit!r}")
        if self.capacity is not None and abs(Decimal(value)) > self.capacity:
            raise Implausible(command, frame, f"{value} {unit} is beyond the capacity {self.capacity} {unit}")
        return value, unit, parts[1] == "S"

    # -- identification --------------------------------------------------------------------------------
    def _initialise(self) -> InstrumentIdentity:
        self._candidate = None
        self.capacity, self.unit = None, ""
        data, frame = self.agreed_twice("I2", self._balance_data_frame)
        try:
            model, capacity, capacity_unit = parse_balance_data(data)
        except ValueError as exc:
            raise MalformedFrame(frame, str(exc)) from exc
        serial, _ = self.agreed_twice("I4", self._serial_number_frame)
        unit = self.options.unit or capacity_unit
        if unit != capacity_unit:
            if unit not in GRAMS_PER_UNIT or capacity_unit not in GRAMS_PER_UNIT:
                raise Implausible("I2", frame, f"the station's unit {unit!r} cannot be compared with the "
                                               f"capacity in {capacity_unit!r}")
            capacity = capacity * GRAMS_PER_UNIT[capacity_unit] / GRAMS_PER_UNIT[unit]
        self.capacity, self.unit = capacity, unit
        return InstrumentIdentity("Mettler Toledo", model, serial, "")

    def _balance_data_frame(self) -> tuple[str, bytes]:
        frame = self.query("I2")
        parts = self._reply("I2", frame, "I2")
        if parts[1] != "A" or len(parts) < 3:
            raise MalformedFrame(frame, "expected 'I2 A \"<type> <capacity> <unit>\"'")
        return " ".join(unquote(p) for p in parts[2:]), frame

    def _serial_number_frame(self) -> tuple[str, bytes]:
        frame = self.query("I4")
        parts = self._reply("I4", frame, "I4")
        if parts[1] != "A" or len(parts) != 3 or not unquote(parts[2]).strip():
            raise MalformedFrame(frame, "expected 'I4 A \"<serial number>\"'")
        return unquote(parts[2]).strip(), frame

    def balance_data(self) -> str:
        """``I2``: balance type, capacity and unit, e.g. ``XPE205 220.00000 g``."""
        return self._balance_data_frame()[0]

    def serial_number(self) -> str:
        """``I4``: the serial number, quotes stripped."""
        return self._serial_number_frame()[0]

    # -- weighing --------------------------------------------------------------------------------------
    def read(self) -> Reading:
        """A confirmed stable weight (default), or with ``confirm`` off the ``SI`` weight now.

        Confirmation: ``SI`` is polled until two consecutive replies are both stable and identical byte for
        byte; dynamic replies are waited through.  A stable reply that differs from the one before raises
        :class:`Unconfirmed` (both frames kept) and becomes the candidate the next call tries to confirm.

        :raises NotStable: no stable weight within :attr:`stable_timeout_s`.
        """
        if not self.options.confirm:
            return self.weight_immediately()
        return self._confirmed("SI", lambda: self.query("SI"))

    def _confirmed(self, command: str, fetch: Callable[[], bytes]) -> Reading:
        deadline = time.monotonic() + self.stable_timeout_s
        while True:
            try:
                frame = fetch()
                value, unit, stable = self._parse_weight(command, frame)
            except Exception:
                self._candidate = None  # confirmation needs two *consecutive* replies
                raise
            if not stable:
                self._candidate = None
                if time.monotonic() >= deadline:
                    raise NotStable(command, self.stable_timeout_s, frame)
                time.sleep(self.dynamic_poll_s)
                continue
            first, self._candidate = self._candidate, frame
            if first is None:
                continue
            if first != frame:
                raise Unconfirmed(command, first, frame, "two consecutive stable weights differ")
            self._candidate = None
            return self.make_reading(value, unit, True, frame)

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
        if not self.options.confirm:
            return self._weight("SIR", self.receive("SIR", timeout_s=timeout_s))
        return self._confirmed("SIR", lambda: self.receive("SIR", timeout_s=timeout_s))

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

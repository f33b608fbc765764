"""Druck (Baker Hughes) PACE1000/5000/6000 pressure controller/indicator, SCPI manual K0472.

Replies echo the query header: ``:SENS:PRES?`` → ``:SENS:PRES 1013.2501``; the driver checks that the echoed
header is the one it asked for (a reply to another query is rejected whole) before reading the number.  The
unit is asked twice at connect and again at every reading: a reading whose unit is not the connect's (a
change on the front panel, or a garbled reply) is rejected, so no value is ever mislabelled.
Set-point ``:SOUR:PRES <value>``, controller on/off ``:OUTP:STAT ON|OFF``, vent
``:SOUR:PRES:LEV:IMM:AMPL:VENT 1`` (control off and the system opened to atmosphere; the header is **from
memory** of the PACE SCPI manual K0472 and not checked against it).

>>> split_echo(":SENS:PRES?", ":SENS:PRES 1013.2501")
'1013.2501'
>>> split_echo(":SENS:PRES?", ":OUTP:STAT 0")
Traceback (most recent call last):
...
ValueError: reply header ':OUTP:STAT' does not echo ':SENS:PRES'
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import ClassVar

from instruments.drivers.scpi import ScpiInstrument
from instruments.errors import Implausible, MalformedFrame, UnexpectedReply
from instruments.numbers import is_decimal
from instruments.reading import InstrumentIdentity, Reading
from instruments.settings import Framing, SerialSettings

UNIT_RE = re.compile(r"[A-Z0-9]+")  # MBAR, BAR, PA, KPA, HPA, PSI, INH2O4 …


def split_echo(query: str, text: str) -> str:
    """The argument of a reply whose header must echo ``query``'s header."""
    expected = query.rstrip("?").upper()
    header, _, argument = text.strip().partition(" ")
    if header.upper() != expected:
        raise ValueError(f"reply header {header!r} does not echo {expected!r}")
    return argument.strip()


class DruckPace(ScpiInstrument):
    """Pressure readings (``:SENS:PRES?``) and control (set-point, output state)."""

    name: ClassVar[str] = "druck-pace"
    description: ClassVar[str] = "Druck PACE1000/5000/6000 pressure controller (SCPI, echoed headers)"
    default_settings: ClassVar[SerialSettings] = SerialSettings(baudrate=9600)
    default_framing: ClassVar[Framing] = Framing(b"\r\n", b"\n", timeout_s=3.0, max_frame_bytes=128)
    remote_command: ClassVar[str | None] = None
    local_command: ClassVar[str | None] = None
    error_query: ClassVar[str] = ":SYST:ERR?"

    def strip_reply(self, command: str, frame: bytes) -> str:
        """Common (``*``) queries are not echoed; every other reply must echo its header."""
        text = self.text_of(frame).strip()
        if command.startswith("*"):
            return text
        try:
            return split_echo(command, text)
        except ValueError as exc:
            if text.startswith(":"):
                raise UnexpectedReply(command, frame, str(exc)) from exc
            raise MalformedFrame(frame, str(exc)) from exc

    unit: str = ""  # the unit in force at connect (asked twice), or the station's

    def _initialise(self) -> InstrumentIdentity:
        identity = super()._initialise()
        self.unit, frame = self.agreed_twice(":UNIT:PRES?", self._unit_frame)
        if self.options.unit and self.options.unit != self.unit:
            raise Implausible(":UNIT:PRES?", frame, f"the controller works in {self.unit}, the station "
                                                    f"expects {self.options.unit}")
        return identity

    def _unit_frame(self) -> tuple[str, bytes]:
        frame = self.ask(":UNIT:PRES?")
        unit = self.strip_reply(":UNIT:PRES?", frame)
        if not UNIT_RE.fullmatch(unit):
            raise MalformedFrame(frame, f"unit {unit!r} is not a pressure unit keyword")
        return unit, frame

    def pressure_unit(self) -> str:
        """``:UNIT:PRES?`` → e.g. ``MBAR``."""
        return self._unit_frame()[0]

    def read(self) -> Reading:
        """``:SENS:PRES?``: the measured pressure; the unit in force must still be the connect's."""
        unit, unit_frame = self._unit_frame()
        if unit != self.unit:
            raise Implausible(":UNIT:PRES?", unit_frame, f"unit {unit!r} is not {self.unit!r}, the unit at "
                                                         f"connect (reconnect after changing units)")
        frame = self.ask(":SENS:PRES?")
        value = self.strip_reply(":SENS:PRES?", frame)
        if not is_decimal(value):
            raise MalformedFrame(frame, f"pressure {value!r} is not a decimal number")
        return self.make_reading(value, unit, None, frame)

    def set_setpoint(self, value: Decimal) -> None:
        """``:SOUR:PRES <value>`` in the current unit; refused values come back from the error queue."""
        if not value.is_finite():
            raise ValueError(f"set-point must be finite, got {value!r}")
        self.command(f":SOUR:PRES {value}")

    def set_control(self, on: bool) -> None:
        """``:OUTP:STAT ON|OFF``: start or stop controlling."""
        self.command(f":OUTP:STAT {'ON' if on else 'OFF'}")

    def is_controlling(self) -> bool:
        """``:OUTP:STAT?`` → ``:OUTP:STAT 1``."""
        frame = self.ask(":OUTP:STAT?")
        state = self.strip_reply(":OUTP:STAT?", frame)
        if state not in ("0", "1"):
            raise MalformedFrame(frame, "output state must be 0 or 1")
        return state == "1"

    def vent(self) -> None:
        """Control off, then vent to atmosphere (the safe state: no pressure left in the system)."""
        try:
            self.send(":OUTP:STAT OFF")
        finally:
            self.send(":SOUR:PRES:LEV:IMM:AMPL:VENT 1")

    def is_vented(self) -> bool:
        """``:SOUR:PRES:LEV:IMM:AMPL:VENT?`` → 1 while vented (or venting)."""
        frame = self.ask(":SOUR:PRES:LEV:IMM:AMPL:VENT?")
        state = self.strip_reply(":SOUR:PRES:LEV:IMM:AMPL:VENT?", frame)
        if state not in ("0", "1", "2"):
            raise MalformedFrame(frame, "vent state must be 0, 1 or 2")
        return state != "0"

"""Fluke/Hart 1529 Chub-E4 thermometer readout (reference thermometry).

SCPI-like, IEEE 488.2 conformant, one command per line (compound ``;`` commands are not allowed); a channel
suffix is required.  The driver turns on the extended reading format (``FORM:STAM ON``) so that
``FETC? <chn>`` answers ``<new>,<chn>,<value>,<unit>,<h>,<m>,<s>,<year>,<month>,<day>`` (1529 Technical
Manual §8.4.1.4, example ``1,2,0.0011,mV,14,5,35,2000,9,5``): the unit comes with the value and a reading
already delivered (``new`` = 0) is refused as :class:`~instruments.errors.StaleReading` rather than recorded
twice.  The 1529 has no stability flag: ``stable`` is None.  Plausibility: ``*IDN?`` and ``UNIT:TEMP?`` are
asked twice at connect; a reading must carry that unit (or the station's, for a channel reading ohms or
millivolts) and a temperature never lies below absolute zero.

>>> parse_extended("1,2,25.01234,C,14,5,35,2026,9,5")
(True, 2, '25.01234', 'C')
"""

from __future__ import annotations

import re
import time
from decimal import Decimal
from typing import ClassVar

from instruments.drivers.scpi import ScpiInstrument
from instruments.errors import Implausible, MalformedFrame, StaleReading, UnexpectedReply
from instruments.numbers import DECIMAL_PATTERN
from instruments.reading import InstrumentIdentity, Reading
from instruments.settings import Framing, SerialSettings

EXTENDED_RE = re.compile(
    rf"(?P<new>[01]),(?P<channel>[1-4]),(?P<value>{DECIMAL_PATTERN}),(?P<unit>[A-Za-z]+),"
    r"\d{1,2},\d{1,2},\d{1,2},\d{4},\d{1,2},\d{1,2}")


# No temperature is below absolute zero (ITS-90: 0 K = -273.15 °C = -459.67 °F).
ABSOLUTE_ZERO = {"C": Decimal("-273.15"), "F": Decimal("-459.67"), "K": Decimal(0)}


def parse_extended(text: str) -> tuple[bool, int, str, str]:
    """``(new, channel, value_text, unit)`` from an extended-format reply; ``ValueError`` otherwise."""
    match = EXTENDED_RE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not an extended-format reading: {text!r}")
    return match["new"] == "1", int(match["channel"]), match["value"], match["unit"]


class Fluke1529(ScpiInstrument):
    """Readings of one channel (default 1) through ``FETC? <chn>``."""

    name: ClassVar[str] = "fluke-1529"
    description: ClassVar[str] = "Fluke/Hart 1529 Chub-E4 thermometer readout (FETC?, extended format)"
    default_settings: ClassVar[SerialSettings] = SerialSettings(baudrate=9600)
    default_framing: ClassVar[Framing] = Framing(b"\r\n", b"\r\n", timeout_s=3.0, max_frame_bytes=128)
    remote_command: ClassVar[str | None] = None
    local_command: ClassVar[str | None] = None
    channel: int = 1
    new_reading_timeout_s: float = 10.0
    poll_interval_s: float = 0.1

    unit: str = ""  # the temperature unit in force (UNIT:TEMP?, asked twice) or the station's

    def _initialise(self) -> InstrumentIdentity:
        identity = super()._initialise()
        self.command("FORM:STAM ON")
        self.unit, _ = self.agreed_twice("UNIT:TEMP?", self._unit_frame)
        if self.options.unit:
            self.unit = self.options.unit  # e.g. a channel set to read ohms: the station says so
        return identity

    def _unit_frame(self) -> tuple[str, bytes]:
        frame = self.ask("UNIT:TEMP?")
        unit = self.strip_reply("UNIT:TEMP?", frame)
        if unit not in ABSOLUTE_ZERO:
            raise MalformedFrame(frame, f"UNIT:TEMP? reply {unit!r} is not C, F or K")
        return unit, frame

    def select_channel(self, channel: int) -> None:
        """Channel 1–4 read by :meth:`read`."""
        if channel not in (1, 2, 3, 4):
            raise ValueError(f"channel must be 1 to 4, got {channel!r}")
        self.channel = channel

    def read(self) -> Reading:
        """The next *new* measurement of the channel, polling ``FETC?`` every :attr:`poll_interval_s`.

        The 1529 measures each channel about once a second; ``FETC?`` repeats the last value meanwhile.
        :raises StaleReading: no new measurement within :attr:`new_reading_timeout_s`.
        """
        deadline = time.monotonic() + self.new_reading_timeout_s
        while True:
            try:
                return self.fetch()
            except StaleReading:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(self.poll_interval_s)

    def fetch(self) -> Reading:
        """``FETC? <chn>``: the most recent measurement of the channel, refused if already delivered."""
        command = f"FETC? {self.channel}"
        frame = self.ask(command)
        try:
            new, channel, value, unit = parse_extended(self.strip_reply(command, frame))
        except ValueError as exc:
            raise MalformedFrame(frame, str(exc)) from exc
        if channel != self.channel:
            raise UnexpectedReply(command, frame, f"reading of channel {channel}")
        if not new:
            raise StaleReading(command, frame)
        if unit != self.unit:
            raise Implausible(command, frame, f"unit {unit!r} is not the readout's unit {self.unit!r}")
        if unit in ABSOLUTE_ZERO and Decimal(value) < ABSOLUTE_ZERO[unit]:
            raise Implausible(command, frame, f"{value} {unit} is below absolute zero")
        return self.make_reading(value, unit, None, frame)

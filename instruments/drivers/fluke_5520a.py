"""Fluke 5520A/5522A multifunction calibrator.

Syntax (5520A Operators Manual, remote commands): parameters separated by commas, one space after the
header; ``OUT <value> <unit>[, <freq> HZ]`` sets the output, ``OPER`` connects it to the terminals, ``STBY``
disconnects it; ``OUT?`` returns the output as ``<value>,<unit>,<value2>,<unit2>,<frequency>``; ``ERR?``
returns ``<code>,<text>`` first in first out (``0`` when empty).  Over RS-232 ``REMOTE`` puts it in remote.

``OUT?`` is checked against the output last set (unit, and value to its 8 significant digits): a reply
garbled into another plausible number is rejected.

**Safety:** the driver sends ``STBY`` when a set-output command fails and when it closes, so the terminals
are never left live after an exception.

>>> output_command(Decimal("1.5"), "V"), output_command(Decimal("10"), "V", Decimal("1000"))
('OUT 1.5 V', 'OUT 10 V, 1000 HZ')
>>> output_command(Decimal("1"), "W")
Traceback (most recent call last):
...
ValueError: unit must be one of V, MV, A, MA, UA, OHM, KOHM, MOHM, F, UF, NF, CEL, FAR, got 'W'
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import ClassVar

from instruments.drivers.scpi import ScpiInstrument
from instruments.errors import Implausible, MalformedFrame
from instruments.numbers import is_decimal, parse_decimal
from instruments.reading import Reading
from instruments.settings import Framing, SerialSettings

UNITS = ("V", "MV", "A", "MA", "UA", "OHM", "KOHM", "MOHM", "F", "UF", "NF", "CEL", "FAR")
# OUT? reports in the base unit: the multiple and what it is worth (5520A Programmers Manual, OUT).
BASE_UNIT = {"V": ("V", Decimal(1)), "MV": ("V", Decimal("1e-3")), "A": ("A", Decimal(1)),
             "MA": ("A", Decimal("1e-3")), "UA": ("A", Decimal("1e-6")), "OHM": ("OHM", Decimal(1)),
             "KOHM": ("OHM", Decimal("1e3")), "MOHM": ("OHM", Decimal("1e6")), "F": ("F", Decimal(1)),
             "UF": ("F", Decimal("1e-6")), "NF": ("F", Decimal("1e-9")), "CEL": ("CEL", Decimal(1)),
             "FAR": ("FAR", Decimal(1))}
READBACK_RELATIVE = Decimal("1e-7")  # OUT? carries 8 significant digits
UNIT_RE = re.compile(r"[A-Z]+")
MAX_DIGITS = 15  # significant digits the 5520A accepts in a number


def output_command(value: Decimal, unit: str, frequency_hz: Decimal | None = None) -> str:
    """Build and validate an ``OUT`` command (ac when ``frequency_hz`` is given)."""
    unit = unit.upper()
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(UNITS)}, got {unit!r}")
    for name, number in (("value", value), ("frequency_hz", frequency_hz)):
        if number is None:
            continue
        if not number.is_finite():
            raise ValueError(f"{name} must be finite, got {number!r}")
        if len(number.as_tuple().digits) > MAX_DIGITS:
            raise ValueError(f"{name} has more than {MAX_DIGITS} significant digits: {number}")
    if frequency_hz is not None and frequency_hz <= 0:
        raise ValueError(f"frequency_hz must be positive, got {frequency_hz}")
    command = f"OUT {value} {unit}"
    return command if frequency_hz is None else f"{command}, {frequency_hz} HZ"


class Fluke5520A(ScpiInstrument):
    """Set the output, operate, standby; :meth:`read` reports the active output (``OUT?``)."""

    name: ClassVar[str] = "fluke-5520a"
    description: ClassVar[str] = "Fluke 5520A/5522A multifunction calibrator (OUT, OPER, STBY)"
    default_settings: ClassVar[SerialSettings] = SerialSettings(baudrate=9600)
    default_framing: ClassVar[Framing] = Framing(b"\r\n", b"\n", timeout_s=5.0, max_frame_bytes=128)
    remote_command: ClassVar[str | None] = "REMOTE"
    local_command: ClassVar[str | None] = "LOCAL"
    error_query: ClassVar[str] = "ERR?"

    _expected: tuple[Decimal, str] | None = None  # the output last set, in OUT?'s base unit

    def set_output(self, value: Decimal, unit: str, frequency_hz: Decimal | None = None) -> None:
        """``OUT``; on any error the calibrator is put in standby before the error is raised."""
        command = output_command(value, unit, frequency_hz)
        self._expected = None
        try:
            self.command(command)
        except BaseException:
            self.standby()
            raise
        base, scale = BASE_UNIT[unit.upper()]
        self._expected = (value * scale, base)

    def operate(self) -> None:
        """``OPER``: connect the output to the terminals."""
        try:
            self.command("OPER")
        except BaseException:
            self.standby()
            raise

    def standby(self) -> None:
        """``STBY``: disconnect the output (sent without waiting on the error queue, it must not fail)."""
        self.send("STBY")

    def is_operating(self) -> bool:
        """``OPER?`` → ``1`` operate, ``0`` standby."""
        frame = self.ask("OPER?")
        text = self.strip_reply("OPER?", frame)
        if text not in ("0", "1"):
            raise MalformedFrame(frame, "OPER? reply must be 0 or 1")
        return text == "1"

    def read(self) -> Reading:
        """``OUT?``: the active output value and unit as the calibrator reports them."""
        frame = self.ask("OUT?")
        fields = [f.strip() for f in self.strip_reply("OUT?", frame).split(",")]
        if len(fields) != 5 or not is_decimal(fields[0]) or not UNIT_RE.fullmatch(fields[1]):
            raise MalformedFrame(frame, "expected '<value>,<unit>,<value2>,<unit2>,<frequency>'")
        value, unit = parse_decimal(fields[0]), fields[1]
        if unit not in {base for base, _ in BASE_UNIT.values()}:
            raise Implausible("OUT?", frame, f"unit {unit!r} is not an output unit of the 5520A")
        if self._expected is not None:
            expected, expected_unit = self._expected
            if unit != expected_unit or abs(value - expected) > READBACK_RELATIVE * abs(expected):
                raise Implausible("OUT?", frame, f"the output was set to {expected} {expected_unit}")
        return self.make_reading(fields[0], unit, None, frame)

    def _before_close(self) -> None:
        self.standby()
        super()._before_close()

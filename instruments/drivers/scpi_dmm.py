"""SCPI digital multimeter (Agilent/Keysight 34401A command set; also Fluke 8845A/8846A in ``8845`` mode).

``CONFigure:<function> [range[,resolution]]`` then ``READ?``; the reply is one NR1/NR2/NR3 number such as
``+1.00001230E+00``.  ``±9.9E+37`` is the SCPI overload value and is reported as
:class:`~instruments.errors.OutOfRange`, never as a number.  ``CONF?`` tells the function in use, so the unit
of every reading comes from the instrument, not from an assumption.

The 34401A leaves the factory at 9600 baud, 7 data bits, even parity, 2 stop bits with DTR/DSR handshake;
the 8845A/8846A at 9600 8N1.  The driver default is 9600 8N1; pass ``SerialSettings(bytesize=7,
parity="E", stopbits=2, dsrdtr=True)`` (``--serial 9600,7E2,dsrdtr`` on the command line) for a 34401A.

>>> FUNCTIONS["DCV"].command, FUNCTIONS["DCV"].unit
('CONF:VOLT:DC', 'V')
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from instruments.drivers.scpi import ScpiInstrument
from instruments.errors import MalformedFrame, OutOfRange
from instruments.numbers import is_decimal, parse_decimal
from instruments.reading import InstrumentIdentity, Reading
from instruments.settings import Framing, SerialSettings

OVERLOAD = Decimal("9.9E37")


@dataclass(frozen=True, slots=True)
class Function:
    """A measurement function: its CONF command, the CONF? keyword and the unit of its readings."""

    command: str
    keyword: str
    unit: str


FUNCTIONS: dict[str, Function] = {
    "DCV": Function("CONF:VOLT:DC", "VOLT", "V"),
    "ACV": Function("CONF:VOLT:AC", "VOLT:AC", "V"),
    "DCI": Function("CONF:CURR:DC", "CURR", "A"),
    "ACI": Function("CONF:CURR:AC", "CURR:AC", "A"),
    "RES": Function("CONF:RES", "RES", "Ohm"),
    "FRES": Function("CONF:FRES", "FRES", "Ohm"),
    "FREQ": Function("CONF:FREQ", "FREQ", "Hz"),
}
UNIT_OF_KEYWORD = {f.keyword: f.unit for f in FUNCTIONS.values()} | {"VOLT:DC": "V", "CURR:DC": "A"}
RANGE_WORDS = ("AUTO", "MIN", "MAX", "DEF")


def range_argument(value: Decimal | str | None, field: str) -> str | None:
    """Validate a range or resolution argument: a positive finite Decimal or MIN/MAX/DEF/AUTO.

    >>> range_argument(Decimal("10"), "range"), range_argument("max", "range")
    ('10', 'MAX')
    >>> range_argument(Decimal("-1"), "range")
    Traceback (most recent call last):
    ...
    ValueError: range must be positive, got Decimal('-1')
    """
    if value is None:
        return None
    if isinstance(value, str):
        if value.upper() not in RANGE_WORDS:
            raise ValueError(f"{field} must be a number or one of {', '.join(RANGE_WORDS)}, got {value!r}")
        return value.upper()
    if not value.is_finite() or value <= 0:
        raise ValueError(f"{field} must be positive, got {value!r}")
    return str(value)


class ScpiMultimeter(ScpiInstrument):
    """DC/AC voltage, DC/AC current, 2- and 4-wire resistance, frequency."""

    name: ClassVar[str] = "scpi-dmm"
    description: ClassVar[str] = "SCPI multimeter (34401A command set; Fluke 8845A/8846A)"
    default_settings: ClassVar[SerialSettings] = SerialSettings(baudrate=9600)
    default_framing: ClassVar[Framing] = Framing(b"\r\n", b"\n", timeout_s=5.0, max_frame_bytes=64)

    unit: str = ""

    def _initialise(self) -> InstrumentIdentity:
        identity = super()._initialise()
        self.unit = self.configured_unit()
        return identity

    def configure(self, function: str, *, range_: Decimal | str | None = None,
                  resolution: Decimal | str | None = None) -> None:
        """``CONF:<function> [range[,resolution]]``; the error queue is checked afterwards."""
        try:
            spec = FUNCTIONS[function.upper()]
        except KeyError:
            raise ValueError(f"function must be one of {', '.join(FUNCTIONS)}, got {function!r}") from None
        rng = range_argument(range_, "range")
        res = range_argument(resolution, "resolution")
        if res is not None and rng is None:
            raise ValueError("resolution needs a range")
        arguments = ",".join(a for a in (rng, res) if a is not None)
        self.command(f"{spec.command} {arguments}" if arguments else spec.command)
        self.unit = spec.unit

    def configured_unit(self) -> str:
        """Ask ``CONF?`` which function is active, e.g. ``"VOLT +1.000000E+01,+3.000000E-06"``."""
        frame = self.ask("CONF?")
        text = self.strip_reply("CONF?", frame).strip('"')
        keyword = text.split(" ", 1)[0].upper()
        if keyword not in UNIT_OF_KEYWORD:
            raise MalformedFrame(frame, f"unknown function {keyword!r} in CONF? reply")
        return UNIT_OF_KEYWORD[keyword]

    def read(self) -> Reading:
        """``READ?``: one triggered reading in the configured function."""
        frame = self.ask("READ?")
        text = self.strip_reply("READ?", frame)
        if not is_decimal(text):
            raise MalformedFrame(frame, "READ? reply is not one decimal number")
        if abs(parse_decimal(text)) >= OVERLOAD:
            raise OutOfRange("READ?", "overload (SCPI 9.9E+37)", frame)
        return self.make_reading(text, self.unit, None, frame)

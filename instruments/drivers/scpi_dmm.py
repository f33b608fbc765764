"""SCPI digital multimeter (Agilent/Keysight 34401A command set; also Fluke 8845A/8846A in ``8845`` mode).

``CONFigure:<function> [range[,resolution]]`` then ``READ?``; the reply is one NR1/NR2/NR3 number such as
``+1.00001230E+00``.  ``±9.9E+37`` is the SCPI overload value and is reported as
:class:`~instruments.errors.OutOfRange`, never as a number.  ``CONF?`` tells the function in use, so the unit
of every reading comes from the instrument, not from an assumption.

The 34401A leaves the factory at 9600 baud, 7 data bits, even parity, 2 stop bits with DTR/DSR handshake;
the 8845A/8846A at 9600 8N1.  The driver default is 9600 8N1; pass ``SerialSettings(bytesize=7,
parity="E", stopbits=2, dsrdtr=True)`` (``--serial 9600,7E2,dsrdtr`` on the command line) for a 34401A.

Plausibility (docs/instruments.md, "What a driver accepts"): ``*IDN?`` and ``CONF?`` are asked twice at
connect and must agree; ``CONF?`` gives the function (hence the unit), the range and the resolution.  A
``READ?`` reply must be in the instrument's NR3 format exactly (34401A User's Guide, "Output data
format": ``SD.DDDDDDDDESDD``, normalised mantissa) and within the range plus its 20 % overrange.
Confirmation (on by default): a reading is returned only when two consecutive ``READ?`` values differ by
at most :attr:`ScpiMultimeter.confirm_counts` counts of the resolution, as a settled source gives.

>>> FUNCTIONS["DCV"].command, FUNCTIONS["DCV"].unit
('CONF:VOLT:DC', 'V')
>>> parse_configuration('"VOLT +1.000000E+01,+1.000000E-05"')
('VOLT', Decimal('10.00000'), Decimal('0.00001000000'))
>>> NR3_RE.fullmatch("+1.00009600E+00") is not None, NR3_RE.fullmatch("+1.0000960E+00") is None
(True, True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from instruments.drivers.scpi import ScpiInstrument
from instruments.errors import ErrorReply, Implausible, MalformedFrame, OutOfRange, Unconfirmed
from instruments.numbers import is_decimal, parse_decimal
from instruments.reading import InstrumentIdentity, Reading
from instruments.settings import Framing, SerialSettings

OVERLOAD = Decimal("9.9E37")
# 34401A ASCII reading: sign, one non-zero digit (or an all-zero mantissa), 8 decimals, 'E', signed exponent.
NR3_RE = re.compile(r"[+-](?:[1-9]\.[0-9]{8}|0\.0{8})E[+-][0-9]{2}")
OVERRANGE = Decimal("1.2")  # 34401A: 20 % overrange on every range but 1000 V dc / 750 V ac


@dataclass(frozen=True, slots=True)
class Function:
    """A measurement function: its CONF command, the CONF? keyword and the unit of its readings."""

    command: str
    keyword: str
    unit: str
    range_in_unit: bool = True  # False for FREQ, whose range is the signal's voltage range


FUNCTIONS: dict[str, Function] = {
    "DCV": Function("CONF:VOLT:DC", "VOLT", "V"),
    "ACV": Function("CONF:VOLT:AC", "VOLT:AC", "V"),
    "DCI": Function("CONF:CURR:DC", "CURR", "A"),
    "ACI": Function("CONF:CURR:AC", "CURR:AC", "A"),
    "RES": Function("CONF:RES", "RES", "Ohm"),
    "FRES": Function("CONF:FRES", "FRES", "Ohm"),
    "FREQ": Function("CONF:FREQ", "FREQ", "Hz", range_in_unit=False),
}
FUNCTION_OF_KEYWORD = {f.keyword: f for f in FUNCTIONS.values()} | {"VOLT:DC": FUNCTIONS["DCV"],
                                                                      "CURR:DC": FUNCTIONS["DCI"]}
UNIT_OF_KEYWORD = {keyword: f.unit for keyword, f in FUNCTION_OF_KEYWORD.items()}
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


def parse_configuration(text: str) -> tuple[str, Decimal, Decimal]:
    """``CONF?`` reply ``"<function> <range>,<resolution>"`` → (keyword, range, resolution).

    :raises ValueError: anything else (unknown function, a number that is not a positive decimal).
    """
    body = text.strip()
    if len(body) < 2 or body[0] != '"' or body[-1] != '"':
        raise ValueError(f"CONF? reply must be quoted, got {text!r}")
    keyword, _, arguments = body[1:-1].partition(" ")
    keyword = keyword.upper()
    if keyword not in FUNCTION_OF_KEYWORD:
        raise ValueError(f"unknown function {keyword!r} in CONF? reply")
    numbers = arguments.split(",")
    if len(numbers) != 2 or not all(NR3_CONF_RE.fullmatch(n) for n in numbers):
        raise ValueError(f"CONF? reply must give '<range>,<resolution>', got {arguments!r}")
    range_, resolution = (parse_decimal(n) for n in numbers)
    if range_ <= 0 or resolution <= 0:
        raise ValueError(f"range and resolution must be positive, got {arguments!r}")
    return keyword, range_, resolution


NR3_CONF_RE = re.compile(r"[+-][0-9]\.[0-9]{6}E[+-][0-9]{2}")


class ScpiMultimeter(ScpiInstrument):
    """DC/AC voltage, DC/AC current, 2- and 4-wire resistance, frequency."""

    name: ClassVar[str] = "scpi-dmm"
    description: ClassVar[str] = "SCPI multimeter (34401A command set; Fluke 8845A/8846A)"
    default_settings: ClassVar[SerialSettings] = SerialSettings(baudrate=9600)
    default_framing: ClassVar[Framing] = Framing(b"\r\n", b"\n", timeout_s=5.0, max_frame_bytes=64)

    confirm_counts: ClassVar[int] = 4  # confirmation tolerance, in counts of the resolution

    unit: str = ""
    function: Function | None = None
    range: Decimal | None = None
    resolution: Decimal | None = None
    _candidate: tuple[Decimal, bytes] | None = None

    def _initialise(self) -> InstrumentIdentity:
        identity = super()._initialise()
        self.load_configuration()
        return identity

    def load_configuration(self) -> None:
        """Ask ``CONF?`` twice (both answers must agree) and keep function, unit, range and resolution."""
        self._candidate = None
        self.function = self.range = self.resolution = None
        (keyword, range_, resolution), _ = self.agreed_twice("CONF?", self._configuration)
        self.function = FUNCTION_OF_KEYWORD[keyword]
        self.unit, self.range, self.resolution = self.function.unit, range_, resolution

    def _configuration(self) -> tuple[tuple[str, Decimal, Decimal], bytes]:
        frame = self.ask("CONF?")
        try:
            return parse_configuration(self.strip_reply("CONF?", frame)), frame
        except ValueError as exc:
            raise MalformedFrame(frame, str(exc)) from exc

    @property
    def confirmation_tolerance(self) -> Decimal | None:
        """Largest difference between two consecutive readings that confirm each other (unit of the
        reading): :attr:`confirm_counts` × resolution."""
        return None if self.resolution is None else self.confirm_counts * self.resolution

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
        self._candidate = None
        self.command(f"{spec.command} {arguments}" if arguments else spec.command)
        self.load_configuration()  # what the instrument took, not what was sent (a command can be garbled)
        if self.function is not spec:
            reported = self.function.keyword if self.function is not None else "nothing"
            raise ErrorReply(spec.command, "CONF?", f"the multimeter reports {reported} after {spec.command}")

    def configured_unit(self) -> str:
        """Ask ``CONF?`` which function is active, e.g. ``"VOLT +1.000000E+01,+1.000000E-05"`` → ``V``."""
        (keyword, _, _), _ = self._configuration()
        return UNIT_OF_KEYWORD[keyword]

    def read(self) -> Reading:
        """``READ?``: a confirmed reading (default) or, with ``confirm`` off, one triggered reading.

        Confirmation: ``READ?`` is sent until two consecutive values differ by at most
        :attr:`confirmation_tolerance`; the later one becomes the reading.  A pair that disagrees raises
        :class:`Unconfirmed` (both frames kept) and the later value waits for the next call's reply.
        """
        if not self.options.confirm:
            text, frame = self._sample()
            return self.make_reading(text, self.unit, None, frame)
        tolerance = self.confirmation_tolerance
        assert tolerance is not None  # set with the configuration at connect
        while True:
            try:
                text, frame = self._sample()
            except Exception:
                self._candidate = None  # confirmation needs two *consecutive* readings
                raise
            value = parse_decimal(text)
            first, self._candidate = self._candidate, (value, frame)
            if first is None:
                continue
            if abs(value - first[0]) > tolerance:
                raise Unconfirmed("READ?", first[1], frame,
                                  f"differ by more than {self.confirm_counts} counts of {self.resolution}")
            self._candidate = None
            return self.make_reading(text, self.unit, None, frame)

    def _sample(self) -> tuple[str, bytes]:
        """One ``READ?`` value after the format and range checks."""
        frame = self.ask("READ?")
        text = self.strip_reply("READ?", frame)
        if not is_decimal(text):
            raise MalformedFrame(frame, "READ? reply is not one decimal number")
        value = parse_decimal(text)
        if abs(value) >= OVERLOAD:
            raise OutOfRange("READ?", "overload (SCPI 9.9E+37)", frame)
        if not NR3_RE.fullmatch(text):
            raise Implausible("READ?", frame, "not in the multimeter's reading format SD.DDDDDDDDESDD")
        if (self.function is not None and self.function.range_in_unit and self.range is not None
                and abs(value) > self.range * OVERRANGE):
            raise Implausible("READ?", frame, f"{text} {self.unit} is beyond the {self.range} {self.unit} "
                                              f"range and its 20 % overrange")
        return text, frame

"""Vaisala HUMICAP HMT330-class humidity and temperature transmitters, serial line protocol.

Polled with ``SEND``: the transmitter answers one line in its output format, by default
``RH= 98.4 %RH T= 31.1 'C`` (HMT330 User's Guide M210566EN, ``FORM /``; ``'C`` is how it writes °C).  The
line is parsed as ``<quantity>= <value> <unit>`` pairs and must consist of nothing else; relative humidity
and temperature must both be there.  Identification: ``VERS`` (model and software version), asked twice at
connect and required to agree.  The ``VERS`` reply form ``HMT330 / 5.16`` is **from memory** and has not
been checked against the manual; any other reply is rejected, never guessed at.  Factory line settings
4800 baud, 7 data bits, even parity, 1 stop bit (``SERI`` default); commands end with CR.  The driver
assumes the transmitter is in STOP mode with echo off (``SMODE STOP``, ``ECHO OFF``).

Plausibility: RH within 0–100 %RH; temperature within the probe's range (−70 to +180 °C for the HMT330
probes; °F converted) and in the unit the station expects, if it says.

>>> parse_send("RH= 98.4 %RH T= 31.1 'C")
[('RH', '98.4', '%RH'), ('T', '31.1', 'C')]
>>> parse_send("RH= 98.4 %RH T= 31.1 'C junk")
Traceback (most recent call last):
...
ValueError: not a SEND line of '<quantity>= <value> <unit>' pairs: "RH= 98.4 %RH T= 31.1 'C junk"
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import ClassVar

from instruments.drivers.base import Driver
from instruments.errors import Implausible, MalformedFrame
from instruments.reading import InstrumentIdentity, Reading
from instruments.settings import Framing, SerialSettings

UNIT_ALTERNATIVES = r"%RH|'C|'F|g/m3|g/kg|kJ/kg"
PAIR_RE = re.compile(rf"(?P<quantity>[A-Za-z][A-Za-z0-9]*)=\s*(?P<value>-?[0-9]+(?:\.[0-9]+)?)\s*"
                     rf"(?P<unit>{UNIT_ALTERNATIVES})")
_PAIR = rf"[A-Za-z][A-Za-z0-9]*=\s*-?[0-9]+(?:\.[0-9]+)?\s*(?:{UNIT_ALTERNATIVES})"
LINE_RE = re.compile(rf"\s*{_PAIR}(?:\s+{_PAIR})*\s*")
VERS_RE = re.compile(r"(?P<model>[A-Z]{3}[0-9]{3}[A-Z0-9]*)\s*/\s*(?P<version>[0-9]+(?:\.[0-9]+)+)")
UNITS = {"'C": "C", "'F": "F"}
# HMT330 probes: -70 … +180 °C; °F from °F = 1.8 °C + 32.
TEMPERATURE_RANGE = {"C": (Decimal(-70), Decimal(180)), "F": (Decimal(-94), Decimal(356))}


def parse_send(text: str) -> list[tuple[str, str, str]]:
    """``(quantity, value text, unit)`` for each pair of a ``SEND`` line; ``ValueError`` otherwise."""
    if not LINE_RE.fullmatch(text):
        raise ValueError(f"not a SEND line of '<quantity>= <value> <unit>' pairs: {text!r}")
    return [(m["quantity"], m["value"], UNITS.get(m["unit"], m["unit"])) for m in PAIR_RE.finditer(text)]


class VaisalaHmt(Driver):
    """Relative humidity and temperature; :meth:`read_all` gives both, :meth:`read` the temperature."""

    name: ClassVar[str] = "vaisala-hmt"
    description: ClassVar[str] = "Vaisala HMT330-class T/RH transmitter (SEND, VERS)"
    default_settings: ClassVar[SerialSettings] = SerialSettings(baudrate=4800, bytesize=7, parity="E")
    default_framing: ClassVar[Framing] = Framing(b"\r\n", b"\r", timeout_s=2.0, max_frame_bytes=128)

    def _initialise(self) -> InstrumentIdentity:
        (model, version), _ = self.agreed_twice("VERS", self._version)
        return InstrumentIdentity("Vaisala", model, "", version)

    def _version(self) -> tuple[tuple[str, str], bytes]:
        frame = self.query("VERS")
        match = VERS_RE.fullmatch(self.text_of(frame).strip())
        if match is None:
            raise MalformedFrame(frame, "expected '<model> / <version>' in reply to VERS")
        return (match["model"], match["version"]), frame

    def read_all(self) -> list[Reading]:
        """``SEND``: relative humidity then temperature, both from one line (same raw frame)."""
        frame = self.query("SEND")
        try:
            pairs = {quantity: (value, unit) for quantity, value, unit in parse_send(self.text_of(frame))}
        except ValueError as exc:
            raise MalformedFrame(frame, str(exc)) from exc
        if "RH" not in pairs or "T" not in pairs:
            raise MalformedFrame(frame, "the line must carry RH and T")
        (rh, rh_unit), (t, t_unit) = pairs["RH"], pairs["T"]
        if rh_unit != "%RH" or not Decimal(0) <= Decimal(rh) <= Decimal(100):
            raise Implausible("SEND", frame, f"relative humidity {rh} {rh_unit} is not within 0 to 100 %RH")
        expected = self.options.unit or "C"
        if t_unit != expected:
            raise Implausible("SEND", frame, f"temperature unit {t_unit!r} is not {expected!r}")
        low, high = TEMPERATURE_RANGE[t_unit]
        if not low <= Decimal(t) <= high:
            raise Implausible("SEND", frame, f"temperature {t} {t_unit} is outside the probe's {low} to {high}")
        return [self.make_reading(rh, rh_unit, None, frame), self.make_reading(t, t_unit, None, frame)]

    def read(self) -> Reading:
        """The temperature (``read_all`` gives the humidity too)."""
        return self.read_all()[1]

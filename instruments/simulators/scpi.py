"""Simulated SCPI instruments: the shared parser (long/short forms, error queue) and a multimeter.

>>> normalise("CONFigure:VOLTage:DC 10,0.0001")
('CONF:VOLT:DC', '10,0.0001')
>>> normalise("syst:err?")
('SYST:ERR?', '')
"""

from __future__ import annotations

import random
from collections.abc import Callable
from decimal import Decimal
from typing import ClassVar

from instruments.simulators.pty import SimulatedInstrument

LONG_FORMS = {
    "CONFIGURE": "CONF",
    "VOLTAGE": "VOLT",
    "CURRENT": "CURR",
    "RESISTANCE": "RES",
    "FRESISTANCE": "FRES",
    "FREQUENCY": "FREQ",
    "MEASURE": "MEAS",
    "SYSTEM": "SYST",
    "ERROR": "ERR",
    "REMOTE": "REM",
    "LOCAL": "LOC",
    "FETCH": "FETC",
    "FORMAT": "FORM",
    "STAMP": "STAM",
    "TEMPERATURE": "TEMP",
    "SENSE": "SENS",
    "PRESSURE": "PRES",
    "SOURCE": "SOUR",
    "OUTPUT": "OUTP",
    "STATE": "STAT",
}


def normalise(command: str) -> tuple[str, str]:
    """Upper-case short-form header and the argument text."""
    header, _, argument = command.strip().partition(" ")
    parts = []
    for part in header.upper().split(":"):
        query = part.endswith("?")
        bare = part.rstrip("?")
        parts.append(LONG_FORMS.get(bare, bare) + ("?" if query else ""))
    return ":".join(parts), argument.strip()


class ScpiSimulator(SimulatedInstrument):
    """IEEE 488.2 behaviour shared by the SCPI simulators: *IDN?, *RST, *CLS, error queue, remote."""

    error_query = "SYST:ERR?"

    def __init__(self, *, idn: str) -> None:
        super().__init__()
        self.idn = idn
        self.errors: list[tuple[int, str]] = []
        self.remote = False

    def push_error(self, code: int, message: str) -> list[str]:
        """Queue an error (the instrument sends no reply to a refused command)."""
        if len(self.errors) < 20:
            self.errors.append((code, message))
        else:
            self.errors[-1] = (-350, "Queue overflow")
        return []

    def error_reply(self) -> str:
        """Next queue entry, ``+0,"No error"`` when empty."""
        if not self.errors:
            return '+0,"No error"'
        code, message = self.errors.pop(0)
        return f'{code:+d},"{message}"'

    def handle(self, command: str) -> list[str]:
        """Common commands, then :meth:`handle_specific`."""
        header, argument = normalise(command)
        if header == "*IDN?":
            return [self.idn]
        if header == "*CLS":
            self.errors.clear()
            return []
        if header == "*RST":
            self.reset()
            return []
        if header == "*OPC?":
            return ["1"]
        if header == self.error_query:
            return [self.error_reply()]
        if header in ("SYST:REM", "REMOTE"):
            self.remote = True
            return []
        if header in ("SYST:LOC", "LOCAL"):
            self.remote = False
            return []
        return self.handle_specific(header, argument)

    def reset(self) -> None:
        """``*RST`` hook."""

    def handle_specific(self, header: str, argument: str) -> list[str]:
        """Instrument-specific commands; unknown headers queue -113."""
        return self.push_error(-113, "Undefined header")


class DmmSimulator(ScpiSimulator):
    """A 34401A-style multimeter reading a settled source: nominal value plus a seeded noise of at most
    ``noise_counts`` counts of the resolution; beyond the range's 20 % overrange it reads overload."""

    NOMINAL: ClassVar[dict[str, Decimal]] = {
        "VOLT": Decimal("1.0000000"),
        "VOLT:AC": Decimal("0.1000000"),
        "CURR": Decimal("0.0100000"),
        "CURR:AC": Decimal("0.0010000"),
        "RES": Decimal("100.00000"),
        "FRES": Decimal("100.00000"),
        "FREQ": Decimal("1000.0000"),
    }
    DEFAULT_RANGE: ClassVar[dict[str, Decimal]] = {
        "VOLT": Decimal(10),
        "VOLT:AC": Decimal(10),
        "CURR": Decimal("0.1"),
        "CURR:AC": Decimal("0.1"),
        "RES": Decimal(1000),
        "FRES": Decimal(1000),
        "FREQ": Decimal(10),
    }

    def __init__(
        self,
        *,
        idn: str = "HEWLETT-PACKARD,34401A,0,11-5-2",
        seed: int = 0,
        noise_counts: int = 2,
        follow: Callable[[], Decimal] | None = None,
    ) -> None:
        super().__init__(idn=idn)
        self.function = "VOLT"
        self.range = self.DEFAULT_RANGE["VOLT"]
        self.resolution = self.range / 10**6
        self.overload = False
        self.rng = random.Random(seed)
        self.require_remote = True
        self.noise_counts = noise_counts
        # the source its input is wired to (a simulated calibrator's output), else the function's nominal value
        self.follow = follow

    def reset(self) -> None:
        """Factory state: DC volts, 10 V range, 6½ digits."""
        self.function, self.overload = "VOLT", False
        self.range = self.DEFAULT_RANGE["VOLT"]
        self.resolution = self.range / 10**6

    def handle_specific(self, header: str, argument: str) -> list[str]:
        """CONF, CONF?, READ?, MEAS?."""
        if self.require_remote and not self.remote:
            return self.push_error(-200, "Execution error; not in remote")
        if header.startswith("CONF:") or header.startswith("MEAS:"):
            keyword = header.split(":", 1)[1].rstrip("?")
            keyword = {"VOLT:DC": "VOLT", "CURR:DC": "CURR"}.get(keyword, keyword)
            if keyword not in self.NOMINAL:
                return self.push_error(-113, "Undefined header")
            range_ = self.DEFAULT_RANGE[keyword]
            resolution = range_ / 10**6
            if argument:
                words = [w.strip().upper() for w in argument.split(",")]
                try:
                    if words[0] not in ("MIN", "MAX", "DEF", "AUTO"):
                        range_ = Decimal(words[0])
                        if range_ > 1000 or range_ <= 0:
                            return self.push_error(-222, "Data out of range")
                    resolution = range_ / 10**6
                    if len(words) > 1:
                        resolution = {
                            "MIN": range_ / 10**6,
                            "DEF": range_ / 10**6,
                            "MAX": range_ / 10**4,
                        }.get(words[1]) or Decimal(words[1])
                except ArithmeticError:
                    return self.push_error(-224, "Illegal parameter value")
            self.function, self.range, self.resolution = keyword, range_, resolution
            return [self.sample()] if header.endswith("?") else []
        if header == "CONF?":
            return [f'"{self.function} {float(self.range):+.6E},{float(self.resolution):+.6E}"']
        if header == "READ?":
            return [self.sample()]
        return self.push_error(-113, "Undefined header")

    def sample(self) -> str:
        """One reading in NR3 with 8 decimals, as the 34401A sends it."""
        applied = (
            self.NOMINAL[self.function] if self.follow is None else self.follow().quantize(self.resolution)
        )
        value = applied + self.resolution * self.rng.randint(-self.noise_counts, self.noise_counts)
        if self.overload or (self.function != "FREQ" and abs(value) > self.range * Decimal("1.2")):
            return "+9.90000000E+37"
        return f"{float(value):+.8E}"

    def unrelated_reply(self) -> str:
        """The identification where a reading was expected."""
        return self.idn

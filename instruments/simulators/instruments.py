"""Simulated calibrator, thermometer readout and pressure controller (SCPI family).

>>> cal = CalibratorSimulator()
>>> cal.handle("OUT 1.5 V"), cal.handle("OUT?"), cal.handle("ERR?")
([], ['1.5000000E+00,V,0.0000000E+00,0,0.0000000E+00'], ['0,"No Error"'])
>>> pace = PaceSimulator()
>>> pace.handle(":SENS:PRES?")
[':SENS:PRES 1013.2500']
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from instruments.simulators.scpi import ScpiSimulator

CAL_UNITS = {
    "V": "V",
    "MV": "V",
    "A": "A",
    "MA": "A",
    "UA": "A",
    "OHM": "OHM",
    "KOHM": "OHM",
    "MOHM": "OHM",
    "F": "F",
    "UF": "F",
    "NF": "F",
    "CEL": "CEL",
    "FAR": "FAR",
}
CAL_SCALE = {
    "MV": Decimal("1e-3"),
    "MA": Decimal("1e-3"),
    "UA": Decimal("1e-6"),
    "KOHM": Decimal("1e3"),
    "MOHM": Decimal("1e6"),
    "UF": Decimal("1e-6"),
    "NF": Decimal("1e-9"),
}


class CalibratorSimulator(ScpiSimulator):
    """A 5520A: OUT/OUT?/OPER/STBY/OPER? and ERR? (``0,"No Error"`` when empty)."""

    error_query = "ERR?"

    def __init__(self, *, idn: str = "FLUKE,5520A,8675309,2.7+1.3+2.0+*") -> None:
        super().__init__(idn=idn)
        self.value = Decimal(0)
        self.unit = "V"
        self.frequency = Decimal(0)
        self.operating = False
        # outputs (in the base unit) at which OPER trips as a real 5520A does on an overload: the output goes
        # to standby and the error queue holds the reason (tests of the sequence's safety)
        self.trip_at: set[Decimal] = set()
        self.history: list[str] = []  # OUT/OPER/STBY as received, for tests

    def error_reply(self) -> str:
        """5520A style: no plus sign."""
        if not self.errors:
            return '0,"No Error"'
        code, message = self.errors.pop(0)
        return f'{code},"{message}"'

    def reset(self) -> None:
        """Standby, 0 V."""
        self.value, self.unit, self.frequency, self.operating = Decimal(0), "V", Decimal(0), False

    def handle_specific(self, header: str, argument: str) -> list[str]:
        """OUT, OUT?, OPER, STBY, OPER?."""
        if header in ("OUT", "OPER", "STBY"):
            self.history.append(f"{header} {argument}".strip())
        if header == "OUT":
            return self._out(argument)
        if header == "OUT?":
            return [f"{float(self.value):.7E},{self.unit},0.0000000E+00,0,{float(self.frequency):.7E}"]
        if header == "OPER":
            if self.value in self.trip_at:
                self.operating = False
                return self.push_error(1305, "Output tripped: overload")
            self.operating = True
            return []
        if header == "STBY":
            self.operating = False
            return []
        if header == "OPER?":
            return ["1" if self.operating else "0"]
        return self.push_error(-113, "Undefined header")

    def _out(self, argument: str) -> list[str]:
        parts = [p.strip() for p in argument.split(",")]
        try:
            number, unit = parts[0].split()
            value = Decimal(number) * CAL_SCALE.get(unit.upper(), Decimal(1))
            frequency = Decimal(parts[1].split()[0]) if len(parts) > 1 else Decimal(0)
        except (ValueError, InvalidOperation, IndexError):
            return self.push_error(-224, "Illegal parameter value")
        if unit.upper() not in CAL_UNITS:
            return self.push_error(-224, "Illegal parameter value")
        if abs(value) > 1020 and CAL_UNITS[unit.upper()] == "V":
            self.operating = False
            return self.push_error(-222, "Data out of range")
        self.value, self.unit, self.frequency = value, CAL_UNITS[unit.upper()], frequency
        return []

    def unrelated_reply(self) -> str:
        """The identification where the output was expected."""
        return self.idn


class ThermometerSimulator(ScpiSimulator):
    """A 1529 Chub-E4 with four channels; every FETC? sees a new measurement unless ``stale``."""

    def __init__(self, *, idn: str = "HART,1529,A1B234,1.20", seed: int = 0) -> None:
        super().__init__(idn=idn)
        self.extended = False
        self.unit = "C"
        self.temperature = {
            1: Decimal("25.0000"),
            2: Decimal("0.0100"),
            3: Decimal("100.000"),
            4: Decimal("-38.8344"),
        }
        self.stale = False
        self.rng = random.Random(seed)

    def handle_specific(self, header: str, argument: str) -> list[str]:
        """FORM:STAM, FETC?, UNIT:TEMP."""
        if header == "FORM:STAM":
            if argument.upper() not in ("ON", "OFF", "1", "0"):
                return self.push_error(-224, "Illegal parameter value")
            self.extended = argument.upper() in ("ON", "1")
            return []
        if header == "UNIT:TEMP":
            if argument.upper() not in ("C", "F", "K"):
                return self.push_error(-224, "Illegal parameter value")
            self.unit = argument.upper()
            return []
        if header == "UNIT:TEMP?":
            return [self.unit]
        if header == "FETC?":
            try:
                channel = int(argument)
            except ValueError:
                return self.push_error(-114, "Header suffix out of range")
            if channel not in self.temperature:
                return self.push_error(-114, "Header suffix out of range")
            value = self.temperature[channel] + Decimal(self.rng.randint(-9, 9)).scaleb(-4)
            if not self.extended:
                return [f"{value}"]
            new = "0" if self.stale else "1"
            return [f"{new},{channel},{value},{self.unit},14,5,35,2026,11,22"]
        return self.push_error(-113, "Undefined header")

    def unrelated_reply(self) -> str:
        """A reading of another channel."""
        return f"1,4,{self.temperature[4]},{self.unit},14,5,35,2026,11,22"


class PaceSimulator(ScpiSimulator):
    """A PACE5000: echoed headers on every non-common query."""

    error_query = "SYST:ERR?"  # leading colon stripped by handle()

    def __init__(
        self,
        *,
        idn: str = "GE Druck,Pace5000 User Interface,3537315,02.00.07",
        settle_tau_s: float = 0.0,
        noise: Decimal = Decimal(0),
        seed: int = 0,
        clock: Callable[[], float] = time.monotonic,
        unit: str = "MBAR",
        atmosphere: Decimal = Decimal("1013.2500"),
        follow: Callable[[], Decimal] | None = None,
    ) -> None:
        super().__init__(idn=idn)
        # what venting leaves: the ambient pressure in ``unit`` (0 for a gauge-pressure controller)
        self.atmosphere = atmosphere
        self.pressure = atmosphere
        self.unit = unit
        # an indicator on the same manifold as a controller reads what that controller makes (``follow``)
        self.follow = follow
        self.setpoint = Decimal(0)
        self.controlling = False
        self.vented = False
        # settling: the pressure approaches the set-point as p = set + (p0 − set)·exp(−t/τ) (a first-order
        # controller; 0 = at once), with a seeded ± noise on each reading
        self.settle_tau_s, self.noise, self.clock = settle_tau_s, noise, clock
        self.rng = random.Random(seed)
        self._start, self._from = 0.0, self.pressure
        self.history: list[str] = []

    def measured(self) -> Decimal:
        """The pressure now (settling towards the set-point while controlling; an indicator: the followed one)."""
        if self.follow is not None:
            return self.follow().quantize(Decimal("0.0001"))
        if self.controlling and self.settle_tau_s > 0:
            elapsed = max(0.0, self.clock() - self._start)
            left = Decimal(str(math.exp(-elapsed / self.settle_tau_s)))
            self.pressure = self.setpoint + (self._from - self.setpoint) * left
        value = self.pressure
        if self.noise:
            value += self.noise * Decimal(self.rng.randint(-100, 100)) / 100
        return value.quantize(Decimal("0.0001"))

    def error_reply(self) -> str:
        """Echoed error-queue entry."""
        return f":SYST:ERR {super().error_reply()}"

    def handle(self, command: str) -> list[str]:
        """PACE headers start with a colon; common commands do not."""
        stripped = command.strip()
        if stripped.startswith(":"):
            stripped = stripped[1:]
        return super().handle(stripped)

    def handle_specific(self, header: str, argument: str) -> list[str]:
        """SENS:PRES?, UNIT:PRES[?], SOUR:PRES[?], OUTP:STAT[?]."""
        if header in ("SOUR:PRES", "OUTP:STAT", "SOUR:PRES:LEV:IMM:AMPL:VENT"):
            self.history.append(f"{header} {argument}".strip())
        if header == "SENS:PRES?":
            if self.settle_tau_s > 0 or self.noise or self.follow is not None:
                return [f":SENS:PRES {self.measured()}"]
            return [f":SENS:PRES {self.pressure}"]
        if header == "SOUR:PRES:LEV:IMM:AMPL:VENT":
            if argument.strip() not in ("0", "1"):
                return self.push_error(-224, "Illegal parameter value")
            if argument.strip() == "1":  # vent: control off, the system opened to atmosphere
                self.controlling, self.vented, self.pressure = False, True, self.atmosphere
            return []
        if header == "SOUR:PRES:LEV:IMM:AMPL:VENT?":
            return [f":SOUR:PRES:LEV:IMM:AMPL:VENT {1 if self.vented else 0}"]
        if header == "UNIT:PRES?":
            return [f":UNIT:PRES {self.unit}"]
        if header == "UNIT:PRES":
            if argument.upper() not in ("MBAR", "BAR", "PA", "KPA", "HPA", "PSI"):
                return self.push_error(-224, "Illegal parameter value")
            self.unit = argument.upper()
            return []
        if header == "SOUR:PRES":
            try:
                value = Decimal(argument)
            except InvalidOperation:
                return self.push_error(-224, "Illegal parameter value")
            if not Decimal(0) <= value <= Decimal(2100):
                return self.push_error(-222, "Data out of range")
            self.setpoint = value
            if self.controlling:  # a new set-point while controlling: settle again from here
                self._start, self._from = self.clock(), self.measured()
                if self.settle_tau_s <= 0:
                    self.pressure = value
            return []
        if header == "SOUR:PRES?":
            return [f":SOUR:PRES {self.setpoint}"]
        if header == "OUTP:STAT":
            if argument.upper() not in ("ON", "OFF", "1", "0"):
                return self.push_error(-224, "Illegal parameter value")
            self.controlling = argument.upper() in ("ON", "1")
            if self.controlling:
                self.vented = False
                self._start, self._from = self.clock(), self.measured()
                if self.settle_tau_s <= 0:
                    self.pressure = self.setpoint
            return []
        if header == "OUTP:STAT?":
            return [f":OUTP:STAT {int(self.controlling)}"]
        return self.push_error(-113, "Undefined header")

    def unrelated_reply(self) -> str:
        """The output state where the pressure was expected."""
        return f":OUTP:STAT {int(self.controlling)}"

"""A simulated MT-SICS balance.

The load is set from the test (``load``, ``stable``) or follows a deterministic drift from the seed.  Special
loads ``"overload"`` and ``"underload"`` make weight commands answer ``S +`` / ``S -``; ``busy`` makes them
answer ``S I``.  Unknown commands answer ``ES``.

>>> sim = MtSicsSimulator(serial_number="B000000001")
>>> sim.handle("I4"), sim.handle("SI"), sim.handle("XYZ")
(['I4 A "B000000001"'], ['S S     100.00 g'], ['ES'])
"""

from __future__ import annotations

import random
from decimal import Decimal

from instruments.simulators.pty import SimulatedInstrument


class MtSicsSimulator(SimulatedInstrument):
    """Balance state plus the MT-SICS command table."""

    stream_period_s = 0.01

    def __init__(self, *, serial_number: str = "B123456789", model: str = "XPE205", seed: int = 0,
                 load: str = "100.00", unit: str = "g", drift_digits: int = 0,
                 drift_rate: float = 0.2) -> None:
        super().__init__()
        self.serial_number = serial_number
        self.model = model
        self.load = load
        self.unit = unit
        self.stable = True
        self.busy = False
        self.tare_value = Decimal("0.00")
        self.rng = random.Random(seed)
        self.drift_digits = drift_digits
        self.drift_rate = drift_rate
        self.offset_digits = 0

    def _weight_text(self) -> str:
        value = Decimal(self.load) - self.tare_value
        if self.drift_digits:
            quantum = Decimal(1).scaleb(value.as_tuple().exponent)  # type: ignore[arg-type]
            value += quantum * self.offset_digits
        return f"{value:>10}"

    def _drift(self) -> bool:
        """With ``drift_digits`` the reading moves now and then (probability ``drift_rate`` per reply) by up
        to that many digits; the reply that moves is dynamic, as a real balance's would be."""
        if not self.drift_digits or self.rng.random() >= self.drift_rate:
            return False
        self.offset_digits = self.rng.randint(-self.drift_digits, self.drift_digits)
        return True

    def _weight(self, reply_id: str, *, immediate: bool) -> str:
        if self.busy:
            return f"{reply_id} I"
        if self.load == "overload":
            return f"{reply_id} +"
        if self.load == "underload":
            return f"{reply_id} -"
        if not immediate and not self.stable:
            return f"{reply_id} I"  # no stable value within the balance's stability timeout
        moved = self._drift()
        status = "S" if self.stable and not moved else "D"
        return f"{reply_id} {status} {self._weight_text()} {self.unit}"

    def handle(self, command: str) -> list[str]:
        """Answer one MT-SICS command line."""
        if self.streaming and command != "SIR":
            self.streaming = False
        if command == "@":
            self.streaming = False
            return [f'I4 A "{self.serial_number}"']
        if command == "I1":
            return ['I1 A "01" "2.00" "2.20" "1.00" "1.50"']
        if command == "I2":
            return [f'I2 A "{self.model} 220.00 {self.unit}"']
        if command == "I3":
            return ['I3 A "1.10 10.28.0.493.142"']
        if command == "I4":
            return [f'I4 A "{self.serial_number}"']
        if command == "S":
            return [self._weight("S", immediate=False)]
        if command == "SI":
            return [self._weight("S", immediate=True)]
        if command == "SIR":
            self.streaming = True
            return []
        if command in ("Z", "ZI"):
            return [self._zero(command)]
        if command in ("T", "TI"):
            return [self._tare(command)]
        if command == "TAC":
            self.tare_value = Decimal("0.00")
            return ["TAC A"]
        if command.startswith("TA "):
            return [self._preset_tare(command)]
        return ["ES"]

    def _zero(self, command: str) -> str:
        if self.busy or (command == "Z" and not self.stable):
            return f"{command} I"
        if self.load == "overload":
            return f"{command} +"
        if self.load == "underload":
            return f"{command} -"
        self.tare_value = Decimal(self.load)
        if command == "Z":
            return "Z A"
        return f"ZI {'S' if self.stable else 'D'}"

    def _tare(self, command: str) -> str:
        if self.busy or (command == "T" and not self.stable):
            return f"{command} I"
        if self.load in ("overload", "underload"):
            return f"{command} {'+' if self.load == 'overload' else '-'}"
        self.tare_value = Decimal(self.load)
        status = "S" if self.stable else "D"
        return f"{command} {status} {self.tare_value:>10} {self.unit}"

    def _preset_tare(self, command: str) -> str:
        parts = command.split()
        if len(parts) != 3 or parts[2] != self.unit:
            return "TA L"
        try:
            self.tare_value = Decimal(parts[1])
        except ArithmeticError:
            return "TA L"
        return f"TA A {self.tare_value:>10} {self.unit}"

    def unrelated_reply(self) -> str:
        """An identification reply where a weight was expected."""
        return f'I4 A "{self.serial_number}"'

    def next_stream_line(self) -> str:
        """One ``SIR`` line."""
        return self._weight("S", immediate=True)

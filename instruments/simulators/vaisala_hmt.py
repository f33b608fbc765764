"""A simulated Vaisala HMT330-class transmitter: ``SEND`` and ``VERS`` (STOP mode, echo off).

>>> sim = VaisalaSimulator(noise_counts=0)
>>> sim.handle("SEND"), sim.handle("VERS")
(["RH=  45.0 %RH T=  23.5 'C"], ['HMT330 / 5.16'])
"""

from __future__ import annotations

import random
from decimal import Decimal

from instruments.simulators.pty import SimulatedInstrument


class VaisalaSimulator(SimulatedInstrument):
    """Room air at ``temperature_c`` and ``humidity_rh`` with a seeded noise of ±``noise_counts`` × 0.1."""

    def __init__(self, *, seed: int = 0, temperature_c: str = "23.5", humidity_rh: str = "45.0",
                 noise_counts: int = 1) -> None:
        super().__init__()
        self.temperature_c = Decimal(temperature_c)
        self.humidity_rh = Decimal(humidity_rh)
        self.noise_counts = noise_counts
        self.rng = random.Random(seed)

    def _noisy(self, value: Decimal) -> Decimal:
        return value + Decimal(self.rng.randint(-self.noise_counts, self.noise_counts)).scaleb(-1)

    def handle(self, command: str) -> list[str]:
        """SEND, VERS; S (stop) is silent; anything else is refused as the transmitter does."""
        word = command.strip().upper()
        if word == "SEND":
            return [f"RH= {self._noisy(self.humidity_rh):5.1f} %RH T= {self._noisy(self.temperature_c):5.1f} 'C"]
        if word == "VERS":
            return ["HMT330 / 5.16"]
        if word == "S":
            return []
        return ["Unknown command"]

    def unrelated_reply(self) -> str:
        """The version line where a reading was expected."""
        return "HMT330 / 5.16"

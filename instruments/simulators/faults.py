"""Deterministic fault injection for simulators.

Every reply the simulator is about to send gets a fault decision from a :class:`random.Random` seeded with
``seed``, drawn in a fixed order, so the same seed and the same conversation give the same faults.  A
``schedule`` pins a fault to a given reply number (1-based) for tests that need one fault at one place.

>>> plan = FaultPlan(Faults(seed=3, drop_rate=0.5))
>>> [plan.decide() for _ in range(6)]
['drop', 'drop', None, 'drop', None, 'drop']
>>> FaultPlan(Faults(schedule={2: "garble"})).decide(), FaultPlan(Faults(schedule={1: "garble"})).decide()
(None, 'garble')

Byte corruption (``corrupt_rate`` on replies, ``command_corrupt_rate`` on commands) models a noisy line: each
byte, terminator included, is corrupted with that probability, three times in four by flipping one of its
eight bits (``1`` → ``9``, ``0`` → ``8``, ``g`` → ``f``: still printable, the case a frame check misses) and
otherwise by a random byte.  It draws from its own generator, so it never shifts the other faults.

>>> plan = FaultPlan(Faults(seed=7, corrupt_rate=0.1))
>>> plan.corrupt(b"S S     100.034 g\\r\\n", plan.faults.corrupt_rate)
b'S S     100.036 g\\r\\n'
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field

KINDS = ("drop", "garble", "noise", "truncate", "wrong")


@dataclass(frozen=True, slots=True)
class Faults:
    """What can go wrong, and how often (rates are probabilities per reply, 0…1)."""

    seed: int = 0
    delay_ms: float = 0.0
    jitter_ms: float = 0.0
    drop_rate: float = 0.0
    garble_rate: float = 0.0
    noise_rate: float = 0.0
    truncate_rate: float = 0.0
    wrong_rate: float = 0.0
    corrupt_rate: float = 0.0
    command_corrupt_rate: float = 0.0
    disconnect_after: int | None = None
    reopen_ms: float | None = None
    schedule: Mapping[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("drop_rate", "garble_rate", "noise_rate", "truncate_rate", "wrong_rate", "corrupt_rate",
                     "command_corrupt_rate"):
            rate = getattr(self, name)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {rate!r}")
        for name in ("delay_ms", "jitter_ms"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)!r}")
        if self.disconnect_after is not None and self.disconnect_after < 1:
            raise ValueError(f"disconnect_after must be >= 1, got {self.disconnect_after!r}")
        for index, kind in self.schedule.items():
            if kind not in KINDS:
                raise ValueError(f"schedule[{index}]: unknown fault {kind!r}; known: {', '.join(KINDS)}")


class FaultPlan:
    """The stateful decision sequence for one simulator run."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self.rng = random.Random(faults.seed)
        self.corrupt_rng = random.Random(f"corrupt-{faults.seed}")
        self.replies = 0

    def decide(self) -> str | None:
        """The fault for the next reply, or None; always consumes the same random draws."""
        self.replies += 1
        f = self.faults
        draws = [self.rng.random() for _ in KINDS]
        if self.replies in f.schedule:
            return f.schedule[self.replies]
        for kind, draw, rate in zip(KINDS, draws, (f.drop_rate, f.garble_rate, f.noise_rate,
                                                   f.truncate_rate, f.wrong_rate), strict=True):
            if draw < rate:
                return kind
        return None

    def delay_s(self) -> float:
        """Delay before the next reply."""
        jitter = self.rng.random() * self.faults.jitter_ms if self.faults.jitter_ms else 0.0
        return (self.faults.delay_ms + jitter) / 1000.0

    def garble(self, payload: bytes) -> bytes:
        """Replace one byte of ``payload`` with a high-bit byte, as a parity or baud mismatch produces."""
        if not payload:
            return payload
        position = self.rng.randrange(len(payload))
        return payload[:position] + bytes([self.rng.randrange(0x80, 0x100)]) + payload[position + 1:]

    def corrupt(self, data: bytes, rate: float) -> bytes:
        """``data`` with each byte corrupted with probability ``rate`` (bit flip or random byte)."""
        if rate <= 0:
            return data
        out = bytearray(data)
        rng = self.corrupt_rng
        for index in range(len(out)):
            if rng.random() < rate:
                if rng.random() < 0.75:
                    out[index] ^= 1 << rng.randrange(8)
                else:
                    out[index] = rng.randrange(256)
        return bytes(out)

    def noise(self) -> bytes:
        """A burst of line noise (no terminator inside)."""
        length = self.rng.randrange(3, 12)
        return bytes(self.rng.choice(b"\x00\x7f\x80\xa5\xfe\xff#?~") for _ in range(length))

    def should_disconnect(self) -> bool:
        """True once ``disconnect_after`` replies have been sent."""
        limit = self.faults.disconnect_after
        return limit is not None and self.replies >= limit

"""Simulator for profile-driven line instruments: answers the poll (or streams) with the profile's lines.

>>> from instruments.drivers.line_profile import LineProfile, bundled_profiles
>>> sim = LineSimulator(LineProfile.load(bundled_profiles()["fluke-1522"]))
>>> sim.handle("read?"), sim.handle("read?")
(['t: 25.587 C'], ['t: 25.588 C'])
"""

from __future__ import annotations

from collections.abc import Callable

from instruments.drivers.line_profile import LineProfile
from instruments.simulators.pty import SimulatedInstrument


class LineSimulator(SimulatedInstrument):
    """Cycles through ``[simulator] lines`` of the profile (or lines from ``generator``)."""

    def __init__(self, profile: LineProfile, *, generator: Callable[[int], str] | None = None,
                 stream_period_s: float | None = None) -> None:
        super().__init__()
        self.profile = profile
        self.reply_terminator = profile.framing.read_terminator
        self.lines = [str(line) for line in profile.simulator.get("lines", [])] or ["0"]
        self.generator = generator
        self.count = 0
        self.request = (profile.request or b"").rstrip(b"\r\n").decode("latin-1")
        self.identity_request = (profile.identity_request or b"").rstrip(b"\r\n").decode("latin-1")
        self.stream_period_s = stream_period_s or float(profile.simulator.get("stream_period_s", 0.1))
        self.streaming = profile.request is None

    def next_line(self) -> str:
        """The next reading line."""
        line = self.generator(self.count) if self.generator else self.lines[self.count % len(self.lines)]
        self.count += 1
        return line

    def handle(self, command: str) -> list[str]:
        """Poll → one line; identity request → the configured identity; anything else is ignored."""
        if self.request and command == self.request:
            return [self.next_line()]
        if self.identity_request and command == self.identity_request:
            return [str(self.profile.simulator.get("identity", "SIM0001"))]
        return []

    def unrelated_reply(self) -> str:
        """The identity line where a reading was expected."""
        return str(self.profile.simulator.get("identity", "SIM0001"))

    def next_stream_line(self) -> str:
        """Streaming instruments send lines unprompted."""
        return self.next_line()

"""Fixtures: simulators on real pseudo-terminals (no hardware, no mocks of the serial layer)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from instruments.simulators.faults import Faults
from instruments.simulators.pty import PtySimulator, SimulatedInstrument

StartSim = Callable[..., PtySimulator]


@pytest.fixture
def start_sim(tmp_path: Path) -> Iterator[StartSim]:
    """Start a simulator on a pty: ``start_sim(instrument, faults=None, link=False)``; stopped at teardown."""
    running: list[PtySimulator] = []

    def start(
        instrument: SimulatedInstrument,
        faults: Faults | None = None,
        *,
        link: bool = False,
        events: list[str] | None = None,
    ) -> PtySimulator:
        sim = PtySimulator(
            instrument,
            faults,
            link=tmp_path / f"ttySIM{len(running)}" if link else None,
            on_event=events.append if events is not None else None,
        )
        sim.start()
        running.append(sim)
        return sim

    yield start
    for sim in running:
        sim.stop()

"""Automated points: wall time per point of :class:`instruments.sequence.SequenceRunner` (issue 18 item 3;
figures in docs/performance.md, "Automated points").

The 5520A and PACE simulators run on pty pairs in this process's threads (as the tests do); the technician's
entry answers at once, so the time measured is the runner's own: set + operate, the stability polls, the n
reference readings, the journal writes and the final standby/vent. ``--poll`` is the stability poll period
(real seconds); a real point adds the instrument's settling time (the stability timeout bounds it).

    .venv/bin/python bench/sequence_bench.py --points 20 --readings 5 --window 5 --poll 0
    .venv/bin/python bench/sequence_bench.py --points 20 --readings 5 --window 5 --poll 0 --uut

``--uut``: the unit under test is read through its own interface instead of typed: a 34401A-class DMM wired
to the calibrator (confirmed ``READ?``: two agreeing values per reading) and a PACE-class indicator on the
controller's manifold (``:UNIT:PRES?`` + ``:SENS:PRES?`` per reading), each on a pty pair of its own.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from instruments.agent.journal import Journal
from instruments.drivers.druck_pace import DruckPace
from instruments.drivers.fluke_5520a import Fluke5520A
from instruments.drivers.scpi_dmm import ScpiMultimeter
from instruments.reading import InstrumentIdentity, Reading, utc_now
from instruments.sequence import CalibratorSource, PressureSource, SequenceRunner, Source, Stability
from instruments.simulators.instruments import CalibratorSimulator, PaceSimulator
from instruments.simulators.pty import PtySimulator
from instruments.simulators.scpi import DmmSimulator


def _entry(n: int):  # type: ignore[no-untyped-def]
    who = InstrumentIdentity("Fluke", "179", "", "")
    seq = iter(range(1, 10**9))
    return lambda index: [Reading("1.000", "V", None, who, next(seq), utc_now(), b"typed") for _ in range(n)]


def run(kind: str, points: int, readings: int, window: int, poll: float, uut: bool = False) -> list[float]:
    source_sim = CalibratorSimulator() if kind == "dcv" else PaceSimulator()
    sim = PtySimulator(source_sim)
    sim.start()
    uut_sim = None
    if uut:
        if isinstance(source_sim, CalibratorSimulator):
            cal = source_sim
            dmm = DmmSimulator(follow=lambda: cal.value if cal.operating else Decimal(0))
            dmm.range, dmm.resolution = Decimal(100), Decimal("0.0001")
            uut_sim = PtySimulator(dmm)
        else:
            pace = source_sim
            uut_sim = PtySimulator(PaceSimulator(follow=lambda: pace.measured() + Decimal("0.02")))
        uut_sim.start()
    per_point: list[float] = []
    try:
        opener = Fluke5520A if kind == "dcv" else DruckPace
        uut_driver = None
        if uut_sim is not None:
            uut_driver = (ScpiMultimeter if kind == "dcv" else DruckPace).open(uut_sim.path)
        with opener.open(sim.path) as instrument, tempfile.TemporaryDirectory() as tmp:
            source: Source = CalibratorSource(instrument) if kind == "dcv" else PressureSource(instrument)  # type: ignore[arg-type]
            journal = Journal(Path(tmp) / "j.sqlite3")
            marks: list[float] = []

            def progress(p):  # type: ignore[no-untyped-def]
                if p.step == "done":
                    marks.append(time.perf_counter())

            runner = SequenceRunner(journal, source, job_number="BENCH", run_id=kind,
                                    stability=Stability(window=window, max_slope_per_s=1, max_spread=1,
                                                        timeout_s=60, poll_s=poll),
                                    readings_per_point=readings, entry=_entry(readings), on_progress=progress,
                                    uut=uut_driver)
            values = [Decimal(1 + i) if kind == "dcv" else Decimal(100 * (i + 1)) for i in range(points)]
            start = time.perf_counter()
            runner.run(values)
            previous = start
            for mark in marks:
                per_point.append(mark - previous)
                previous = mark
            journal.close()
        if uut_driver is not None:
            uut_driver.close()
    finally:
        sim.stop()
        if uut_sim is not None:
            uut_sim.stop()
    return per_point


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=20)
    parser.add_argument("--readings", type=int, default=5)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--poll", type=float, default=0.0)
    parser.add_argument("--uut", action="store_true", help="read the unit under test through its interface")
    args = parser.parse_args()
    for kind in ("dcv", "pressure"):
        times = run(kind, args.points, args.readings, args.window, args.poll, args.uut)
        print(f"{kind}: {len(times)} points, per point median {statistics.median(times) * 1000:.1f} ms, "
              f"max {max(times) * 1000:.1f} ms (window {args.window}, poll {args.poll:g} s, n {args.readings}"
              f"{', unit under test read' if args.uut else ''})")


if __name__ == "__main__":
    main()

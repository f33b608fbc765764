"""Serial instrument benchmark over pty pairs (issue 7; figures in docs/performance.md, "Serial instruments").

Streaming: a simulator in a separate process streams 10-byte frames (``%08d`` + CR LF) paced at the
theoretical frame rate of a 115200 baud 8N1 line (10 bits per character: 1152 frames/s), because a Linux
pty does not enforce the baud rate.  The profile-driven line driver reads them; the benchmark checks that the
frame counter arrives without a gap or a repeat and that the received rate is at least 95 % of the
theoretical rate.

Query-reply: ``SI`` (MT-SICS) and ``READ?`` (SCPI DMM) against ``lims bench simulate`` processes with a reply
delay, with confirmation off (one reply per reading) and on (the default: two agreeing replies per reading); the round trip is reported together with the driver's own CPU time per reading (the simulator runs
in another process, so this process's CPU time is the driver's overhead).

    .venv/bin/python bench/serial_bench.py                 # full run: 100 000 frames, 2000 queries each
    .venv/bin/python bench/serial_bench.py --frames 5000 --queries 200
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from instruments.drivers.base import DriverOptions
from instruments.drivers.line_profile import LineDriver, LineProfile
from instruments.registry import get
from instruments.settings import SerialSettings

BAUD = 115200
FRAME_BYTES = 10
BITS_PER_CHAR = SerialSettings(baudrate=BAUD).bits_per_character()
FRAME_RATE = BAUD / (BITS_PER_CHAR * FRAME_BYTES)
PROFILE = LineProfile.from_mapping({
    "name": "bench-counter", "manufacturer": "bench", "pattern": r"(?P<value>\d{8})", "unit": "count",
    "serial": {"baudrate": BAUD},
    "framing": {"read_terminator": "\\r\\n", "timeout_s": 2.0, "max_frame_bytes": 16},
}, source="bench")


def serve_stream(frames: int) -> None:
    """Child process: stream ``frames`` counter frames paced at the 115200 baud frame rate."""
    from instruments.simulators.line import LineSimulator
    from instruments.simulators.pty import PtySimulator

    instrument = LineSimulator(PROFILE, generator=lambda i: f"{i % 10**8:08d}",
                               stream_period_s=1 / FRAME_RATE)
    instrument.streaming = False  # start when the reader is ready (SIGUSR1)
    sim = PtySimulator(instrument)

    def go(signum: int, frame: object) -> None:
        sim._stream_t0, sim._stream_n = time.monotonic(), 0
        instrument.streaming = True
        sim.wake()

    signal.signal(signal.SIGUSR1, go)  # before the path is printed: the parent signals right after
    print(sim.start(), flush=True)
    while instrument.count < frames:
        time.sleep(0.05)
    instrument.streaming = False
    time.sleep(2)
    sim.stop()


def bench_stream(frames: int) -> dict[str, float]:
    child = subprocess.Popen([sys.executable, __file__, "--serve-stream", str(frames)],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    path = child.stdout.readline().strip()
    driver = LineDriver.open_profile(path, PROFILE)
    os.kill(child.pid, signal.SIGUSR1)
    expected = 0
    lost = duplicated = 0
    before = os.times()
    first = last = 0.0
    for i in range(frames):
        reading = driver.read()
        now = time.monotonic()
        if i == 0:
            first = now
        last = now
        value = int(reading.value_text)
        if value < expected:
            duplicated += 1
        elif value > expected:
            lost += value - expected
        expected = value + 1
    after = os.times()
    driver.close()
    child.wait(timeout=30)
    child.stdout.close()
    rate = (frames - 1) / (last - first)
    return {"frames": frames, "elapsed_s": last - first, "rate": rate, "theoretical": FRAME_RATE,
            "percent": 100 * rate / FRAME_RATE, "lost": lost, "duplicated": duplicated,
            "user_us_per_frame": 1e6 * (after.user - before.user) / frames,
            "system_us_per_frame": 1e6 * (after.system - before.system) / frames}


def bench_query(driver_name: str, queries: int, delay_ms: float, *, confirm: bool) -> dict[str, float]:
    lims = Path(sys.executable).with_name("lims")
    child = subprocess.Popen([str(lims), "bench", "simulate", "--driver", driver_name, "--delay-ms",
                              str(delay_ms)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    path = child.stdout.readline().strip()
    driver = get(driver_name).open(path, options=DriverOptions(confirm=confirm))
    for _ in range(20):
        driver.read()  # warm-up
    round_trips = []
    before = os.times()
    for _ in range(queries):
        t0 = time.perf_counter()
        driver.read()
        round_trips.append(time.perf_counter() - t0)
    after = os.times()
    user, system = after.user - before.user, after.system - before.system
    driver.close()
    child.terminate()
    child.wait(timeout=10)
    child.stdout.close()
    return {"queries": queries, "delay_ms": delay_ms, "median_ms": 1e3 * statistics.median(round_trips),
            "p95_ms": 1e3 * sorted(round_trips)[int(0.95 * len(round_trips))],
            "overhead_ms": 1e3 * statistics.median(round_trips) - delay_ms,
            "user_ms_per_reading": 1e3 * user / queries, "system_ms_per_reading": 1e3 * system / queries}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--delay-ms", type=float, default=2.0)
    parser.add_argument("--serve-stream", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_stream:
        serve_stream(args.serve_stream)
        return
    s = bench_stream(args.frames)
    print(f"streaming: {s['frames']:.0f} frames of {FRAME_BYTES} bytes in {s['elapsed_s']:.1f} s: "
          f"{s['rate']:.1f} frames/s = {s['percent']:.2f} % of {s['theoretical']:.1f} (115200 8N1); "
          f"lost {s['lost']:.0f}, duplicated {s['duplicated']:.0f}; driver CPU per frame "
          f"{s['user_us_per_frame']:.1f} µs user + {s['system_us_per_frame']:.1f} µs kernel")
    for name, command in (("mt-sics", "SI"), ("scpi-dmm", "READ?")):
        for delay, confirm in ((0.0, False), (args.delay_ms, False), (0.0, True), (args.delay_ms, True)):
            q = bench_query(name, args.queries, delay, confirm=confirm)
            print(f"{command:6} {name:9} confirm {'on ' if confirm else 'off'} sim delay {delay:4.1f} ms: "
                  f"round trip median {q['median_ms']:.3f} ms, "
                  f"p95 {q['p95_ms']:.3f} ms; driver CPU per reading {q['user_ms_per_reading']:.3f} ms user "
                  f"+ {q['system_ms_per_reading']:.3f} ms kernel (pty)")
    ok = s["percent"] >= 95 and s["lost"] == 0 and s["duplicated"] == 0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

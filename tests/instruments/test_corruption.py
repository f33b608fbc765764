"""Issue 18, "Done when": no wrong number at 1 % byte corruption, 5 seeds × 100 readings per driver.

The simulators corrupt 1 % of the bytes on the line in both directions (replies and commands; three in four
by a single bit flip, which keeps ``1``→``9`` or ``g``→``f`` printable), and keep, for every reply, the line
they meant to send.  A reading is wrong when it does not come from a reply the instrument really sent:

* MT-SICS: the accepted frame must be, byte for byte, an uncorrupted stable reply (so its value and unit are
  the balance's); its unit must be ``g``.
* SCPI multimeter: the value must lie within the confirmation tolerance (4 counts of the 10 µV resolution on
  the 10 V range: 40 µV) of a value the multimeter really sent.

Before confirmation and the plausibility checks, the same runs stored 4–19 wrong values per 200 readings.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from instruments.acquisition import Fault, acquire
from instruments.drivers.base import Backoff, DriverOptions
from instruments.drivers.mt_sics import MtSicsBalance
from instruments.drivers.scpi_dmm import ScpiMultimeter
from instruments.errors import InstrumentError
from instruments.numbers import is_decimal
from instruments.reading import Reading
from instruments.settings import Framing
from instruments.simulators.faults import Faults
from instruments.simulators.mt_sics import MtSicsSimulator
from instruments.simulators.scpi import DmmSimulator

SEEDS = (1, 2, 3, 4, 5)
READINGS = 100
RATE = 0.01
RETRY = DriverOptions(connect_retry=Backoff(initial_s=0.05, factor=2.0, max_s=0.2, max_attempts=8))


def corrupted_line(seed: int) -> Faults:
    return Faults(seed=seed, corrupt_rate=RATE, command_corrupt_rate=RATE)


def collect(driver: MtSicsBalance | ScpiMultimeter) -> tuple[list[Reading], list[Fault]]:
    driver.resync_quiet_s = 0.05  # type: ignore[misc]  # a pty answers in microseconds
    readings: list[Reading] = []
    faults: list[Fault] = []
    for item in acquire(driver, count=READINGS, max_consecutive_faults=50):
        (readings if isinstance(item, Reading) else faults).append(item)
    return readings, faults


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_mt_sics_stable_weights_never_wrong(start_sim, seed: int) -> None:
    instrument = MtSicsSimulator(load="100.034", seed=seed, drift_digits=2, drift_rate=0.05)
    sim = start_sim(instrument, corrupted_line(seed))
    retries: list[InstrumentError] = []
    options = DriverOptions(connect_retry=RETRY.connect_retry, on_retry=lambda n, exc: retries.append(exc))
    framing = Framing(b"\r\n", b"\r\n", timeout_s=0.15, max_frame_bytes=128)
    with MtSicsBalance.open(sim.path, framing=framing, options=options) as balance:
        assert balance.identity is not None and balance.identity.serial_number == "B123456789"
        assert balance.identity.model == "XPE205" and balance.capacity == Decimal("220.00")
        readings, faults = collect(balance)

    true_frames = {line.encode() + b"\r\n" for line, _ in sim.sent if line.startswith("S S ")}
    wrong_values = [r for r in readings if r.raw not in true_frames]
    wrong_units = [r for r in readings if r.unit != "g"]
    assert (len(readings), wrong_values, wrong_units) == (READINGS, [], [])
    assert [r.seq for r in readings] == list(range(1, READINGS + 1))
    assert all(r.stable for r in readings)
    corrupted = sum(1 for line, wire in sim.sent if wire != line.encode() + b"\r\n")
    assert corrupted > 10 and faults  # the line really was noisy, and the noise was reported
    assert all(getattr(f.error, "raw", b"") or type(f.error).__name__ == "InstrumentTimeout" for f in faults)


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_scpi_dmm_values_within_confirmation_tolerance(start_sim, seed: int) -> None:
    sim = start_sim(DmmSimulator(seed=seed), corrupted_line(seed))
    framing = Framing(b"\r\n", b"\n", timeout_s=0.15, max_frame_bytes=64)
    with ScpiMultimeter.open(sim.path, framing=framing, options=RETRY) as dmm:
        assert (dmm.unit, dmm.range, dmm.resolution) == ("V", Decimal(10), Decimal("0.00001"))
        tolerance = dmm.confirmation_tolerance
        assert tolerance == Decimal("0.00004")  # 4 counts × 10 µV, worked out by hand
        readings, faults = collect(dmm)

    sent_values = [Decimal(line) for line, _ in sim.sent if is_decimal(line)]
    off = [r for r in readings if min(abs(r.value - v) for v in sent_values) > tolerance]
    assert (len(readings), off) == (READINGS, [])
    assert all(r.unit == "V" for r in readings)
    corrupted = sum(1 for line, wire in sim.sent if wire != line.encode() + b"\r\n")
    assert corrupted > 10 and faults


@pytest.mark.slow
def test_without_confirmation_the_same_line_gives_wrong_numbers(start_sim) -> None:
    """The two tests above can fail: with confirmation off (plausibility checks still on) wrong weights and
    voltages get through on the same noisy line."""
    options = DriverOptions(confirm=False, connect_retry=RETRY.connect_retry)
    sim = start_sim(MtSicsSimulator(load="100.034", seed=1), corrupted_line(1))
    framing = Framing(b"\r\n", b"\r\n", timeout_s=0.15, max_frame_bytes=128)
    with MtSicsBalance.open(sim.path, framing=framing, options=options) as balance:
        readings, _ = collect(balance)
    true_frames = {line.encode() + b"\r\n" for line, _ in sim.sent if line.startswith("S S ")}
    assert [r.value_text for r in readings if r.raw not in true_frames]

    sim = start_sim(DmmSimulator(seed=1), corrupted_line(1))
    framing = Framing(b"\r\n", b"\n", timeout_s=0.15, max_frame_bytes=64)
    with ScpiMultimeter.open(sim.path, framing=framing, options=options) as dmm:
        readings, _ = collect(dmm)
    sent_values = [Decimal(line) for line, _ in sim.sent if is_decimal(line)]
    assert [r for r in readings if min(abs(r.value - v) for v in sent_values) > Decimal("0.00004")]

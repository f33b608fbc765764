"""Issue 18 item 1: what a driver accepts. Each case is a reply the line could really produce (a single bit
flip keeps ``1``→``9``, ``0``→``8``, ``g``→``f`` printable) and must be a fault, never a reading."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from instruments.drivers.base import Backoff, DriverOptions
from instruments.drivers.druck_pace import DruckPace
from instruments.drivers.fluke_1529 import Fluke1529
from instruments.drivers.fluke_5520a import Fluke5520A
from instruments.drivers.line_profile import LineDriver, LineProfile
from instruments.drivers.mt_sics import MtSicsBalance
from instruments.drivers.scpi_dmm import ScpiMultimeter
from instruments.errors import ConnectFailed, Implausible, InstrumentError, NotStable, Unconfirmed
from instruments.settings import Framing
from instruments.simulators.instruments import CalibratorSimulator, PaceSimulator, ThermometerSimulator
from instruments.simulators.line import LineSimulator
from instruments.simulators.mt_sics import MtSicsSimulator
from instruments.simulators.pty import PtySimulator
from instruments.simulators.scpi import DmmSimulator

BALANCE = Framing(b"\r\n", b"\r\n", timeout_s=0.3, max_frame_bytes=128)
DMM = Framing(b"\r\n", b"\n", timeout_s=0.3, max_frame_bytes=64)
QUICK = Backoff(initial_s=0.01, max_attempts=2)


def replies(instrument: MtSicsSimulator | DmmSimulator, command: str, lines: list[str]) -> None:
    """Answer ``command`` with ``lines`` in turn (then the simulator's own answers)."""
    original: Callable[[str], list[str]] = instrument.handle
    queue = list(lines)

    def handle(received: str) -> list[str]:
        if received == command and queue:
            return [queue.pop(0)]
        return original(received)

    instrument.handle = handle  # type: ignore[method-assign]


# -- MT-SICS -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("S S     100.034 f", "unit 'f' is not the balance's unit 'g'"),
        ("S S     900.051 g", "beyond the capacity 220.00 g"),
        ("S S    0100.034 g", "not in the MT-SICS number format"),
    ],
)
def test_balance_rejects_implausible_weights(start_sim, reply: str, reason: str) -> None:
    instrument = MtSicsSimulator(load="100.034")
    sim = start_sim(instrument)
    with MtSicsBalance.open(sim.path, framing=BALANCE) as balance:
        replies(instrument, "SI", [reply])
        with pytest.raises(Implausible, match=reason) as info:
            balance.read()
        assert info.value.raw == reply.encode() + b"\r\n"
        reading = balance.read()
    assert (reading.value_text, reading.unit, reading.seq) == ("100.034", "g", 1)


def test_balance_confirms_two_identical_stable_replies(start_sim) -> None:
    instrument = MtSicsSimulator(load="100.034")
    sim = start_sim(instrument)
    with MtSicsBalance.open(sim.path, framing=BALANCE) as balance:
        # 108.034 is a bit flip of 100.034 within capacity: only confirmation can catch it
        replies(instrument, "SI", ["S D    100.031 g", "S S    100.034 g", "S S    108.034 g"])
        with pytest.raises(Unconfirmed) as info:
            balance.read()
        assert (info.value.first_raw, info.value.raw) == (b"S S    100.034 g\r\n", b"S S    108.034 g\r\n")
        assert instrument.commands.count("SI") == 3  # the dynamic reply was waited through
        with pytest.raises(Unconfirmed):
            balance.read()  # 108.034 (candidate) against 100.034
        reading = balance.read()
    assert reading.value_text == "100.034" and reading.seq == 1 and reading.stable
    assert instrument.commands.count("SI") == 5


def test_balance_unconfirmed_candidate_is_compared_with_the_next_reply(start_sim) -> None:
    instrument = MtSicsSimulator(load="100.034")
    sim = start_sim(instrument)
    with MtSicsBalance.open(sim.path, framing=BALANCE) as balance:
        replies(instrument, "SI", ["S S     100.034 g", "S S     108.034 g"])
        outcomes: list[str] = []
        for _ in range(3):
            try:
                outcomes.append(balance.read().value_text)
            except Unconfirmed as exc:
                outcomes.append(exc.raw.decode().split()[2])
    # pair (100.034, 108.034) refused; pair (108.034, 100.034) refused; pair (100.034, 100.034) accepted
    assert outcomes == ["108.034", "100.034", "100.034"]


def test_balance_waits_through_dynamic_weights_then_gives_up(start_sim) -> None:
    instrument = MtSicsSimulator()
    instrument.stable = False
    sim = start_sim(instrument)
    with MtSicsBalance.open(sim.path, framing=BALANCE) as balance:
        balance.stable_timeout_s = 0.3  # type: ignore[misc]
        with pytest.raises(NotStable) as info:
            balance.read()
    assert info.value.raw.startswith(b"S D")


def test_balance_identity_asked_again_until_two_answers_agree(start_sim) -> None:
    instrument = MtSicsSimulator(serial_number="B123456789")
    replies(instrument, "I4", ['I4 A "B123456709"'])  # a bit flip in the serial number
    sim = start_sim(instrument)
    heard: list[InstrumentError] = []
    with MtSicsBalance.open(sim.path, framing=BALANCE, options=DriverOptions(on_fault=heard.append)) as balance:
        assert balance.identity is not None and balance.identity.serial_number == "B123456789"
    assert [type(e).__name__ for e in heard] == ["Unconfirmed"]


def test_balance_in_the_stations_unit_has_its_capacity_converted(start_sim) -> None:
    instrument = MtSicsSimulator(load="0.100034", unit="kg")
    replies(instrument, "I2", ['I2 A "XPE205 220.00 g"', 'I2 A "XPE205 220.00 g"'])
    sim = start_sim(instrument)
    with MtSicsBalance.open(sim.path, framing=BALANCE, options=DriverOptions(unit="kg")) as balance:
        assert balance.capacity == Decimal("0.22")  # 220.00 g ÷ 1000 g/kg
        assert balance.read().unit == "kg"


def test_connect_gives_up_after_the_bounded_tries(start_sim) -> None:
    instrument = MtSicsSimulator()
    instrument.handle = lambda command: ["ES"]  # type: ignore[method-assign]
    sim = start_sim(instrument)
    tries: list[int] = []
    options = DriverOptions(connect_retry=QUICK, on_retry=lambda n, exc: tries.append(n))
    with pytest.raises(ConnectFailed) as info:
        MtSicsBalance.open(sim.path, framing=BALANCE, options=options)
    assert tries == [1, 2, 3] and info.value.attempts == 3


# -- SCPI multimeter ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        ("+1.00002000E+08", "beyond the 10.00000 V range"),  # exponent bit flip 0 -> 8
        ("+1.0000200E+00", "reading format"),  # a digit lost
        ("+0.00002000E+00", "reading format"),  # leading digit flipped 1 -> 0: not normalised
    ],
)
def test_dmm_rejects_implausible_numbers(start_sim, reply: str, reason: str) -> None:
    instrument = DmmSimulator(seed=1)
    sim = start_sim(instrument)
    with ScpiMultimeter.open(sim.path, framing=DMM) as dmm:
        replies(instrument, "READ?", [reply])
        with pytest.raises(Implausible, match=reason):
            dmm.read()
        assert dmm.read().seq == 1


def test_dmm_confirmation_tolerance_is_four_counts(start_sim) -> None:
    # 10 V range at 6½ digits: resolution 10 µV; tolerance 4 × 10 µV = 40 µV.  1.00000 V then 1.00004 V
    # agree (40 µV); 1.00004 V then 1.00009 V do not (50 µV); 1.00009 V then 1.00009 V agree.
    instrument = DmmSimulator()
    sim = start_sim(instrument)
    with ScpiMultimeter.open(sim.path, framing=DMM) as dmm:
        assert dmm.confirmation_tolerance == Decimal("0.00004")
        replies(instrument, "READ?", ["+1.00000000E+00", "+1.00004000E+00", "+1.00004000E+00",
                                      "+1.00009000E+00", "+1.00009000E+00"])
        assert dmm.read().value_text == "+1.00004000E+00"
        with pytest.raises(Unconfirmed):
            dmm.read()
        assert dmm.read().value_text == "+1.00009000E+00"


def test_dmm_configuration_is_read_back(start_sim) -> None:
    instrument = DmmSimulator()
    sim = start_sim(instrument)
    with ScpiMultimeter.open(sim.path, framing=DMM) as dmm:
        dmm.configure("RES", range_=Decimal("1000"))
        assert (dmm.unit, dmm.range, dmm.resolution) == ("Ohm", Decimal(1000), Decimal("0.001"))
        assert dmm.read().unit == "Ohm"


# -- calibrator, pressure controller, thermometer readout, line profiles ------------------------------------
def test_calibrator_readback_must_be_the_output_set(start_sim) -> None:
    instrument = CalibratorSimulator()
    sim = start_sim(instrument)
    with Fluke5520A.open(sim.path, framing=Fluke5520A.default_framing.with_timeout(0.3)) as cal:
        cal.set_output(Decimal("10"), "V")
        assert cal.read().value_text == "1.0000000E+01"
        instrument.value = Decimal("18")  # what a garbled OUT? would show
        with pytest.raises(Implausible, match="set to 10 V"):
            cal.read()


def test_pressure_unit_change_is_refused(start_sim) -> None:
    instrument = PaceSimulator()
    sim = start_sim(instrument)
    with DruckPace.open(sim.path, framing=DruckPace.default_framing.with_timeout(0.3)) as pace:
        assert pace.unit == "MBAR" and pace.read().unit == "MBAR"
        instrument.unit = "MBAP"
        with pytest.raises(Implausible, match="not 'MBAR'"):
            pace.read()


def test_thermometer_below_absolute_zero_is_refused(start_sim) -> None:
    instrument = ThermometerSimulator()
    instrument.temperature[1] = Decimal("-973.1500")  # '2' -> '9' on the line
    sim = start_sim(instrument)
    framing = Fluke1529.default_framing.with_timeout(0.3)
    with Fluke1529.open(sim.path, framing=framing) as thermometer, pytest.raises(Implausible, match="absolute"):
        thermometer.fetch()


def test_line_profile_range_and_station_unit() -> None:
    profile = LineProfile.from_mapping(
        {"name": "gauge", "pattern": r"(?P<value>[0-9.]+) (?P<unit>kPa|bar)", "request": "R\r\n",
         "range": {"minimum": "0", "maximum": "700"}, "simulator": {"lines": ["101.3 kPa"]}},
        source="<test>",
    )
    assert (profile.minimum, profile.maximum) == (Decimal(0), Decimal(700))
    simulator = LineSimulator(profile)

    with PtySimulator(simulator) as sim:
        simulator.lines = ["901.3 kPa", "101.3 bar", "101.3 kPa"]
        with LineDriver.open_profile(sim.path, profile, options=DriverOptions(unit="kPa")) as driver:
            with pytest.raises(Implausible, match="outside the instrument's range 0 to 700"):
                driver.read()
            with pytest.raises(Implausible, match="not the station's unit 'kPa'"):
                driver.read()
            assert driver.read().value_text == "101.3"

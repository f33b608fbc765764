"""Calibrator, thermometer readout and pressure controller against their pty simulators."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest

from instruments.drivers.druck_pace import DruckPace
from instruments.drivers.fluke_1529 import Fluke1529
from instruments.drivers.fluke_5520a import Fluke5520A
from instruments.errors import ErrorReply, MalformedFrame, StaleReading, UnexpectedReply
from instruments.settings import Framing
from instruments.simulators.faults import Faults
from instruments.simulators.instruments import CalibratorSimulator, PaceSimulator, ThermometerSimulator


def fast(driver: type) -> Framing:
    return driver.default_framing.with_timeout(0.5)


# -- Fluke 5520A -------------------------------------------------------------------------------------------
def test_calibrator_sources_and_reads_back(start_sim) -> None:
    instrument = CalibratorSimulator()
    sim = start_sim(instrument)
    with Fluke5520A.open(sim.path, framing=fast(Fluke5520A)) as cal:
        assert instrument.commands[:2] == ["REMOTE", "*CLS"]
        assert cal.identity is not None and cal.identity.serial_number == "8675309"
        cal.set_output(Decimal("10"), "V", Decimal("1000"))
        cal.operate()
        assert cal.is_operating()
        reading = cal.read()
        assert (reading.value_text, reading.unit) == ("1.0000000E+01", "V")
        cal.standby()
        assert not cal.is_operating()
        cal.operate()
    # closing puts the calibrator in standby before handing back local control
    assert sim.wait_for_command("LOCAL")
    assert instrument.commands[-2:] == ["STBY", "LOCAL"]
    assert not instrument.operating


def test_calibrator_refused_output_goes_to_standby(start_sim) -> None:
    instrument = CalibratorSimulator()
    sim = start_sim(instrument)
    with Fluke5520A.open(sim.path, framing=fast(Fluke5520A)) as cal:
        cal.set_output(Decimal("1"), "V")
        cal.operate()
        with pytest.raises(ErrorReply, match="Data out of range"):
            cal.set_output(Decimal("2000"), "V")
        assert sim.wait_for_command("STBY")
        assert not instrument.operating
        with pytest.raises(ValueError, match="unit must be one of"):
            cal.set_output(Decimal("1"), "W")


# -- Fluke 1529 --------------------------------------------------------------------------------------------
def test_thermometer_extended_format_gives_value_and_unit(start_sim) -> None:
    instrument = ThermometerSimulator(seed=1)
    sim = start_sim(instrument)
    with Fluke1529.open(sim.path, framing=fast(Fluke1529)) as thermometer:
        assert "FORM:STAM ON" in instrument.commands
        thermometer.select_channel(2)
        reading = thermometer.read()
        assert reading.unit == "C" and abs(reading.value - Decimal("0.0100")) < Decimal("0.001")
        assert reading.raw.startswith(b"1,2,")
        assert thermometer.identity is not None and thermometer.identity.serial_number == "A1B234"


def test_thermometer_stale_and_wrong_channel_are_refused(start_sim) -> None:
    instrument = ThermometerSimulator()
    sim = start_sim(instrument)
    with Fluke1529.open(sim.path, framing=fast(Fluke1529)) as thermometer:
        instrument.stale = True
        with pytest.raises(StaleReading):
            thermometer.fetch()
        thermometer.new_reading_timeout_s = 0.3
        started = time.monotonic()
        with pytest.raises(StaleReading):
            thermometer.read()  # polls for a new measurement, then gives up
        assert time.monotonic() - started >= 0.3
        threading.Timer(0.25, lambda: setattr(instrument, "stale", False)).start()
        thermometer.new_reading_timeout_s = 5
        assert thermometer.read().seq == 1  # the next new measurement, after polling
        assert instrument.commands.count("FETC? 1") >= 4
        instrument.handle = lambda command: [instrument.unrelated_reply()]  # type: ignore[method-assign]
        with pytest.raises(UnexpectedReply, match="channel 4"):
            thermometer.read()
        del instrument.handle
        with pytest.raises(ValueError, match="channel must be 1 to 4"):
            thermometer.select_channel(5)
        assert thermometer.read().seq == 2


def test_thermometer_garbled_reply_rejected(start_sim) -> None:
    # replies: *IDN? twice, SYST:ERR? (connect), SYST:ERR? (FORM:STAM), UNIT:TEMP? twice, then FETC?
    sim = start_sim(ThermometerSimulator(), Faults(seed=9, schedule={7: "garble"}))
    with Fluke1529.open(sim.path, framing=fast(Fluke1529)) as thermometer:
        with pytest.raises(MalformedFrame):
            thermometer.read()
        assert thermometer.read().seq == 1


# -- Druck PACE --------------------------------------------------------------------------------------------
def test_pace_reads_pressure_with_unit_from_instrument(start_sim) -> None:
    instrument = PaceSimulator()
    sim = start_sim(instrument)
    with DruckPace.open(sim.path, framing=fast(DruckPace)) as pace:
        assert pace.identity is not None and pace.identity.serial_number == "3537315"
        reading = pace.read()
        assert (reading.value_text, reading.unit) == ("1013.2500", "MBAR")
        assert reading.raw == b":SENS:PRES 1013.2500\r\n"
        pace.set_setpoint(Decimal("2000.5"))
        pace.set_control(True)
        assert pace.is_controlling()
        assert pace.read().value_text == "2000.5"


def test_pace_refused_setpoint_and_wrong_echo(start_sim) -> None:
    instrument = PaceSimulator()
    sim = start_sim(instrument)
    with DruckPace.open(sim.path, framing=fast(DruckPace)) as pace:
        with pytest.raises(ErrorReply, match="-222"):
            pace.set_setpoint(Decimal("5000"))
        instrument.handle = lambda command: [":OUTP:STAT 0"]  # type: ignore[method-assign]
        with pytest.raises(UnexpectedReply, match="does not echo"):
            pace.pressure_unit()
        instrument.handle = lambda command: ["1013.25"]  # type: ignore[method-assign]
        with pytest.raises(MalformedFrame):
            pace.pressure_unit()

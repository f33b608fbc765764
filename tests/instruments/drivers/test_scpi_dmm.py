"""SCPI multimeter against the pty 34401A simulator: IEEE 488.2 basics, error queue, faults."""

from __future__ import annotations

from decimal import Decimal

import pytest

from instruments.drivers.base import Backoff, DriverOptions
from instruments.drivers.scpi_dmm import ScpiMultimeter
from instruments.errors import ConnectFailed, ErrorReply, InstrumentTimeout, MalformedFrame, OutOfRange
from instruments.settings import Framing
from instruments.simulators.faults import Faults
from instruments.simulators.scpi import DmmSimulator

FAST = Framing(b"\r\n", b"\n", timeout_s=0.5, max_frame_bytes=64)
NO_WAIT = DriverOptions(connect_retry=Backoff(initial_s=0.01, max_attempts=1))


def open_dmm(path: str) -> ScpiMultimeter:
    return ScpiMultimeter.open(path, framing=FAST)


def test_connect_sends_remote_then_clears_and_identifies(start_sim) -> None:
    instrument = DmmSimulator(idn="HEWLETT-PACKARD,34401A,3146A12345,11-5-2")
    sim = start_sim(instrument)
    with open_dmm(sim.path) as dmm:
        assert instrument.commands[:3] == ["SYST:REM", "*CLS", "*IDN?"]
        assert dmm.identity is not None and dmm.identity.serial_number == "3146A12345"
        assert dmm.unit == "V"
    assert sim.wait_for_command("SYST:LOC")


def test_read_keeps_nr3_text_exactly(start_sim) -> None:
    sim = start_sim(DmmSimulator(seed=4))
    with open_dmm(sim.path) as dmm:
        reading = dmm.read()
    assert reading.raw == reading.value_text.encode() + b"\r\n"
    assert reading.value_text.startswith(("+", "-")) and "E" in reading.value_text
    assert reading.value == Decimal(reading.value_text)
    assert reading.unit == "V" and reading.stable is None


@pytest.mark.parametrize(
    ("function", "range_", "unit"),
    [("DCV", "10", "V"), ("ACV", "10", "V"), ("DCI", "1", "A"), ("ACI", "1", "A"), ("RES", "1000", "Ohm"),
     ("FRES", "1000", "Ohm")],
)
def test_configure_each_function(start_sim, function: str, range_: str, unit: str) -> None:
    instrument = DmmSimulator()
    sim = start_sim(instrument)
    with open_dmm(sim.path) as dmm:
        dmm.configure(function, range_=Decimal(range_), resolution="MAX")
        assert dmm.range == Decimal(range_) and dmm.resolution == Decimal(range_) / 10**4
        assert dmm.read().unit == unit
        assert dmm.configured_unit() == unit


def test_refused_configuration_is_reported_from_the_error_queue(start_sim) -> None:
    sim = start_sim(DmmSimulator())
    with open_dmm(sim.path) as dmm:
        with pytest.raises(ErrorReply) as info:
            dmm.configure("DCV", range_=Decimal("5000"))
        assert info.value.code == "-222"
        assert "Data out of range" in info.value.message
        assert dmm.error_queue() == []  # drained


def test_whole_queue_is_drained_and_reported(start_sim) -> None:
    instrument = DmmSimulator()
    sim = start_sim(instrument)
    with open_dmm(sim.path) as dmm:
        dmm.send("BOGUS")
        dmm.send("CONF:VOLT:DC 9999")
        with pytest.raises(ErrorReply) as info:
            dmm.check_errors("BOGUS; CONF:VOLT:DC 9999")
    assert info.value.message == "-113 Undefined header; -222 Data out of range"


def test_without_remote_the_instrument_refuses(start_sim) -> None:
    instrument = DmmSimulator()
    sim = start_sim(instrument)
    ScpiMultimeter.remote_command = None
    try:
        with pytest.raises(ConnectFailed, match="not in remote") as info:
            ScpiMultimeter.open(sim.path, framing=FAST, options=NO_WAIT)
        assert isinstance(info.value.last, ErrorReply) and info.value.attempts == 2
    finally:
        ScpiMultimeter.remote_command = "SYST:REM"


def test_overload_is_out_of_range(start_sim) -> None:
    instrument = DmmSimulator()
    sim = start_sim(instrument)
    with open_dmm(sim.path) as dmm:
        instrument.overload = True
        with pytest.raises(OutOfRange, match="overload"):
            dmm.read()


def test_bad_arguments_are_refused_before_writing(start_sim) -> None:
    instrument = DmmSimulator()
    sim = start_sim(instrument)
    with open_dmm(sim.path) as dmm:
        before = list(instrument.commands)
        with pytest.raises(ValueError, match="function must be one of"):
            dmm.configure("OHMS")
        with pytest.raises(ValueError, match="range must be positive"):
            dmm.configure("DCV", range_=Decimal("-1"))
        with pytest.raises(ValueError, match="resolution needs a range"):
            dmm.configure("DCV", resolution=Decimal("0.001"))
        assert instrument.commands == before


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("drop", InstrumentTimeout),
        ("truncate", InstrumentTimeout),
        ("garble", MalformedFrame),
        ("noise", MalformedFrame),
        ("wrong", MalformedFrame),
    ],
)
def test_faults_never_become_numbers(start_sim, fault: str, error: type[Exception]) -> None:
    # replies 1-5: *IDN? twice, SYST:ERR?, CONF? twice; reply 6 is the READ? under test
    sim = start_sim(DmmSimulator(), Faults(seed=5, schedule={6: fault}))
    with open_dmm(sim.path) as dmm:
        with pytest.raises(error):
            dmm.read()
        assert dmm.read().seq == 1

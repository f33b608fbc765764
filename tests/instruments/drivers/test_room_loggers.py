"""Room-condition loggers (issue 18 item 4, instrument side): Vaisala ``SEND`` line protocol and a generic
Modbus RTU register driver, against their pty simulators, with faults."""

from __future__ import annotations

from decimal import Decimal

import pytest

from instruments import registry
from instruments.acquisition import Fault, acquire
from instruments.drivers.base import Backoff, DriverOptions
from instruments.drivers.modbus_rtu import ModbusRtuDriver, RegisterMap, RegisterQuantity, request_frame
from instruments.drivers.vaisala_hmt import VaisalaHmt
from instruments.errors import (
    ConnectFailed,
    ErrorReply,
    Implausible,
    InstrumentTimeout,
    MalformedFrame,
    UnexpectedReply,
)
from instruments.reading import Reading
from instruments.simulators.faults import Faults
from instruments.simulators.modbus_rtu import ModbusRtuSimulator
from instruments.simulators.vaisala_hmt import VaisalaSimulator
from instruments.transport import SerialTransport

VAISALA = VaisalaHmt.default_framing.with_timeout(0.3)
MODBUS = ModbusRtuDriver.default_framing.with_timeout(0.3)
RETRY = DriverOptions(connect_retry=Backoff(initial_s=0.02, max_s=0.1, max_attempts=8))


# -- Vaisala -----------------------------------------------------------------------------------------------
def test_vaisala_send_gives_humidity_and_temperature_as_sent(start_sim) -> None:
    sim = start_sim(VaisalaSimulator(noise_counts=0))
    with VaisalaHmt.open(sim.path, framing=VAISALA) as logger:
        assert logger.identity is not None
        assert (logger.identity.manufacturer, logger.identity.model, logger.identity.firmware) == (
            "Vaisala", "HMT330", "5.16")
        rh, t = logger.read_all()
    assert (rh.value_text, rh.unit, t.value_text, t.unit) == ("45.0", "%RH", "23.5", "C")
    assert rh.raw == t.raw == b"RH=  45.0 %RH T=  23.5 'C\r\n"
    assert (rh.seq, t.seq) == (1, 2)


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("RH= 145.0 %RH T=  23.5 'C", Implausible),  # '4' -> '1' ... beyond 100 %RH
        ("RH=  45.0 %RH T=  23.5 'F", Implausible),  # 'C' -> 'F': not the station's unit
        ("RH=  45.0 %RH T= 923.5 'C", Implausible),  # beyond the probe's range
        ("RH=  45.0 %RH", MalformedFrame),  # temperature missing
        ("RH=  45.0 %RH T=  23.5 'C x", MalformedFrame),
    ],
)
def test_vaisala_rejects_what_cannot_be_true(start_sim, line: str, error: type[Exception]) -> None:
    instrument = VaisalaSimulator(noise_counts=0)
    sim = start_sim(instrument)
    with VaisalaHmt.open(sim.path, framing=VAISALA) as logger:
        instrument.handle = (  # type: ignore[method-assign]
            lambda command: [line] if command == "SEND" else ["HMT330 / 5.16"]
        )
        with pytest.raises(error) as info:
            logger.read_all()
    assert info.value.raw == line.encode() + b"\r\n"  # type: ignore[attr-defined]


def test_vaisala_under_faults_never_gives_a_wrong_number(start_sim) -> None:
    instrument = VaisalaSimulator(seed=4)
    sim = start_sim(instrument, Faults(seed=4, corrupt_rate=0.01, command_corrupt_rate=0.01, drop_rate=0.02))
    with VaisalaHmt.open(sim.path, framing=VAISALA, options=RETRY) as logger:
        logger.resync_quiet_s = 0.05  # type: ignore[misc]
        items = list(acquire(logger, count=60, read=logger.read, max_consecutive_faults=30))
    sent = {line for line, _ in sim.sent if line.startswith("RH=")}
    readings = [i for i in items if isinstance(i, Reading)]
    assert len(readings) == 60 and any(isinstance(i, Fault) for i in items)
    for reading in readings:
        # every accepted temperature is one the transmitter sent (a corrupted digit is not a valid frame
        # unless it stays within range; then it is caught here if it ever got through)
        assert any(f"T= {Decimal(reading.value_text):5.1f} 'C" in line for line in sent), reading


# -- Modbus RTU --------------------------------------------------------------------------------------------
def test_modbus_reads_both_registers_exactly(start_sim) -> None:
    sim = start_sim(ModbusRtuSimulator(noise_counts=0, temperature_c10=-52))
    with ModbusRtuDriver.open(sim.path, framing=MODBUS) as logger:
        t, rh = logger.read_all()
    assert (t.value_text, t.unit, rh.value_text, rh.unit) == ("-5.2", "C", "45.0", "%RH")
    assert t.raw == rh.raw and len(t.raw) == 9  # 1 + 1 + 1 + 2 × 2 + 2 (CRC)
    assert request_frame(1, 4, 1, 2) == bytes.fromhex("01 04 00 01 00 02 20 0b")


def test_modbus_exception_and_wrong_device_and_range(start_sim) -> None:
    instrument = ModbusRtuSimulator(noise_counts=0)
    sim = start_sim(instrument)
    with ModbusRtuDriver.open(sim.path, framing=MODBUS) as logger:
        instrument.busy = True
        with pytest.raises(ErrorReply, match="server device busy"):
            logger.read_all()
        instrument.busy = False
        instrument.registers[2] = 1450  # 145.0 %RH
        with pytest.raises(Implausible, match="outside 0 to 100"):
            logger.read_all()
        instrument.registers[2] = 450
        assert logger.read().value_text == "23.5"
    # a device 2 on the line does not answer the default map's device 1: the connect gives up
    sim2 = start_sim(ModbusRtuSimulator(device_id=2))
    once = DriverOptions(connect_retry=Backoff(initial_s=0.01, max_attempts=1))
    with pytest.raises(ConnectFailed, match="did not complete its connect sequence in 2 tries"):
        ModbusRtuDriver.open(sim2.path, framing=MODBUS, options=once)
    device_2 = RegisterMap("generic", "T", (RegisterQuantity("t", 1, "C", exponent=-1),), device_id=2)
    transport = SerialTransport(sim2.path, ModbusRtuDriver.default_settings, MODBUS)
    transport.open()
    with ModbusRtuDriver(transport, register_map=device_2) as logger:
        logger.connect()
        assert logger.read().value_text.startswith("23.")


@pytest.mark.parametrize(("fault", "error"), [("drop", InstrumentTimeout), ("garble", MalformedFrame),
                                              ("wrong", UnexpectedReply), ("truncate", InstrumentTimeout)])
def test_modbus_faults_never_become_numbers(start_sim, fault: str, error: type[Exception]) -> None:
    sim = start_sim(ModbusRtuSimulator(noise_counts=0), Faults(seed=2, schedule={3: fault}))
    with ModbusRtuDriver.open(sim.path, framing=MODBUS) as logger:  # replies 1, 2: the connect's two reads
        with pytest.raises(error):
            logger.read_all()
        assert logger.read().value_text == "23.5"


def test_registry_lists_and_opens_the_loggers(start_sim) -> None:
    assert {"vaisala-hmt", "modbus-rtu"} <= set(registry.driver_names())
    for name in ("vaisala-hmt", "modbus-rtu"):
        entry = registry.get(name)
        sim = start_sim(entry.simulator(1))
        with entry.open(sim.path, framing=entry.framing.with_timeout(0.3)) as driver:
            assert driver.read().unit == "C"

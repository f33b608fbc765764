"""MT-SICS driver against the pty balance simulator: every reply status and every fault."""

from __future__ import annotations

from decimal import Decimal

import pytest

from instruments.drivers.base import Backoff
from instruments.drivers.mt_sics import MtSicsBalance
from instruments.errors import (
    Disconnected,
    ErrorReply,
    FrameTooLong,
    InstrumentTimeout,
    MalformedFrame,
    OutOfRange,
    UnexpectedReply,
)
from instruments.settings import Framing
from instruments.simulators.faults import Faults
from instruments.simulators.mt_sics import MtSicsSimulator

FAST = Framing(b"\r\n", b"\r\n", timeout_s=0.5, max_frame_bytes=128)


def open_balance(path: str) -> MtSicsBalance:
    return MtSicsBalance.open(path, framing=FAST)


def test_identity_comes_from_i2_and_i4(start_sim) -> None:
    sim = start_sim(MtSicsSimulator(serial_number="B987654321", model="XPR205"))
    with open_balance(sim.path) as balance:
        assert balance.identity is not None
        assert balance.identity.serial_number == "B987654321"
        assert balance.identity.model == "XPR205"
        assert balance.balance_data() == "XPR205 220.00 g"
        assert balance.identity.manufacturer == "Mettler Toledo"


def test_si_stable_keeps_value_as_sent(start_sim) -> None:
    sim = start_sim(MtSicsSimulator(load="100.010"))
    with open_balance(sim.path) as balance:
        reading = balance.read()
    assert reading.value_text == "100.010"
    assert reading.value == Decimal("100.010")
    assert str(reading.value) == "100.010"  # trailing zero kept: resolution as sent
    assert reading.unit == "g"
    assert reading.stable is True
    assert reading.raw == b"S S    100.010 g\r\n"
    assert reading.time.tzinfo is not None


def test_si_dynamic_is_flagged_not_stable(start_sim) -> None:
    instrument = MtSicsSimulator(load="12.34")
    instrument.stable = False
    sim = start_sim(instrument)
    with open_balance(sim.path) as balance:
        reading = balance.weight_immediately()
    assert reading.stable is False
    assert reading.raw.startswith(b"S D")


def test_sequence_numbers_grow_by_one(start_sim) -> None:
    sim = start_sim(MtSicsSimulator(drift_digits=3))
    with open_balance(sim.path) as balance:
        seqs = [balance.read().seq for _ in range(5)]
    assert seqs == [1, 2, 3, 4, 5]


def test_s_waits_for_stable_and_rejects_s_i(start_sim) -> None:
    instrument = MtSicsSimulator()
    sim = start_sim(instrument)
    with open_balance(sim.path) as balance:
        assert balance.weight_stable(timeout_s=1).stable is True
        instrument.stable = False
        with pytest.raises(ErrorReply) as info:
            balance.weight_stable(timeout_s=1)
    assert info.value.code == "S I"


@pytest.mark.parametrize(("load", "direction"), [("overload", "overload"), ("underload", "underload")])
def test_overload_and_underload_are_never_numbers(start_sim, load: str, direction: str) -> None:
    instrument = MtSicsSimulator()
    sim = start_sim(instrument)
    with open_balance(sim.path) as balance:
        instrument.load = load
        with pytest.raises(OutOfRange) as info:
            balance.read()
    assert direction in info.value.direction
    assert info.value.raw in (b"S +\r\n", b"S -\r\n")


def test_busy_balance_answers_s_i(start_sim) -> None:
    instrument = MtSicsSimulator()
    sim = start_sim(instrument)
    with open_balance(sim.path) as balance:
        instrument.busy = True
        with pytest.raises(ErrorReply, match="not executable"):
            balance.read()


def test_general_error_es_on_unknown_command(start_sim) -> None:
    sim = start_sim(MtSicsSimulator())
    with open_balance(sim.path) as balance:
        frame = balance.query("XYZ")
        with pytest.raises(ErrorReply) as info:
            balance._reply("XYZ", frame, "XYZ")
    assert info.value.code == "ES"


@pytest.mark.parametrize("reply", ["ES", "ET", "EL"])
def test_each_general_error_is_reported(start_sim, reply: str) -> None:
    instrument = MtSicsSimulator()
    sim = start_sim(instrument)
    with open_balance(sim.path) as balance:
        instrument.handle = lambda command: [reply]  # type: ignore[method-assign]
        with pytest.raises(ErrorReply) as info:
            balance.read()
    assert info.value.code == reply


def test_zero_and_tare(start_sim) -> None:
    instrument = MtSicsSimulator(load="50.00")
    sim = start_sim(instrument)
    with open_balance(sim.path) as balance:
        tare = balance.tare()
        assert (tare.value_text, tare.unit, tare.stable) == ("50.00", "g", True)
        assert balance.read().value == Decimal("0.00")
        balance.clear_tare()
        assert balance.read().value == Decimal("50.00")
        assert balance.zero() is None
        assert balance.read().value == Decimal("0.00")
        instrument.stable = False
        assert balance.zero(immediately=True) is False
        with pytest.raises(ErrorReply, match="not executable"):
            balance.zero()
        with pytest.raises(ErrorReply, match="not executable"):
            balance.tare()
        instrument.stable = True
        instrument.load = "overload"
        with pytest.raises(OutOfRange):
            balance.zero()
        with pytest.raises(OutOfRange):
            balance.tare()


def test_preset_tare_and_refused_parameter(start_sim) -> None:
    sim = start_sim(MtSicsSimulator())
    with open_balance(sim.path) as balance:
        assert balance.preset_tare(Decimal("2.50"), "g").value_text == "2.50"
        with pytest.raises(ErrorReply) as info:
            balance.preset_tare(Decimal("2.50"), "kg")
    assert info.value.code == "TA L"


def test_sir_stream_then_stop(start_sim) -> None:
    sim = start_sim(MtSicsSimulator(drift_digits=2))
    with open_balance(sim.path) as balance:
        balance.start_repeat()
        stream = [balance.next_repeat() for _ in range(20)]
        balance.stop_repeat()
        after = balance.read()
    assert [r.seq for r in stream] == list(range(1, 21))
    assert after.seq == 21


def test_timeout_on_dropped_reply_then_recovers(start_sim) -> None:
    sim = start_sim(MtSicsSimulator(), Faults(schedule={5: "drop"}))
    with open_balance(sim.path) as balance:  # replies 1-4: I2, I2, I4, I4 (identity read twice)
        with pytest.raises(InstrumentTimeout) as info:
            balance.read()
        assert info.value.raw == b""
        assert balance.read().value_text == "100.00"


def test_partial_frame_is_a_timeout_not_a_number(start_sim) -> None:
    sim = start_sim(MtSicsSimulator(), Faults(schedule={5: "truncate"}))
    with open_balance(sim.path) as balance:
        with pytest.raises(InstrumentTimeout) as info:
            balance.read()
        assert info.value.raw and not info.value.raw.endswith(b"\r\n")
        assert balance.read().seq == 1


def test_garbled_frame_is_rejected_whole(start_sim) -> None:
    sim = start_sim(MtSicsSimulator(), Faults(seed=1, schedule={5: "garble"}))
    with open_balance(sim.path) as balance:
        with pytest.raises(MalformedFrame):
            balance.read()
        assert balance.read().value_text == "100.00"


def test_noise_line_is_rejected_and_next_query_is_clean(start_sim) -> None:
    sim = start_sim(MtSicsSimulator(), Faults(seed=2, schedule={5: "noise"}))
    with open_balance(sim.path) as balance:
        with pytest.raises(MalformedFrame):
            balance.read()
        reading = balance.read()
    assert reading.value_text == "100.00" and reading.seq == 1


def test_reply_to_another_command_is_rejected(start_sim) -> None:
    sim = start_sim(MtSicsSimulator(), Faults(schedule={5: "wrong"}))
    with open_balance(sim.path) as balance:
        with pytest.raises(UnexpectedReply, match="reply ID 'I4'"):
            balance.read()
        assert balance.read().seq == 1


def test_late_reply_is_not_taken_for_the_next_answer(start_sim) -> None:
    instrument = MtSicsSimulator(load="1.00")
    sim = start_sim(instrument, Faults(delay_ms=0))
    with open_balance(sim.path) as balance:
        # The reply comes 0.15 s after the command, 0.05 s after the driver gave up; the driver must wait
        # for the line to fall silent (resync_quiet_s = 0.2 s) before the next command.
        sim.faults = Faults(delay_ms=150)
        sim.plan.faults = sim.faults
        balance.transport.framing = balance.transport.framing.with_timeout(0.1)
        with pytest.raises(InstrumentTimeout):
            balance.read()
        instrument.load = "2.00"
        sim.plan.faults = Faults()
        balance.transport.framing = FAST
        assert balance.read().value_text == "2.00"


def test_noise_burst_longer_than_max_frame_is_dropped(start_sim) -> None:
    instrument = MtSicsSimulator()
    sim = start_sim(instrument)
    with open_balance(sim.path) as balance:
        instrument.handle = lambda command: ["#" * 300]  # type: ignore[method-assign]
        with pytest.raises(FrameTooLong) as info:
            balance.read()
        assert info.value.max_frame_bytes == 128
        del instrument.handle
        assert balance.read().value_text == "100.00"


def test_cable_pulled_and_replugged_reconnects_by_stable_name(start_sim) -> None:
    events: list[str] = []
    sim = start_sim(
        MtSicsSimulator(serial_number="B42"),
        Faults(disconnect_after=8, reopen_ms=300),
        link=True,
        events=events,
    )
    with open_balance(sim.path) as balance:
        first = [balance.read(), balance.read()]  # replies 5-8 (two SI each, confirmed); the sim unplugs after reply 8
        with pytest.raises(Disconnected):
            balance.read()
        attempts: list[int] = []
        balance.reconnect(
            Backoff(initial_s=0.05, max_s=0.2, max_attempts=20), on_attempt=lambda n, exc: attempts.append(n)
        )
        after = balance.read()
    assert [r.seq for r in first] == [1, 2]
    assert after.seq == 3
    assert after.instrument.serial_number == "B42"
    assert events[0] == "DISCONNECTED" and events[1].startswith("REOPENED /dev/pts/")
    assert attempts  # at least one attempt failed while unplugged

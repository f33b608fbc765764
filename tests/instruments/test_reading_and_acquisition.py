"""Reading records, the acquisition loop and the determinism of seeded fault injection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from instruments.acquisition import Fault, TooManyFaults, acquire
from instruments.drivers.base import Backoff
from instruments.drivers.mt_sics import MtSicsBalance
from instruments.errors import InstrumentError, MalformedFrame
from instruments.numbers import parse_decimal
from instruments.reading import InstrumentIdentity, Reading
from instruments.settings import Framing
from instruments.simulators.faults import FaultPlan, Faults
from instruments.simulators.mt_sics import MtSicsSimulator

WHO = InstrumentIdentity("HEWLETT-PACKARD", "34401A", "3146A12345", "11-5-2")
WHEN = datetime(2026, 11, 22, 8, 30, tzinfo=UTC)
FAST = Framing(b"\r\n", b"\r\n", timeout_s=0.5, max_frame_bytes=128)


@pytest.mark.parametrize("text", ["0.1", "+1.00001230E+00", "-0.000", "100.010", "1E-7", ".5"])
def test_value_is_exact_decimal_of_the_text(text: str) -> None:
    reading = Reading(text, "V", None, WHO, 1, WHEN, text.encode() + b"\r\n")
    assert reading.value == Decimal(text.strip())
    assert reading.to_json_dict()["value"] == text  # no float round trip, no reformatting


@pytest.mark.parametrize("text", ["nan", "inf", "1,5", "", "0x10", "1e", "--1", "1 000"])
def test_non_numbers_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a decimal number"):
        parse_decimal(text)
    with pytest.raises(ValueError):
        Reading(text, "V", None, WHO, 1, WHEN, b"")


def test_reading_time_must_be_utc_and_seq_positive() -> None:
    with pytest.raises(ValueError, match="UTC"):
        Reading("1", "V", None, WHO, 1, datetime(2026, 1, 1), b"")
    with pytest.raises(ValueError, match="UTC"):
        Reading("1", "V", None, WHO, 1, datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=7))), b"")
    with pytest.raises(ValueError, match="seq"):
        Reading("1", "V", None, WHO, 0, WHEN, b"")


def test_json_round_trip_keeps_every_byte() -> None:
    raw = bytes(range(256))
    reading = Reading("-12.5", "g", False, WHO, 9, WHEN, raw)
    assert Reading.from_json_dict(reading.to_json_dict()) == reading


def test_acquire_reports_faults_and_counts_good_readings(start_sim) -> None:
    sim = start_sim(MtSicsSimulator(), Faults(seed=8, schedule={5: "drop", 8: "noise"}))
    with MtSicsBalance.open(sim.path, framing=FAST) as balance:
        items = list(acquire(balance, count=3))
    kinds = [type(i.error).__name__ if isinstance(i, Fault) else i.seq for i in items]
    assert kinds == ["InstrumentTimeout", 1, "MalformedFrame", 2, 3]
    fault = items[2]
    assert isinstance(fault, Fault) and fault.to_json_dict()["kind"] == "MalformedFrame"


def test_acquire_gives_up_after_consecutive_faults(start_sim) -> None:
    instrument = MtSicsSimulator()
    sim = start_sim(instrument)
    with MtSicsBalance.open(sim.path, framing=FAST) as balance:
        instrument.handle = lambda command: ["S S 1.00"]  # type: ignore[method-assign]  # unit missing
        with pytest.raises(TooManyFaults) as info:
            list(acquire(balance, count=1, max_consecutive_faults=3))
    assert isinstance(info.value.last, MalformedFrame)


def test_reconnect_attempts_are_reported_while_unplugged(start_sim) -> None:
    sim = start_sim(MtSicsSimulator(), Faults(disconnect_after=6, reopen_ms=600), link=True)
    with MtSicsBalance.open(sim.path, framing=FAST) as balance:
        items = list(acquire(balance, count=2, backoff=Backoff(initial_s=0.1, factor=1.0, max_s=0.1)))
    kinds = [type(i.error).__name__ if isinstance(i, Fault) else i.seq for i in items]
    assert kinds[0] == 1 and kinds[1] == "Disconnected" and kinds[-1] == 2
    waiting = kinds[2:-1]
    assert len(waiting) >= 3 and set(waiting) == {"PortUnavailable"}


def outcomes(start_sim, seed: int) -> list[str]:
    sim = start_sim(MtSicsSimulator())
    result = []
    with MtSicsBalance.open(sim.path, framing=FAST) as balance:
        sim.faults = Faults(seed=seed, drop_rate=0.2, garble_rate=0.2, wrong_rate=0.1)
        sim.plan = FaultPlan(sim.faults)  # faults from the first SI on, after the connect sequence
        for _ in range(15):
            try:
                result.append(balance.read().value_text)
            except InstrumentError as exc:
                result.append(type(exc).__name__)
    return result


@pytest.mark.slow
def test_same_seed_same_faults(start_sim) -> None:
    first = outcomes(start_sim, 21)
    assert first == outcomes(start_sim, 21)
    assert first != outcomes(start_sim, 22)
    assert len(set(first)) >= 3  # the seed really injects several kinds of fault

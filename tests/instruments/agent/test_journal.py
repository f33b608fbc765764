"""Journal durability and the HTTP sink's classification of server answers."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from instruments.agent.http_sink import HttpSink, _delivery
from instruments.agent.journal import Journal
from instruments.agent.sink import SinkUnavailable
from instruments.reading import InstrumentIdentity, Reading

WHO = InstrumentIdentity("Mettler Toledo", "XPE205", "B1")


def reading(seq: int) -> Reading:
    return Reading(f"{seq}.00", "g", True, WHO, seq, datetime(2026, 1, 1, tzinfo=UTC), b"S S 1.00 g\r\n")


def test_journal_survives_reopen_and_keeps_order(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    journal = Journal(path)
    for seq in range(1, 4):
        journal.record("J1", "P1", reading(seq), key=f"k{seq}")
    journal.mark_sent(["k2"])
    journal.close()
    again = Journal(path)
    assert [e.key for e in again.pending()] == ["k1", "k3"]
    assert again.pending()[0].payload["value"] == "1.00"
    assert again.counts() == {"pending": 2, "sent": 1, "rejected": 0}


def test_same_key_cannot_be_journaled_twice(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    journal.record("J1", "P1", reading(1), key="k1")
    with pytest.raises(sqlite3.IntegrityError):
        journal.record("J1", "P1", reading(1), key="k1")


def test_rejected_readings_are_kept_but_not_resent(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    journal.record("J1", "P1", reading(1), key="k1")
    journal.mark_rejected("k1", "unit g not allowed for this point")
    assert journal.pending() == []
    assert journal.counts()["rejected"] == 1


def test_delivery_only_confirms_keys_that_were_sent() -> None:
    delivery = _delivery(
        {
            "accepted": ["a", "zzz"],
            "duplicates": ["b"],
            "rejected": [{"idempotency_key": "c", "error": "bad"}],
        },
        {"a", "b", "c"},
    )
    assert delivery.confirmed == frozenset({"a", "b"})
    assert delivery.rejected == {"c": "bad"}
    with pytest.raises(SinkUnavailable):
        _delivery(["not", "an", "object"], {"a"})


def test_http_sink_validates_its_configuration() -> None:
    with pytest.raises(ValueError, match="http"):
        HttpSink("ftp://lims", "t")
    with pytest.raises(ValueError, match="token"):
        HttpSink("http://lims", "two words")


def test_unreachable_server_is_retryable(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    entry = journal.record("J1", "P1", reading(1), key="k1")
    sink = HttpSink("http://127.0.0.1:9", "t", timeout_s=1)  # discard port: connection refused
    with pytest.raises(SinkUnavailable, match="unreachable"):
        sink.deliver("J1", "P1", [entry])


def test_unconfirmed_pair_is_journaled_with_both_frames_never_as_a_reading() -> None:
    from datetime import UTC, datetime

    from instruments.acquisition import Fault
    from instruments.agent.capture import Capture
    from instruments.errors import Unconfirmed

    journal = Journal(":memory:")
    run = Capture(journal, job_number="J-1", point_id="P1", run_id="run-a")
    error = Unconfirmed("SI", b"S S    100.034 g\r\n", b"S S    108.034 g\r\n", "two consecutive stable weights differ")
    fault = Fault(error, datetime(2026, 12, 6, 5, 0, tzinfo=UTC))
    run.add_fault(fault)
    [kept] = journal.faults(run_id="run-a")
    assert (kept.kind, kept.job_number, kept.point_id) == ("Unconfirmed", "J-1", "P1")
    assert kept.raw == b"S S    100.034 g\r\nS S    108.034 g\r\n"
    assert kept.detected_at == "2026-12-06T05:00:00.000000Z"
    assert journal.pending() == [] and journal.counts()["pending"] == 0
    assert fault.to_json_dict()["first_raw"] == "S S    100.034 g\r\n"
    journal.close()

"""record_readings: the server side of the bench agent's contract (docs/bench-agent.md), SQLite and PostgreSQL.

Original observations are kept exactly as the instrument sent them, once (ISO/IEC 17025:2017 7.5.1, 7.11.3).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lims.errors import NotFound
from lims.models import ApiToken, BenchReading, Role
from lims.services.access import api_tokens
from lims.services.access.authorisations import AuthorisationRefused
from lims.services.bench import measurements
from lims.services.bench import readings as bench_readings
from lims.services.bench.readings import BatchInvalid, ReadingActor, record_readings
from lims.services.jobs import jobs
from lims.services.jobs.jobs import JobLocked
from lims.web.status import status_for
from tests.factories import make_user
from tests.services import benchdb, jobsetup
from tests.services.benchdb import KINDS, MakeDatabase, bench_job

fresh_database = benchdb.fresh_database  # the fixture, shared with the other bench tests

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def reading(key: str, value: str = "10.00010", **over: Any) -> dict[str, Any]:
    return {
        "idempotency_key": key,
        "value": value,
        "unit": "V",
        "stable": True,
        "seq": 1,
        "time": "2026-03-02T08:59:59.123456Z",
        "raw": f"{value}\r\n",
        "instrument": {
            "manufacturer": "Keysight",
            "model": "34465A",
            "serial_number": "MY123",
            "firmware": "A.03",
        },
        **over,
    }


@pytest.fixture
def bench(session: Session) -> tuple[jobsetup.Lab4, Any]:
    setup = jobsetup.build(session)
    job = jobsetup.started_job(session, setup, "CAL-DMM-DCV")
    return setup, job


def test_a_reading_names_an_existing_token_and_its_token_cannot_be_deleted(
    session: Session, bench: tuple[jobsetup.Lab4, Any]
) -> None:
    """bench_reading.token_id references api_token (ON DELETE RESTRICT): a reading's provenance stays whole
    (ISO/IEC 17025:2017 7.5.1); tokens are revoked, which keeps the row and the readings' link to it."""
    setup, job = bench
    token = api_tokens.create_token(
        session, setup.technician, api_tokens.NewToken("bench PC", 30, ("bench",)), now=NOW
    ).token
    actor = ReadingActor(setup.technician.id, source="api", token_id=token.id)
    record_readings(session, job.number, "P1", [reading("fk-00000001")], actor, now=NOW)
    api_tokens.revoke_token(session, setup.technician, token.id, now=NOW)
    session.flush()
    [row] = bench_readings.readings_for(session, job.id, 0)
    assert row.token_id == token.id
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(delete(ApiToken).where(ApiToken.id == token.id))
    ghost = ReadingActor(setup.technician.id, source="api", token_id=token.id + 1000)
    with pytest.raises(IntegrityError), session.begin_nested():
        record_readings(session, job.number, "P1", [reading("fk-00000002")], ghost, now=NOW)
    assert [r.token_id for r in bench_readings.readings_for(session, job.id, 0)] == [token.id]


def test_readings_are_stored_exactly_as_sent(session: Session, bench: tuple[jobsetup.Lab4, Any]) -> None:
    setup, job = bench
    token = api_tokens.create_token(
        session, setup.technician, api_tokens.NewToken("bench PC", 30, ("bench",)), now=NOW
    ).token
    actor = ReadingActor(setup.technician.id, source="api", token_id=token.id)
    batch = [
        reading("run1-00000001", "10.00010"),
        reading("run1-00000002", "+1.000012E+01", seq=2, stable=None, raw="+1.000012E+01\r\n\xb0"),
    ]
    answer = record_readings(session, job.number, "P2", batch, actor, now=NOW)
    assert answer == {"accepted": ["run1-00000001", "run1-00000002"], "duplicates": [], "rejected": []}
    rows = bench_readings.readings_for(session, job.id, 1)
    assert [r.value for r in rows] == ["10.00010", "+1.000012E+01"]  # never reformatted, never a float
    first, second = rows
    assert (first.unit, first.stable, first.seq, first.token_id, first.source) == (
        "V",
        True,
        1,
        token.id,
        "api",
    )
    assert first.instrument_time == datetime(2026, 3, 2, 8, 59, 59, 123456, tzinfo=UTC)
    assert (first.manufacturer, first.model, first.serial_number, first.firmware) == (
        "Keysight",
        "34465A",
        "MY123",
        "A.03",
    )
    assert first.received_at == NOW and first.user_id == setup.technician.id and not first.used_in_point
    assert second.stable is None and second.raw == "+1.000012E+01\r\n\xb0"  # Latin-1 byte kept
    assert bench_readings.readings_for(session, job.id, 1, after_id=first.id) == [second]
    assert bench_readings.reading_json(first)["value"] == "10.00010"


def test_a_resent_key_is_a_duplicate_even_with_another_body(
    session: Session, bench: tuple[jobsetup.Lab4, Any]
) -> None:
    setup, job = bench
    actor = ReadingActor(setup.technician.id)
    record_readings(session, job.number, "P1", [reading("k-1", "2.001")], actor, now=NOW)
    again = record_readings(
        session, job.number, "P1", [reading("k-1", "9.999"), reading("k-2", "2.002")], actor, now=NOW
    )
    assert again == {"accepted": ["k-2"], "duplicates": ["k-1"], "rejected": []}
    assert [r.value for r in bench_readings.readings_for(session, job.id, 0)] == ["2.001", "2.002"]


BAD = {
    "comma": ({"value": "1,5"}, "not a decimal number"),
    "nan": ({"value": "NaN"}, "not a decimal number"),
    "float": ({"value": 10.0001}, "value must be a string"),
    "empty": ({"value": " "}, "value is empty"),
    "unit": ({"unit": "mV"}, "unit 'mV' not allowed for this test point"),
    "stable": ({"stable": "yes"}, "stable must be true, false or null"),
    "stable-missing": ({"stable": "missing"}, "stable must be true, false or null"),
    "seq": ({"seq": 0}, "seq must be a whole number from 1"),
    "seq-bool": ({"seq": True}, "seq must be a whole number from 1"),
    "time": ({"time": "2026-03-02T08:59:59+07:00"}, "time must be UTC ISO 8601 ending in Z"),
    "time-invalid": ({"time": "2026-02-30T08:59:59Z"}, "not a valid date"),
    "raw": ({"raw": "10 €"}, "Latin-1"),
    "instrument": ({"instrument": "Keysight"}, "instrument must be an object"),
    "model": ({"instrument": {"manufacturer": "K", "serial_number": "1"}}, "model must be a string"),
    "long": ({"value": "1" * 51}, "longer than 50"),
}


def test_bad_fields_are_rejected_with_reasons_and_good_ones_kept(
    session: Session, bench: tuple[jobsetup.Lab4, Any]
) -> None:
    setup, job = bench
    batch = [reading("good-1")]
    for name, (over, _reason) in BAD.items():
        batch.append(reading(f"bad-{name}", **over))
    batch.append(reading("good-2", "10.0002"))
    answer = record_readings(session, job.number, "P2", batch, ReadingActor(setup.technician.id), now=NOW)
    assert answer["accepted"] == ["good-1", "good-2"] and answer["duplicates"] == []
    reasons = {r["idempotency_key"]: r["error"] for r in answer["rejected"]}
    assert set(reasons) == {f"bad-{name}" for name in BAD}
    for name, (_over, reason) in BAD.items():
        assert reason in reasons[f"bad-{name}"], (name, reasons[f"bad-{name}"])
    assert (
        session.scalar(select(func.count()).select_from(BenchReading).where(BenchReading.job_id == job.id))
        == 2
    )


@pytest.mark.parametrize(
    ("readings", "reason"),
    [
        ("not a list", "must be a list"),
        ([], "empty"),
        ([reading(f"k-{i}") for i in range(101)], "at most 100"),
        ([reading("k-1"), reading("k-1")], "appears twice"),
        ([{"value": "1"}], "idempotency_key"),
        ([reading("has space")], "idempotency_key"),
        (["k-1"], "JSON object"),
    ],
)
def test_a_malformed_batch_is_refused_as_a_whole(
    session: Session, bench: tuple[jobsetup.Lab4, Any], readings: Any, reason: str
) -> None:
    setup, job = bench
    with pytest.raises(BatchInvalid, match=reason) as caught:
        record_readings(session, job.number, "P1", readings, ReadingActor(setup.technician.id), now=NOW)
    assert status_for(caught.value) == 400


def test_a_full_batch_of_100_is_accepted(session: Session, bench: tuple[jobsetup.Lab4, Any]) -> None:
    setup, job = bench
    batch = [reading(f"b-{i:03d}", f"10.{i:05d}", seq=i + 1) for i in range(100)]
    answer = record_readings(session, job.number, "P3", batch, ReadingActor(setup.technician.id), now=NOW)
    assert len(answer["accepted"]) == 100


def test_unknown_job_or_point_is_not_found(session: Session, bench: tuple[jobsetup.Lab4, Any]) -> None:
    setup, job = bench
    actor = ReadingActor(setup.technician.id)
    for number, point in (
        ("JOB-1999-99999", "P1"),
        (job.number, "P6"),  # the DMM job has five points, P1 … P5 (EURAMET cg-15: 0, +10/50/90 %, −90 %)
        (job.number, "1"),
        (job.number, "P0"),
    ):
        with pytest.raises(NotFound) as caught:
            record_readings(session, number, point, [reading("k-1")], actor, now=NOW)
        assert status_for(caught.value) == 404


def test_a_job_not_in_progress_refuses_new_readings_but_confirms_stored_ones(
    session: Session, bench: tuple[jobsetup.Lab4, Any]
) -> None:
    setup, job = bench
    actor = ReadingActor(setup.technician.id)
    record_readings(session, job.number, "P1", [reading("old-1")], actor, now=NOW)
    jobs.transition_job(
        session,
        job.id,
        "on_hold",
        user=setup.technician,
        comment="waiting for the customer",
        expected_version=job.version,
        now=NOW,
    )
    with pytest.raises(JobLocked) as caught:
        record_readings(session, job.number, "P1", [reading("new-1")], actor, now=NOW)
    assert status_for(caught.value) == 409
    # A resend after a lost reply is still confirmed: the agent must not keep it pending forever.
    assert record_readings(session, job.number, "P1", [reading("old-1")], actor, now=NOW)["duplicates"] == [
        "old-1"
    ]


def test_a_requested_job_refuses_readings(session: Session, bench: tuple[jobsetup.Lab4, Any]) -> None:
    setup, _job = bench
    fresh = jobsetup.new_job(session, setup, "CAL-DMM-DCV")
    with pytest.raises(JobLocked):
        record_readings(
            session, fresh.number, "P1", [reading("k-1")], ReadingActor(setup.technician.id), now=NOW
        )


def test_the_actor_must_be_authorised_to_perform_the_procedure(
    session: Session, bench: tuple[jobsetup.Lab4, Any]
) -> None:
    """ISO/IEC 17025:2017 6.2.5 f, 6.2.6: only authorised personnel perform the calibration."""
    setup, job = bench
    for user in (make_user(session, Role.TECHNICIAN), setup.reviewer, make_user(session, Role.CUSTOMER)):
        with pytest.raises(AuthorisationRefused) as caught:
            record_readings(session, job.number, "P1", [reading("k-1")], ReadingActor(user.id), now=NOW)
        assert status_for(caught.value) == 403
    assert bench_readings.readings_for(session, job.id, 0) == []


def test_saving_the_point_flags_the_bench_readings_it_used(
    session: Session, bench: tuple[jobsetup.Lab4, Any]
) -> None:
    setup, job = bench
    values = ["10.002", "10.003", "10.002", "10.002", "10.003", "10.009"]
    record_readings(
        session,
        job.number,
        "P2",
        [reading(f"u-{i}", v, seq=i + 1) for i, v in enumerate(values)],
        ReadingActor(setup.technician.id),
        now=NOW,
    )
    rows = bench_readings.readings_for(session, job.id, 1)
    job.measured_on = jobsetup.ON
    # The technician retyped the fifth reading (10.004): that bench reading is not claimed.
    typed = ["10.002", "10.003", "10.002", "10.002", "10.004"]
    measurements.save_point(
        session,
        job.id,
        measurements.PointInput(
            1,
            typed,
            "10",
            {"temperature": "23", "humidity": "45"},
            bench_reading_ids=tuple(r.id for r in rows[:5]),
        ),
        user=setup.technician,
        expected_version=job.version,
        on=jobsetup.ON,
        now=NOW,
    )
    session.expire_all()
    assert [r.used_in_point for r in bench_readings.readings_for(session, job.id, 1)] == [
        True,
        True,
        True,
        True,
        False,
        False,
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_concurrent_deliveries_of_one_batch_store_each_reading_once(
    fresh_database: MakeDatabase, kind: str
) -> None:
    """Eight agents (or retries) deliver the same 50 keys at once: every key stored once, each confirmed."""
    database = fresh_database(kind)
    job_id, number, technician_id, _ = bench_job(database)
    batch = [reading(f"race-{i:03d}", f"10.{i:04d}0", seq=i + 1) for i in range(50)]
    answers: list[dict[str, list[Any]]] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def deliver() -> None:
        try:
            barrier.wait()
            with database.session() as session:
                answer = record_readings(session, number, "P1", batch, ReadingActor(technician_id), now=NOW)
                session.commit()
            answers.append(answer)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    accepted = [k for a in answers for k in a["accepted"]]
    assert sorted(accepted) == sorted(r["idempotency_key"] for r in batch)  # each key accepted exactly once
    for answer in answers:
        assert sorted(answer["accepted"] + answer["duplicates"]) == sorted(
            r["idempotency_key"] for r in batch
        )
    with database.session() as session:
        values = [r.value for r in bench_readings.readings_for(session, job_id, 0)]
    assert sorted(values) == sorted(r["value"] for r in batch)


def test_a_balance_reading_keeps_its_trailing_zero(session: Session) -> None:
    """100.010 g stays "100.010": the resolution the instrument showed is part of the record (GUM 7.2.6)."""
    setup = jobsetup.build(session)
    job = jobsetup.started_job(session, setup, "VER-NAWI-R76")
    kg = reading("bal-00000001", "100.010", unit="kg", raw="S S    100.010 kg\r\n")
    assert record_readings(session, job.number, "P1", [kg], ReadingActor(setup.technician.id), now=NOW)[
        "accepted"
    ] == ["bal-00000001"]
    (row,) = bench_readings.readings_for(session, job.id, 0)
    assert row.value == "100.010" and row.raw == "S S    100.010 kg\r\n"
    assert bench_readings.reading_json(row)["value"] == "100.010"

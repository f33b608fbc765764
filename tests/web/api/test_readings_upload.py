"""``POST /api/v1/jobs/{job_number}/points/{point_id}/readings``: the bench agent's contract
(docs/bench-agent.md) over HTTP with a bench token, and the agent's own HTTP sink against the live app.

Original observations are kept exactly as the instrument sent them, once (ISO/IEC 17025:2017 7.5.1, 7.11.3).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.models import BenchReading, JobState, Role
from lims.services.bench import readings as bench_readings
from tests.factories import make_user
from tests.services import jobsetup
from tests.web.api.conftest import bearer, token_for


def reading(key: str, value: str = "10.00010", **over: Any) -> dict[str, Any]:
    return {
        "idempotency_key": key,
        "value": value,
        "unit": "V",
        "stable": True,
        "seq": 1,
        "time": "2026-03-02T08:59:59.123456Z",
        "raw": f"{value}\r\n",
        "instrument": {"manufacturer": "Keysight", "model": "34465A", "serial_number": "MY1", "firmware": ""},
        **over,
    }


@pytest.fixture
def bench(session: Session) -> tuple[jobsetup.Lab4, Any, str]:
    setup = jobsetup.build(session)
    job = jobsetup.started_job(session, setup, "CAL-DMM-DCV")
    session.commit()
    return setup, job, token_for(session, setup.technician, "read", "bench")


def _url(job_number: str, point: str = "P1") -> str:
    return f"/api/v1/jobs/{quote(job_number, safe='')}/points/{point}/readings"


def test_a_batch_is_stored_once_and_answered_per_key(
    client: FlaskClient, session: Session, bench: tuple[jobsetup.Lab4, Any, str]
) -> None:
    _setup, job, secret = bench
    batch = {
        "readings": [
            reading("run-00000001", "10.00010"),
            reading("run-00000002", "+1.000012E+01", seq=2),
            reading("run-00000003", "10.0001", seq=3, unit="mV"),  # not the point's unit
        ]
    }
    first = client.post(_url(job.number), json=batch, headers=bearer(secret))
    assert first.status_code == 200, first.get_json()
    answer = first.get_json()
    assert answer["accepted"] == ["run-00000001", "run-00000002"] and answer["duplicates"] == []
    assert [r["idempotency_key"] for r in answer["rejected"]] == ["run-00000003"]
    assert "mV" in answer["rejected"][0]["error"]
    again = client.post(_url(job.number), json=batch, headers=bearer(secret)).get_json()
    assert again["accepted"] == [] and again["duplicates"] == ["run-00000001", "run-00000002"]
    rows = bench_readings.readings_for(session, job.id, 0)
    assert [r.value for r in rows] == ["10.00010", "+1.000012E+01"]  # as sent, never through a float
    assert {r.source for r in rows} == {"api"} and all(r.token_id for r in rows)


def test_refusals_of_the_whole_batch(
    client: FlaskClient, session: Session, bench: tuple[jobsetup.Lab4, Any, str]
) -> None:
    _setup, job, secret = bench
    ok = {"readings": [reading("k-00000001")]}
    cases = [
        (client.post(_url(job.number), json={"values": []}, headers=bearer(secret)), 400),
        (client.post(_url(job.number), data="x", headers=bearer(secret)), 415),
        (client.post(_url("NO-SUCH-JOB"), json=ok, headers=bearer(secret)), 404),
        (client.post(_url(job.number, "P999"), json=ok, headers=bearer(secret)), 404),
        (client.post(_url(job.number, "first"), json=ok, headers=bearer(secret)), 404),
        (client.post(_url(job.number), json=ok), 401),
    ]
    for response, status in cases:
        assert response.status_code == status, (status, response.get_json())
        assert "error" in response.get_json()
    reader = token_for(session, make_user(session, Role.REVIEWER), "read")
    assert client.post(_url(job.number), json=ok, headers=bearer(reader)).status_code == 403
    assert session.scalar(select(func.count()).select_from(BenchReading)) == 0  # nothing stored


def test_a_job_that_no_longer_takes_readings_is_409(
    client: FlaskClient, session: Session, bench: tuple[jobsetup.Lab4, Any, str]
) -> None:
    _setup, job, secret = bench
    job.state = JobState.MEASURED
    session.commit()
    response = client.post(
        _url(job.number), json={"readings": [reading("late-00000001")]}, headers=bearer(secret)
    )
    assert response.status_code == 409 and response.get_json()["error"]["message"]


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    """The test app on a real socket, for the agent's urllib client."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_the_agents_http_sink_delivers_and_resends_without_duplicates(
    served: str, session: Session, bench: tuple[jobsetup.Lab4, Any, str]
) -> None:
    from instruments.agent.http_sink import HttpSink
    from instruments.agent.journal import JournalEntry
    from instruments.agent.sink import SinkRefused

    _setup, job, secret = bench
    entries = [
        JournalEntry(
            f"agent-{i:08d}",
            job.number,
            "P1",
            {k: v for k, v in reading("x", seq=i).items() if k != "idempotency_key"},
        )
        for i in range(1, 4)
    ]
    sink = HttpSink(served, secret)
    first = sink.deliver(job.number, "P1", entries)
    assert sorted(first.confirmed) == [e.key for e in entries]
    second = sink.deliver(job.number, "P1", entries)  # the reply was "lost": the agent resends
    assert sorted(second.confirmed) == [e.key for e in entries]
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(BenchReading)) == 3
    with pytest.raises(SinkRefused) as refused:
        HttpSink(served, "lims_wrong_token").deliver(job.number, "P1", entries)
    assert refused.value.status == 401

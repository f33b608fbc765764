"""Throughput of ``record_readings``: batches of 100 bench readings stored and committed, as the agent sends them.

Sets up a database with the demo data (SQLite file or a PostgreSQL schema), adds ``--prefill`` readings of
other jobs so the unique index is not empty, then delivers ``--batches`` batches of 100 new readings to one
test point of a NAWI verification in progress, each in its own transaction (as ``DatabaseSink`` and the API
do), then resends the same batches (every key a duplicate). Prints readings/s and p50/p95 per batch in ms.

Run: ``.venv/bin/python bench/bench_readings.py --url sqlite:////tmp/bench-readings.db``
     ``.venv/bin/python bench/bench_readings.py --url postgresql+psycopg://postgres@127.0.0.1:5432/test``
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import create_engine, insert, select
from sqlalchemy.engine import make_url

from lims.migrate import upgrade
from lims.models import BenchReading, Job, JobState, Procedure, User
from lims.services.bench.readings import ReadingActor, record_readings
from lims.services.demo.seed import load_demo
from lims.services.records.audit import Actor, set_actor
from lims.services.records.database import open_database

SCHEMA = "lims_bench_readings"


def database_url(url: str) -> str:
    if url.startswith("sqlite"):
        path = Path(make_url(url).database or "")
        path.unlink(missing_ok=True)
        return url
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
        conn.exec_driver_sql(f'CREATE SCHEMA "{SCHEMA}"')
    admin.dispose()
    parsed = make_url(url)
    return parsed.set(query={**parsed.query, "options": f"-csearch_path={SCHEMA}"}).render_as_string(
        hide_password=False
    )


def reading(key: str, seq: int) -> dict[str, object]:
    value = f"{7.5 + (seq % 3) * 0.005:.3f}"
    return {
        "idempotency_key": key,
        "value": value,
        "unit": "kg",
        "stable": True,
        "seq": seq,
        "time": "2026-11-22T08:00:00.000000Z",
        "raw": f"S S      {value} kg\r\n",
        "instrument": {
            "manufacturer": "Mettler Toledo",
            "model": "XPE205",
            "serial_number": "B1",
            "firmware": "",
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--prefill", type=int, default=100_000)
    args = parser.parse_args()
    url = database_url(args.url)
    upgrade(url)
    db = open_database(url)
    with db.session() as session:
        set_actor(session, Actor(None, "bench"))
        load_demo(session, today=date.today())
        session.commit()
        job = session.scalars(
            select(Job)
            .join(Procedure, Job.procedure_id == Procedure.id)
            .where(Procedure.code == "VER-NAWI-R76", Job.state == JobState.IN_PROGRESS)
        ).first()
        other = session.scalars(select(Job).where(Job.id != job.id)).first() if job else None
        technician = session.scalar(select(User).where(User.username == "ktv.lan"))
        assert job is not None and other is not None and technician is not None
        number, technician_id = job.number, technician.id
        now = datetime.now(UTC)
        for start in range(0, args.prefill, 10_000):
            rows = [
                {
                    **reading(f"fill-{i:09d}", i + 1),
                    "job_id": other.id,
                    "point_index": 0,
                    "received_at": now,
                    "instrument_time": now,
                    "user_id": technician_id,
                    "source": "bench",
                    "firmware": "",
                    "manufacturer": "M",
                    "model": "X",
                    "serial_number": "1",
                    "used_in_point": False,
                }
                for i in range(start, min(start + 10_000, args.prefill))
            ]
            for row in rows:
                del row["idempotency_key"], row["time"], row["instrument"]
            session.execute(
                insert(BenchReading),
                [{**row, "idempotency_key": f"fill-{start + n:09d}"} for n, row in enumerate(rows)],
            )
        session.commit()
    actor = ReadingActor(technician_id, source="bench")
    run = uuid.uuid4().hex
    batches = [
        [reading(f"{run}-{b * 100 + i + 1:08d}", b * 100 + i + 1) for i in range(100)]
        for b in range(args.batches)
    ]
    for label, expect in (("new", "accepted"), ("duplicates", "duplicates")):
        times = []
        started = time.perf_counter()
        for batch in batches:
            t0 = time.perf_counter()
            with db.session() as session:
                answer = record_readings(session, number, "P3", batch, actor)
                session.commit()
            times.append((time.perf_counter() - t0) * 1000)
            assert len(answer[expect]) == 100, answer
        total = time.perf_counter() - started
        times.sort()
        print(
            f"{db.engine.dialect.name:<10} {label:<10} {args.batches} batches of 100: "
            f"{args.batches * 100 / total:,.0f} readings/s; per batch p50 {statistics.median(times):.1f} ms, "
            f"p95 {times[int(len(times) * 0.95) - 1]:.1f} ms, max {times[-1]:.1f} ms"
        )
    db.engine.dispose()


if __name__ == "__main__":
    main()

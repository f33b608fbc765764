"""Bench page round trip: save one point and get its fragment back, through gunicorn, on PostgreSQL.

Sets up a schema with the demo data, ``--instruments`` filler instruments (default one million), and a
10-point DC-voltage job in progress; starts ``gunicorn -w 2 wsgi:app`` on it; logs in as the demo technician
and posts every point ``--rounds`` times the way ``bench.js`` does (form + CSRF token + job version, header
``X-Requested-With: fetch``), timing each request from the client. Prints p50/p95/max in ms.

Run: ``.venv/bin/python bench/bench_point_save.py --url postgresql+psycopg://postgres@127.0.0.1:5432/test``
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from lims.migrate import upgrade
from lims.models import CustomerInstrument, Enterprise, MeasurementStandard, User
from lims.services.demo.seed import DEMO_PASSWORD, load_demo
from lims.services.jobs import jobs
from lims.services.jobs.procedures import latest_procedure
from lims.services.records.database import open_database

SCHEMA = "lims_bench_jobs"
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def schema_url(url: str) -> str:
    parsed = make_url(url)
    return parsed.set(query={**parsed.query, "options": f"-csearch_path={SCHEMA}"}).render_as_string(
        hide_password=False)


def prepare(url: str, instruments: int) -> tuple[str, int]:
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
        conn.exec_driver_sql(f'CREATE SCHEMA "{SCHEMA}"')
    admin.dispose()
    bench_url = schema_url(url)
    upgrade(bench_url)
    db = open_database(bench_url)
    with db.session() as session:
        load_demo(session, today=date.today())
        first = session.scalar(select(Enterprise.id).order_by(Enterprise.id))
        started = time.perf_counter()
        session.execute(text(
            "INSERT INTO customer_instrument (enterprise_id, instrument_type, serial_number, unit, range_min,"
            " range_max, resolution, legally_controlled, created_at) SELECT :first + (g % 5), 'Cân bàn',"
            " 'BENCH-' || g, 'kg', 0, 100, 0.01, (g % 2 = 0), now() FROM generate_series(1, :n) AS g"),
            {"first": first, "n": instruments})
        print(f"{instruments} filler instruments in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        tech = session.scalar(select(User).where(User.username == "ktv.minh"))
        ent = session.get(Enterprise, first)
        assert tech is not None and ent is not None
        dmm = CustomerInstrument(enterprise_id=ent.id, instrument_type="Đồng hồ vạn năng", serial_number="BENCH-DMM",
                                 unit="V", range_min=Decimal(0), range_max=Decimal(20), resolution=Decimal("0.001"))
        session.add(dmm)
        session.flush()
        proc = latest_procedure(session, "CAL-DMM-DCV")
        job = jobs.create_job(session, jobs.JobRequest(ent.id, dmm.id, proc.id, requested_on=date.today(),
                                                       requirements={"points": [2 * i for i in range(1, 11)]}))
        now = datetime.now(UTC)
        jobs.record_intake(session, job.id, jobs.Intake("intact", "none"), expected_version=None)
        jobs.transition_job(session, job.id, "received", user=tech, comment=None, expected_version=None, now=now)
        jobs.transition_job(session, job.id, "in_progress", user=tech, comment=None, expected_version=None, now=now)
        calibrator = session.scalar(select(MeasurementStandard).where(MeasurementStandard.asset_number == "CDL-DI-001"))
        assert calibrator is not None
        jobs.add_standard(session, job.id, calibrator.id, "calibrator", on=date.today(), expected_version=None)
        session.commit()
        session.execute(text("ANALYZE"))
        session.commit()
        job_id = job.id
    db.engine.dispose()
    return bench_url, job_id


def run(bench_url: str, job_id: int, port: int, rounds: int) -> list[float]:
    env = {**os.environ, "LIMS_DATABASE_URL": bench_url, "LIMS_SECRET_KEY": "bench-" + "k" * 40,
           "LIMS_INSTANCE_PATH": "/tmp/lims-bench-instance"}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen([str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"], env=env,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    try:
        for _ in range(100):
            try:
                opener.open(f"{base}/health", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        login = opener.open(f"{base}/login").read().decode()
        token = TOKEN.search(login).group(1)  # type: ignore[union-attr]
        opener.open(f"{base}/login", urllib.parse.urlencode(
            {"csrf_token": token, "username": "ktv.minh", "password": DEMO_PASSWORD}).encode()).read()
        page = opener.open(f"{base}/jobs/{job_id}/bench").read().decode()
        token = TOKEN.search(page).group(1)  # type: ignore[union-attr]
        version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
        times: list[float] = []
        for r in range(rounds + 1):
            for index in range(10):
                nominal = 2 * (index + 1)
                form = {"csrf_token": token, "version": version, "reference_value": str(nominal),
                        "env_temperature": "23.2", "env_humidity": "48",
                        **{f"reading_{i}": f"{nominal + 0.001 * ((i + r) % 3):.3f}" for i in range(1, 6)}}
                request = urllib.request.Request(f"{base}/jobs/{job_id}/points/{index}",
                                                 urllib.parse.urlencode(form).encode(),
                                                 headers={"X-Requested-With": "fetch"})
                started = time.perf_counter()
                with opener.open(request) as response:
                    response.read()
                    version = response.headers["X-Job-Version"]
                if r:  # the first round warms the workers up (imports, caches)
                    times.append((time.perf_counter() - started) * 1000)
        return times
    finally:
        server.terminate()
        server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("LIMS_TEST_POSTGRES_URL", ""))
    parser.add_argument("--instruments", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--port", type=int, default=5087)
    args = parser.parse_args()
    if not args.url.startswith("postgresql"):
        sys.exit("give --url postgresql+psycopg://… (or set LIMS_TEST_POSTGRES_URL)")
    bench_url, job_id = prepare(args.url, args.instruments)
    times = sorted(run(bench_url, job_id, args.port, args.rounds))
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    print(f"| {args.instruments:,} instruments | {len(times)} saves | p50 {statistics.median(times):.0f} ms | "
          f"p95 {p95:.0f} ms | max {times[-1]:.0f} ms |")


if __name__ == "__main__":
    main()

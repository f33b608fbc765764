"""The customer's instrument list and due lists at scale (issue 8 benchmark).

    .venv/bin/python bench/portal_bench.py [--instruments 1000000] [--enterprises 100] [--samples 200]
                                           [--postgres URL] [--sqlite]

Fills ``customer_instrument`` with N instruments spread over E enterprises (N/E each: 10 000 with the
defaults) using set-based INSERT … SELECT, then times, for one enterprise's customer, the portal's reads
through the scoped query helper: the first and a deep keyset page of the list, a text search, a type filter,
and the 30/60/90-day due lists (one aggregate for the counts plus the first 200 items). Prints a Markdown table of p50/p95.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lims.migrate import upgrade
from lims.models import Role
from lims.services import portal
from lims.services.database import open_database

TODAY = date(2027, 1, 1)
TYPES = (
    "Cân kỹ thuật",
    "Cân phân tích",
    "Áp kế",
    "Nhiệt kế",
    "Đồng hồ vạn năng",
    "Lưu lượng kế",
    "Thước cặp",
)


@dataclass(frozen=True)
class Customer:
    enterprise_id: int
    role: Role = Role.CUSTOMER


def build(url: str, instruments: int, enterprises: int) -> float:
    engine = create_engine(url)
    started = time.perf_counter()
    postgres = engine.dialect.name == "postgresql"
    series = (
        "generate_series(1, :n) AS s(i)"
        if postgres
        else "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :n) SELECT i FROM s) AS s"
    )
    now = "now()" if postgres else "CURRENT_TIMESTAMP"
    types = f"CASE i % {len(TYPES)} " + " ".join(f"WHEN {k} THEN '{t}'" for k, t in enumerate(TYPES)) + " END"
    # due dates spread over 400 days from a month before TODAY: about 7 % overdue, 22 % due within 90 days
    due = (
        "DATE '2026-12-02' + (i::bigint * 7919 % 400)::int"
        if postgres
        else "date('2026-12-02', '+' || (i * 7919 % 400) || ' days')"
    )
    with engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO enterprise (id, name, tax_code, address, is_active, created_at) "
                f"SELECT i, 'Enterprise ' || i, 'T' || i, 'Hà Nội', true, {now} FROM {series}"
            ),
            {"n": enterprises},
        )
        conn.execute(
            text(
                "INSERT INTO customer_instrument (id, enterprise_id, instrument_type, manufacturer, model, "
                "serial_number, unit, legally_controlled, next_due_on, created_at) "
                f"SELECT i, 1 + i % :e, {types}, 'Maker ' || (i % 50), 'M-' || (i % 300), 'SN-' || i, 'g', "
                f"false, {due}, {now} FROM {series}"
            ),
            {"n": instruments, "e": enterprises},
        )
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def _time(fn, samples: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    fn()  # warm up
    runs = []
    for _ in range(samples):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(runs), statistics.quantiles(runs, n=20)[18]


def measure(url: str, enterprises: int, samples: int) -> dict[str, tuple[float, float]]:
    database = open_database(url)
    rng = random.Random(5)
    results: dict[str, tuple[float, float]] = {}
    with database.session() as session:
        user = Customer(enterprise_id=1 + rng.randrange(enterprises))
        first = portal.search_instruments(session, user, portal.InstrumentQuery(), today=TODAY)
        deep_after = first.items[0].id - 9000 * enterprises  # about 9 000 rows into the enterprise's list
        cases = {
            "list, first page": lambda: portal.search_instruments(
                session, user, portal.InstrumentQuery(), today=TODAY
            ),
            "list, deep page": lambda: portal.search_instruments(
                session, user, portal.InstrumentQuery(), today=TODAY, after=deep_after
            ),
            "search 'sn-12'": lambda: portal.search_instruments(
                session, user, portal.InstrumentQuery(text="sn-12"), today=TODAY
            ),
            "type filter": lambda: portal.search_instruments(
                session, user, portal.InstrumentQuery(instrument_type=TYPES[2]), today=TODAY
            ),
        }
        for days in portal.DUE_WINDOWS_DAYS:
            cases[f"due list {days} days"] = lambda days=days: portal.due_list(
                session, user, today=TODAY, days=days
            )
        for name, fn in cases.items():
            results[name] = _time(fn, samples)
    database.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instruments", type=int, default=1_000_000)
    parser.add_argument("--enterprises", type=int, default=100)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--postgres", default="")
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}")] if args.sqlite else []
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = None
        if args.postgres:
            admin = create_engine(args.postgres)
            with admin.begin() as conn:
                conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            parsed = make_url(args.postgres)
            targets.append(
                (
                    "PostgreSQL",
                    parsed.set(query={**parsed.query, "options": f"-csearch_path={schema}"}).render_as_string(
                        hide_password=False
                    ),
                )
            )
        try:
            for name, url in targets:
                upgrade(url)
                build_s = build(url, args.instruments, args.enterprises)
                rows.append((name, build_s, measure(url, args.enterprises, args.samples)))
        finally:
            if admin is not None:
                with admin.begin() as conn:
                    conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
                admin.dispose()
    per = args.instruments // args.enterprises
    print(
        f"{args.instruments} instruments, {args.enterprises} enterprises ({per} each), {args.samples} samples\n"
    )
    print("| database | build | read | p50 | p95 |")
    print("| --- | --- | --- | --- | --- |")
    for name, build_s, result in rows:
        for case, (p50, p95) in result.items():
            print(f"| {name} | {build_s:.0f} s | {case} | {p50:.2f} ms | {p95:.2f} ms |")


if __name__ == "__main__":
    main()

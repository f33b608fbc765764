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
import time
from dataclasses import dataclass
from datetime import date

from _bulk import Timings, databases, insert_enterprises, print_table, sql_for, time_ms
from sqlalchemy import create_engine, text

from lims.migrate import upgrade
from lims.models import Role
from lims.services.customers import portal
from lims.services.records.database import open_database

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
    types = f"CASE i % {len(TYPES)} " + " ".join(f"WHEN {k} THEN '{t}'" for k, t in enumerate(TYPES)) + " END"
    with engine.begin() as conn:
        sql = sql_for(conn)
        # due dates spread over 400 days from a month before TODAY: about 7 % overdue, 22 % due within 90 days
        due = (
            "DATE '2026-12-02' + (i::bigint * 7919 % 400)::int"
            if sql.postgres
            else "date('2026-12-02', '+' || (i * 7919 % 400) || ' days')"
        )
        insert_enterprises(conn, enterprises)
        conn.execute(
            text(
                "INSERT INTO customer_instrument (id, enterprise_id, instrument_type, manufacturer, model, "
                "serial_number, unit, legally_controlled, next_due_on, created_at) "
                f"SELECT i, 1 + i % :e, {types}, 'Maker ' || (i % 50), 'M-' || (i % 300), 'SN-' || i, 'g', "
                f"{sql.false}, {due}, {sql.now} FROM {sql.series('n')}"
            ),
            {"n": instruments, "e": enterprises},
        )
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def measure(url: str, enterprises: int, samples: int) -> Timings:
    database = open_database(url)
    rng = random.Random(5)
    results: Timings = {}
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
            results[name] = time_ms(fn, samples)
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
    with databases(sqlite=args.sqlite, postgres_url=args.postgres) as targets:
        for name, url in targets:
            upgrade(url)
            build_s = build(url, args.instruments, args.enterprises)
            rows.append((name, build_s, measure(url, args.enterprises, args.samples)))
    per = args.instruments // args.enterprises
    print(
        f"{args.instruments} instruments, {args.enterprises} enterprises ({per} each), {args.samples} samples\n"
    )
    print_table(rows)


if __name__ == "__main__":
    main()

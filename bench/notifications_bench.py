"""The notification bell (counted on every page) and the notifications page at scale.

    .venv/bin/python bench/notifications_bench.py [--notifications 1000000] [--enterprises 100]
                                                  [--samples 200] [--postgres URL] [--sqlite]

Fills ``notification`` with N rows: 90 % addressed to the customers of E enterprises, 10 % to the lab's
request handlers; one customer user per enterprise has read nine in ten of its enterprise's notifications
(``notification_read``). Then times, for one customer and for a lab administrator, the unread count (the
bell), the first page of the list and the first page of unread ones. Prints a Markdown table of p50/p95.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import dataclass

from _bulk import Timings, databases, insert_enterprises, print_table, sql_for, time_ms
from sqlalchemy import create_engine, text

from lims.migrate import upgrade
from lims.models import Role
from lims.services.common import notifications
from lims.services.records.database import open_database


@dataclass(frozen=True)
class Reader:
    id: int
    role: Role
    enterprise_id: int | None


def build(url: str, count: int, enterprises: int) -> float:
    engine = create_engine(url)
    started = time.perf_counter()
    with engine.begin() as conn:
        sql = sql_for(conn)
        insert_enterprises(conn, enterprises)
        conn.execute(
            text(
                "INSERT INTO user_account (id, username, full_name, role, enterprise_id, password_hash, language, "
                "is_active, is_enterprise_admin, created_at) "
                f"SELECT i, 'kh' || i, 'Khách ' || i, 'customer', i, 'x', 'vi', {sql.true}, {sql.true}, {sql.now} "
                f"FROM {sql.series('e')}"
            ),
            {"e": enterprises},
        )
        conn.execute(
            text(
                "INSERT INTO user_account (id, username, full_name, role, password_hash, language, is_active, "
                f"is_enterprise_admin, created_at) VALUES (:id, 'admin', 'Admin', 'admin', 'x', 'vi', {sql.true}, "
                f"{sql.false}, {sql.now})"
            ),
            {"id": enterprises + 1},
        )
        conn.execute(
            text(
                "INSERT INTO notification (id, enterprise_id, audience, kind, msgid, params, translated_params, "
                "link_endpoint, link_args, created_at) "
                "SELECT i, CASE WHEN i % 10 = 0 THEN NULL ELSE 1 + i % :e END, "
                "CASE WHEN i % 10 = 0 THEN 'lab' ELSE NULL END, 'job_state', "
                "'Job %(number)s (%(instrument)s): %(status)s.', '{}', '[]', 'portal.job', '{}', "
                f"{sql.now} FROM {sql.series('n')}"
            ),
            {"n": count, "e": enterprises},
        )
        conn.execute(
            text(
                f"INSERT INTO notification_read (notification_id, user_id, read_at) "
                f"SELECT id, enterprise_id, {sql.now} FROM notification "
                "WHERE enterprise_id IS NOT NULL AND id % 100 >= 10"
            )
        )
        if sql.postgres:
            conn.execute(text("SELECT setval('notification_id_seq', :n)"), {"n": count})
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def measure(url: str, enterprises: int, samples: int) -> Timings:
    database = open_database(url)
    rng = random.Random(8)
    results: Timings = {}
    with database.session() as session:
        ent = 1 + rng.randrange(enterprises)
        customer = Reader(ent, Role.CUSTOMER, ent)
        admin = Reader(enterprises + 1, Role.ADMIN, None)
        cases = {
            "customer: unread count, exact": lambda: notifications.unread_count(session, customer),  # type: ignore[arg-type]
            "customer: bell (newest 500)": lambda: notifications.unread_count(session, customer, recent=500),  # type: ignore[arg-type]
            "customer: first page (50)": lambda: notifications.list_for(session, customer),  # type: ignore[arg-type]
            "customer: first unread page": lambda: notifications.list_for(
                session, customer, unread_only=True
            ),  # type: ignore[arg-type]
            "lab admin: unread count, exact": lambda: notifications.unread_count(session, admin),  # type: ignore[arg-type]
            "lab admin: bell (newest 500)": lambda: notifications.unread_count(session, admin, recent=500),  # type: ignore[arg-type]
            "lab admin: first page (50)": lambda: notifications.list_for(session, admin),  # type: ignore[arg-type]
        }
        for name, fn in cases.items():
            results[name] = time_ms(fn, samples)
    database.engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--notifications", type=int, default=1_000_000)
    parser.add_argument("--enterprises", type=int, default=100)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--postgres", default="")
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    rows = []
    with databases(sqlite=args.sqlite, postgres_url=args.postgres) as targets:
        for name, url in targets:
            upgrade(url)
            build_s = build(url, args.notifications, args.enterprises)
            rows.append((name, build_s, measure(url, args.enterprises, args.samples)))
    print(f"{args.notifications} notifications, {args.enterprises} enterprises, {args.samples} samples\n")
    print_table(rows)


if __name__ == "__main__":
    main()

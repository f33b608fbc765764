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
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lims.migrate import upgrade
from lims.models import Role
from lims.services import notifications
from lims.services.database import open_database


@dataclass(frozen=True)
class Reader:
    id: int
    role: Role
    enterprise_id: int | None


def build(url: str, count: int, enterprises: int) -> float:
    engine = create_engine(url)
    started = time.perf_counter()
    postgres = engine.dialect.name == "postgresql"

    def series(name: str) -> str:
        return (
            f"generate_series(1, :{name}) AS s(i)"
            if postgres
            else f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :{name}) "
            "SELECT i FROM s) AS s"
        )

    now = "now()" if postgres else "CURRENT_TIMESTAMP"
    true = "true" if postgres else "1"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO enterprise (id, name, tax_code, address, is_active, created_at) "
                f"SELECT i, 'Enterprise ' || i, 'T' || i, 'Hà Nội', {true}, {now} FROM {series('e')}"
            ),
            {"e": enterprises},
        )
        conn.execute(
            text(
                "INSERT INTO user_account (id, username, full_name, role, enterprise_id, password_hash, language, "
                "is_active, is_enterprise_admin, created_at) "
                f"SELECT i, 'kh' || i, 'Khách ' || i, 'customer', i, 'x', 'vi', {true}, {true}, {now} "
                f"FROM {series('e')}"
            ),
            {"e": enterprises},
        )
        conn.execute(
            text(
                "INSERT INTO user_account (id, username, full_name, role, password_hash, language, is_active, "
                f"is_enterprise_admin, created_at) VALUES (:id, 'admin', 'Admin', 'admin', 'x', 'vi', {true}, "
                f"{'false' if postgres else '0'}, {now})"
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
                f"{now} FROM {series('n')}"
            ),
            {"n": count, "e": enterprises},
        )
        conn.execute(
            text(
                f"INSERT INTO notification_read (notification_id, user_id, read_at) "
                f"SELECT id, enterprise_id, {now} FROM notification "
                "WHERE enterprise_id IS NOT NULL AND id % 100 >= 10"
            )
        )
        if postgres:
            conn.execute(text("SELECT setval('notification_id_seq', :n)"), {"n": count})
        conn.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - started


def _time(fn: Any, samples: int) -> tuple[float, float]:
    fn()  # warm up
    runs = []
    for _ in range(samples):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(runs), statistics.quantiles(runs, n=20)[18]


def measure(url: str, enterprises: int, samples: int) -> dict[str, tuple[float, float]]:
    database = open_database(url)
    rng = random.Random(8)
    results: dict[str, tuple[float, float]] = {}
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
            results[name] = _time(fn, samples)
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
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}")] if args.sqlite else []
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = None
        if args.postgres:
            admin = create_engine(args.postgres)
            with admin.begin() as conn:
                conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            parsed = make_url(args.postgres)
            options = {**parsed.query, "options": f"-csearch_path={schema}"}
            targets.append(("PostgreSQL", parsed.set(query=options).render_as_string(hide_password=False)))
        try:
            for name, url in targets:
                upgrade(url)
                build_s = build(url, args.notifications, args.enterprises)
                rows.append((name, build_s, measure(url, args.enterprises, args.samples)))
        finally:
            if admin is not None:
                with admin.begin() as conn:
                    conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
                admin.dispose()
    print(f"{args.notifications} notifications, {args.enterprises} enterprises, {args.samples} samples\n")
    print("| database | build | read | p50 | p95 |")
    print("| --- | --- | --- | --- | --- |")
    for name, build_s, result in rows:
        for case, (p50, p95) in result.items():
            print(f"| {name} | {build_s:.0f} s | {case} | {p50:.2f} ms | {p95:.2f} ms |")


if __name__ == "__main__":
    main()

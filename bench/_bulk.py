"""Set-up shared by the read benchmarks that fill tables with set-based ``INSERT … SELECT``.

Used by ``notifications_bench.py`` and ``portal_bench.py`` (run as ``python bench/NAME.py``, so this module is
imported from the script's own folder): the SQL row generator of each dialect, the enterprises every data set
starts from, the databases to run on (a temporary SQLite file, a throw-away PostgreSQL schema) and the p50/p95
timing with its Markdown table.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url

Timings = dict[str, tuple[float, float]]  # case -> (p50 ms, p95 ms)


@dataclass(frozen=True)
class Sql:
    """The few SQL fragments that differ between PostgreSQL and SQLite."""

    postgres: bool

    def series(self, param: str) -> str:
        """A row source ``s(i)`` for i = 1 … :param (the bound parameter named ``param``)."""
        if self.postgres:
            return f"generate_series(1, :{param}) AS s(i)"
        return (
            f"(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < :{param}) "
            "SELECT i FROM s) AS s"
        )

    @property
    def now(self) -> str:
        return "now()" if self.postgres else "CURRENT_TIMESTAMP"

    @property
    def true(self) -> str:
        return "true" if self.postgres else "1"

    @property
    def false(self) -> str:
        return "false" if self.postgres else "0"


def sql_for(conn: Connection) -> Sql:
    return Sql(postgres=conn.dialect.name == "postgresql")


def insert_enterprises(conn: Connection, count: int) -> None:
    """Enterprises 1 … ``count`` (ids fixed, so the callers can spread rows with ``1 + i % count``)."""
    sql = sql_for(conn)
    conn.execute(
        text(
            "INSERT INTO enterprise (id, name, tax_code, address, is_active, created_at) "
            f"SELECT i, 'Enterprise ' || i, 'T' || i, 'Hà Nội', {sql.true}, {sql.now} FROM {sql.series('e')}"
        ),
        {"e": count},
    )


def time_ms(fn: Callable[[], Any], samples: int) -> tuple[float, float]:
    """p50 and p95 of ``samples`` calls of ``fn`` in milliseconds, after one warm-up call."""
    fn()
    runs = []
    for _ in range(samples):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000)
    return statistics.median(runs), statistics.quantiles(runs, n=20)[18]


@contextmanager
def databases(*, sqlite: bool, postgres_url: str) -> Iterator[list[tuple[str, str]]]:
    """(name, URL) of each database asked for: a temporary SQLite file, a PostgreSQL schema dropped after."""
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}")] if sqlite else []
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = None
        if postgres_url:
            admin = create_engine(postgres_url)
            with admin.begin() as conn:
                conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            parsed = make_url(postgres_url)
            options = {**parsed.query, "options": f"-csearch_path={schema}"}
            targets.append(("PostgreSQL", parsed.set(query=options).render_as_string(hide_password=False)))
        try:
            yield targets
        finally:
            if admin is not None:
                with admin.begin() as conn:
                    conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
                admin.dispose()


def print_table(rows: list[tuple[str, float, Timings]]) -> None:
    """The Markdown table of every (database, build seconds, timings) row."""
    print("| database | build | read | p50 | p95 |")
    print("| --- | --- | --- | --- | --- |")
    for name, build_s, result in rows:
        for case, (p50, p95) in result.items():
            print(f"| {name} | {build_s:.0f} s | {case} | {p50:.2f} ms | {p95:.2f} ms |")

"""Resolving a traceability chain from the database at scale (issue 4 benchmark).

    .venv/bin/python bench/traceability_sql.py [--standards 100000] [--samples 300] [--postgres URL]

Builds a register of N standards in four levels (VMI-calibrated references at the top, each lower
standard calibrated by this lab against one or two standards of the level above), five yearly
calibrations per standard (5·N calibration records), then times ``standard_chain`` — the recursive
query, the three loads and the pure resolution — for random standards of the lowest level, on SQLite
and, when a URL is given, PostgreSQL. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from lims.migrate import upgrade
from lims.models import Lab, MeasurementStandard, StandardCalibration, StandardCalibrationSource
from lims.services.records.database import open_database
from lims.services.standards.traceability import reachable_standards, standard_chain

YEARS = 5
ON = date(2025, 6, 1)


def level_sizes(total: int) -> list[int]:
    top = max(10, total // 1000)
    second = top * 10
    third = min(second * 10, total // 10)
    return [top, second, third, total - top - second - third]


def build(url: str, total: int, seed: int = 7) -> tuple[list[int], float]:
    rng = random.Random(seed)
    engine = create_engine(url)
    started = time.perf_counter()
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(insert(Lab), [{"id": 1, "code": "B", "name_vi": "B", "name_en": "B", "address": "x",
                                    "created_at": now}])
        levels: list[list[int]] = []
        next_id = 1
        for size in level_sizes(total):
            ids = list(range(next_id, next_id + size))
            next_id += size
            levels.append(ids)
            conn.execute(insert(MeasurementStandard), [
                {"id": i, "lab_id": 1, "asset_number": f"B-{i:07d}", "name": f"standard {i}", "quantity": "mass",
                 "unit": "g", "level": "reference" if not levels[:-1] else "working", "status": "in_service",
                 "created_at": now} for i in ids])
        cal_id = 1
        for depth, ids in enumerate(levels):
            calibrations, sources = [], []
            for sid in ids:
                for year in range(YEARS):
                    on = date(2021 + year, 1, 10) + timedelta(days=depth * 20 + sid % 15)
                    u = 0.0001 * 5 ** depth
                    calibrations.append({
                        "id": cal_id, "standard_id": sid, "calibrated_on": on, "certificate_number": f"C{cal_id}",
                        "issuer_kind": "national_metrology_institute" if depth == 0 else "this_lab",
                        "issuer_name": "VMI" if depth == 0 else "Lab", "issued_on": on,
                        "valid_until": on + timedelta(days=400), "file_sha256": "0" * 64, "created_at": now,
                        "points": [{"value": 1000, "unit": "g", "expanded_uncertainty": u, "k": 2}]})
                    if depth:
                        for source in rng.sample(levels[depth - 1], rng.choice((1, 2))):
                            sources.append({"calibration_id": cal_id, "standard_id": source})
                    cal_id += 1
            for start in range(0, len(calibrations), 20000):
                conn.execute(insert(StandardCalibration), calibrations[start:start + 20000])
            for start in range(0, len(sources), 50000):
                conn.execute(insert(StandardCalibrationSource), sources[start:start + 50000])
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    engine.dispose()
    return levels[-1], time.perf_counter() - started


def measure(url: str, subjects: list[int], samples: int) -> dict[str, float]:
    database = open_database(url)
    rng = random.Random(11)
    chosen = rng.sample(subjects, samples)
    query_ms, chain_ms, links = [], [], []
    with database.session() as session:
        standard_chain(session, f"B-{chosen[0]:07d}", on=ON)  # warm up caches and compiled statements
        for sid in chosen:
            t0 = time.perf_counter()
            reachable_standards(session, [sid], ON)
            t1 = time.perf_counter()
            chain = standard_chain(session, f"B-{sid:07d}", on=ON)
            t2 = time.perf_counter()
            query_ms.append((t1 - t0) * 1000)
            chain_ms.append((t2 - t1) * 1000)
            links.append(len(chain.links))
    database.engine.dispose()
    q = statistics.quantiles(chain_ms, n=20)
    return {"query_p50": statistics.median(query_ms), "chain_p50": statistics.median(chain_ms), "chain_p95": q[18],
            "links": statistics.mean(links)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--standards", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--postgres", default="")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}")]
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = None
        if args.postgres:
            admin = create_engine(args.postgres)
            with admin.begin() as conn:
                conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            parsed = make_url(args.postgres)
            targets.append(("PostgreSQL", parsed.set(query={**parsed.query, "options": f"-csearch_path={schema}"})
                            .render_as_string(hide_password=False)))
        try:
            for name, url in targets:
                upgrade(url)
                subjects, build_s = build(url, args.standards)
                result = measure(url, subjects, args.samples)
                rows.append((name, build_s, result))
        finally:
            if admin is not None:
                with admin.begin() as conn:
                    conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    print(f"{args.standards} standards, {args.standards * YEARS} calibrations, {args.samples} chains on {ON}\n")
    print("| database | build | recursive query p50 | whole chain p50 | whole chain p95 | links per chain |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, build_s, r in rows:
        print(f"| {name} | {build_s:.0f} s | {r['query_p50']:.2f} ms | {r['chain_p50']:.2f} ms | "
              f"{r['chain_p95']:.2f} ms | {r['links']:.1f} |")


if __name__ == "__main__":
    main()

"""Time ``lims backup`` and ``lims restore`` on a synthetic deployment.

    .venv/bin/python bench/backup_restore.py --instruments 100000 --files 200
    LIMS_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/backup_restore.py --instruments 100000 --files 200 --database postgresql

The data set is the demo plus N customer instruments (bulk-inserted) and F stored PDFs of 200 KB each.
"""

from __future__ import annotations

import argparse
import os
import secrets
import tempfile
import time
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import create_engine, insert, select
from sqlalchemy.engine import make_url

from lims.db import make_engine
from lims.migrate import upgrade
from lims.models import CustomerInstrument, Enterprise
from lims.services.common.storage import DatabaseStorage
from lims.services.demo.seed import load_demo
from lims.services.records.backup import create_backup
from lims.services.records.database import open_database
from lims.services.records.restore import restore_backup

KEY = secrets.token_bytes(32)  # a throw-away signing key: the archive is restored by this same run


def _url(kind: str, folder: Path, schemas: list[str]) -> str:
    if kind == "sqlite":
        return f"sqlite:///{folder / (uuid.uuid4().hex[:8] + '.db')}"
    base = os.environ["LIMS_BENCH_POSTGRES_URL"]
    schema = f"lims_bench_{uuid.uuid4().hex[:8]}"
    with create_engine(base).begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    schemas.append(schema)
    parsed = make_url(base)
    return parsed.set(query={**parsed.query, "options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


def _populate(url: str, instruments: int, files: int) -> None:
    upgrade(url)
    database = open_database(url)
    with database.session() as session, session.begin():
        load_demo(session, today=date(2026, 11, 22))
        enterprise_ids = list(session.scalars(select(Enterprise.id)))
        storage = DatabaseStorage(session)
        for n in range(files):
            body = b"%PDF-1.7\n" + secrets.token_bytes(200_000) + b"\nstartxref\n9\n%%EOF\n"
            storage.put(f"certificates/BENCH-{n:06d}.pdf", body, "application/pdf")
    with database.engine.begin() as conn:
        batch = []
        for n in range(instruments):
            batch.append(
                {
                    "enterprise_id": enterprise_ids[n % len(enterprise_ids)],
                    "instrument_type": "Cân kỹ thuật",
                    "serial_number": f"SN-{n:09d}",
                    "range_min": Decimal("0"),
                    "range_max": Decimal("6200.5"),
                    "unit": "g",
                    "resolution": Decimal("0.01"),
                    "legally_controlled": n % 3 == 0,
                    "next_due_on": date(2027, 1 + n % 12, 1 + n % 28),
                }
            )
            if len(batch) == 5000:
                conn.execute(insert(CustomerInstrument), batch)
                batch = []
        if batch:
            conn.execute(insert(CustomerInstrument), batch)
    database.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instruments", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    schemas: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        source, target = _url(args.database, folder, schemas), _url(args.database, folder, schemas)
        try:
            _populate(source, args.instruments, args.files)
            engine = make_engine(source)
            started = time.perf_counter()
            manifest = create_backup(engine, folder / "b.zip", key=KEY).manifest
            backup_s = time.perf_counter() - started
            engine.dispose()
            rows = sum(entry["rows"] for entry in manifest["tables"])
            size_mb = (folder / "b.zip").stat().st_size / 1e6
            engine = make_engine(target)
            started = time.perf_counter()
            restore_backup(folder / "b.zip", engine, target, key=KEY)
            restore_s = time.perf_counter() - started
            engine.dispose()
        finally:
            if schemas:
                with create_engine(os.environ["LIMS_BENCH_POSTGRES_URL"]).begin() as conn:
                    for schema in schemas:
                        conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    print(
        f"| {args.database} | {rows:,} rows, {args.files} files | {size_mb:.1f} MB | "
        f"{backup_s:.1f} s ({rows / backup_s:,.0f} rows/s) | {restore_s:.1f} s ({rows / restore_s:,.0f} rows/s) |"
    )


if __name__ == "__main__":
    main()

"""``lims backup``: a consistent snapshot of the database and the stored files in one zip archive.

Everything is read inside one transaction — REPEATABLE READ and read-only on PostgreSQL, a read
transaction on SQLite (WAL) — so the archive is the database as it stood at one instant while the
application keeps running. The audit chain is verified inside that same snapshot and the result is
written into the manifest (ISO/IEC 17025 7.5, 8.4: records are protected and their integrity shown).
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import Connection, Engine, MetaData, Table, select
from sqlalchemy.orm import Session

from lims import __version__
from lims.errors import N_
from lims.models import AuditEntry
from lims.services.common.storage import StoredFileCorrupt, StoredFileMissing, sha256_hex
from lims.services.records.audit import verify_chain
from lims.services.records.backup_format import (
    ALEMBIC_TABLE,
    DERIVED_TABLES,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    SIGNATURE,
    STORED_FILE_DATA,
    STORED_FILE_TABLE,
    BackupError,
    HashingWriter,
    codec_of,
    dumps_line,
    file_member,
    read_expression,
    row_encoder,
    table_member,
)
from lims.services.records.signing import sign

ROWS_PER_FETCH = 1000
FILES_PER_FETCH = 20

# Reads the bytes of a stored file whose row holds none (S3 storage): (sha256, key) -> bytes.
BlobReader = Callable[[str, str], bytes]


@dataclass(frozen=True, slots=True)
class BackupSummary:
    path: Path
    manifest: dict[str, Any]


def _snapshot(engine: Engine) -> Connection:
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    return conn


def _revision(conn: Connection, tables: MetaData) -> str:
    if ALEMBIC_TABLE not in tables.tables:
        raise BackupError(N_("The database has no schema yet; run `lims db upgrade` first."))
    revision = conn.execute(select(tables.tables[ALEMBIC_TABLE].c.version_num)).scalar_one_or_none()
    if revision is None:
        raise BackupError(N_("The database records no migration revision; run `lims db upgrade` first."))
    return str(revision)


def _order(table: Table) -> list[Any]:
    return list(table.primary_key.columns) or list(table.columns)


def create_backup(
    engine: Engine,
    output: Path,
    *,
    key: bytes,
    read_blob: BlobReader | None = None,
    now: datetime | None = None,
) -> BackupSummary:
    """Write the archive to ``output`` (created atomically; an existing file is never overwritten).

    The archive holds password hashes and customers' data, so it is created readable by its owner only
    (0600). Its manifest records the audit chain's head and is signed with ``key`` (``manifest.sig``), so
    a restore refuses any archive changed afterwards, even one whose manifest hashes were rewritten."""
    if output.exists():
        raise BackupError(N_("%(path)s already exists; choose a new file name."), path=str(output))
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.partial-{os.getpid()}")
    try:
        with _snapshot(engine) as conn, conn.begin():
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                manifest = _write(conn, handle, key=key, read_blob=read_blob, now=now or datetime.now(UTC))
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        if output.exists():
            raise BackupError(N_("%(path)s already exists; choose a new file name."), path=str(output))
        os.replace(partial, output)
    finally:
        partial.unlink(missing_ok=True)
    return BackupSummary(output, manifest)


def _write(
    conn: Connection, target: BinaryIO, *, key: bytes, read_blob: BlobReader | None, now: datetime
) -> dict[str, Any]:
    dialect = conn.dialect.name
    reflected = MetaData()
    reflected.reflect(conn)
    revision = _revision(conn, reflected)
    members: dict[str, dict[str, Any]] = {}
    tables: list[dict[str, Any]] = []
    files: dict[str, int] = {}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for table in reflected.sorted_tables:
            if table.name in DERIVED_TABLES:
                continue
            codecs = [(col, codec_of(col.type, table=table.name, column=col.name)) for col in table.columns]
            blob_index = None
            if table.name == STORED_FILE_TABLE:
                blob_index = [col.name for col, _ in codecs].index(STORED_FILE_DATA)
            query = select(*(read_expression(col, codec, dialect) for col, codec in codecs)).order_by(
                *_order(table)
            )
            fetch = FILES_PER_FETCH if blob_index is not None else ROWS_PER_FETCH
            rows = 0
            member = table_member(table.name)
            info = zipfile.ZipInfo(member, date_time=now.astimezone(UTC).timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as handle:
                writer = HashingWriter(handle)
                encode = row_encoder([codec for _, codec in codecs])
                lines: list[bytes] = []
                for row in conn.execution_options(yield_per=fetch).execute(query):
                    values = encode(row)
                    if blob_index is not None:
                        values[blob_index] = None  # the bytes travel as files/<sha256>
                    lines.append(dumps_line(values))
                    rows += 1
                    if len(lines) == ROWS_PER_FETCH:
                        writer.write(b"".join(lines))
                        lines = []
                writer.write(b"".join(lines))
            members[member] = {"sha256": writer.sha256, "size": writer.size}
            tables.append(
                {
                    "name": table.name,
                    "member": member,
                    "rows": rows,
                    "columns": [[col.name, codec] for col, codec in codecs],
                }
            )
        if STORED_FILE_TABLE in reflected.tables:
            files_table = reflected.tables[STORED_FILE_TABLE]
            query = select(files_table.c.sha256, files_table.c.key, files_table.c[STORED_FILE_DATA])
            for row in conn.execution_options(yield_per=FILES_PER_FETCH).execute(
                query.order_by(files_table.c.id)
            ):
                _store_blob(archive, row._mapping, members, files, read_blob)
        with Session(bind=conn) as session:
            report = verify_chain(session)
            head = session.execute(
                select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)
            ).first()
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "app_version": __version__,
            "alembic_revision": revision,
            "created_at": now.astimezone(UTC).isoformat(timespec="seconds"),
            "source_dialect": dialect,
            "tables": tables,
            "stored_files": len(files),
            "audit": {
                "ok": report.ok,
                "entries": report.entries,
                "problem": None if report.problem is None else str(report.problem),
                "head_seq": head.seq if head is not None else None,
                "head_hash": head.hash if head is not None else None,
            },
            "members": members,
        }
        raw = json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8")
        archive.writestr(MANIFEST, raw)
        archive.writestr(SIGNATURE, sign(key, raw) + "\n")
    return manifest


def _store_blob(
    archive: zipfile.ZipFile,
    row: Any,
    members: dict[str, dict[str, Any]],
    files: dict[str, int],
    read_blob: BlobReader | None,
) -> None:
    sha256, key = row["sha256"], row["key"]
    if sha256 in files:
        return
    data = row[STORED_FILE_DATA]
    if data is None:
        if read_blob is None:
            raise StoredFileMissing(key=key)
        data = read_blob(sha256, key)
    data = bytes(data)
    if sha256_hex(data) != sha256:
        raise StoredFileCorrupt(key=key)
    member = file_member(sha256)
    archive.writestr(member, data)
    members[member] = {"sha256": sha256, "size": len(data)}
    files[sha256] = len(data)

"""``lims restore``: bring a backup back into an empty deployment, all or nothing.

Order of work: every archive member is checked against the manifest's SHA-256 before the database is
touched; then, in ONE transaction, the target is checked to hold no data, migrated to the backup's
revision, filled with the rows (primary keys kept), PostgreSQL sequences are moved past the restored
keys, and the audit chain is verified. Any failure rolls the whole transaction back. A SQLite backup
restores into PostgreSQL and back: values are carried by column kind (see ``backup_format``).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, MetaData, Table, func, insert, inspect, select, table, text
from sqlalchemy.orm import Session

from lims.db import Base
from lims.errors import N_
from lims.migrate import upgrade
from lims.services.records.audit import verify_chain
from lims.services.records.backup_format import (
    ALEMBIC_TABLE,
    DERIVED_TABLES,
    STORED_FILE_DATA,
    STORED_FILE_TABLE,
    BackupInvalid,
    RestoreRefused,
    codec_of,
    file_member,
    insert_table,
    read_manifest,
    row_decoder,
)

ROWS_PER_INSERT = 1000
FILES_PER_INSERT = 20
AUDIT_HEAD_TABLE = "audit_chain_head"

# Stores a file's bytes outside the database (S3 storage): (sha256, data, content_type) -> None.
BlobWriter = Callable[[str, bytes, str], None]


@dataclass(frozen=True, slots=True)
class RestoreSummary:
    revision: str
    rows: dict[str, int]
    stored_files: int
    audit_entries: int
    audit_problem: str | None  # as recorded at backup time; None when the chain is intact


def restore_backup(
    archive_path: Path, engine: Engine, url: str, *, key: bytes, write_blob: BlobWriter | None = None
) -> RestoreSummary:
    """Restore ``archive_path`` into the empty database ``engine`` points at (``url`` is for Alembic).

    ``key`` is the deployment's signing key (:mod:`lims.services.records.signing`): an archive whose
    signature does not match is refused before the database is touched.

    ``write_blob`` given (S3 storage): stored files go there and their rows keep no bytes; otherwise
    the bytes go into ``stored_file.data``.
    """
    path = str(archive_path)
    try:
        archive = zipfile.ZipFile(archive_path)
    except FileNotFoundError:
        raise BackupInvalid(path=path, reason="the file does not exist") from None
    except zipfile.BadZipFile:
        raise BackupInvalid(path=path, reason="it is not a zip archive") from None
    with archive:
        manifest = read_manifest(archive, path, key=key)
        with engine.begin() as conn:
            _refuse_unless_empty(conn)
            revision = manifest["alembic_revision"]
            _migrate(conn, url, revision)
            target = MetaData()
            target.reflect(conn)
            _check_schema(manifest, target, path)
            for existing in reversed(target.sorted_tables):
                if existing.name != ALEMBIC_TABLE:
                    conn.execute(existing.delete())  # rows the migrations seed (the audit chain's genesis)
            rows: dict[str, int] = {}
            for entry in manifest["tables"]:
                if entry["name"] == ALEMBIC_TABLE or entry["name"] in DERIVED_TABLES:
                    continue  # derived tables are rebuilt by the triggers as their sources are inserted
                rows[entry["name"]] = _load_table(
                    conn, archive, entry, target.tables[entry["name"]], write_blob
                )
                if rows[entry["name"]] != entry["rows"]:
                    raise BackupInvalid(
                        path=path, reason=f"{entry['member']} holds a different number of rows"
                    )
            if conn.dialect.name == "postgresql":
                _reset_sequences(conn, target)
            with Session(bind=conn) as session:
                report = verify_chain(session)
            recorded = manifest["audit"]
            problem = None if report.problem is None else str(report.problem)
            if report.entries != recorded["entries"] or problem != recorded["problem"]:
                raise RestoreRefused(
                    N_(
                        "Restore refused: the audit chain after restore (%(after)s) differs from the backup's (%(before)s)."
                    ),
                    after=problem or f"{report.entries} entries intact",
                    before=recorded["problem"] or f"{recorded['entries']} entries intact",
                )
    return RestoreSummary(revision, rows, manifest["stored_files"], report.entries, problem)


def _refuse_unless_empty(conn: Connection) -> None:
    existing = set(inspect(conn).get_table_names())
    holding: list[str] = []
    for model_table in Base.metadata.sorted_tables:
        name = model_table.name
        if name not in existing:
            continue
        query = select(func.count()).select_from(table(name))
        if name == AUDIT_HEAD_TABLE:
            query = query.where(text("seq <> 0"))  # the genesis row every migrated database holds
        if conn.execute(query).scalar_one():
            holding.append(name)
    if holding:
        raise RestoreRefused(
            N_(
                "Restore refused: the database already holds data (%(tables)s); restore into an empty database."
            ),
            tables=", ".join(sorted(holding)),
        )


def _migrate(conn: Connection, url: str, revision: str) -> None:
    try:
        upgrade(url, revision, connection=conn)
    except CommandError as exc:
        raise RestoreRefused(
            N_(
                "Restore refused: the empty database cannot be migrated to the backup's revision %(revision)s (%(detail)s); "
                "restore into a database without tables."
            ),
            revision=revision,
            detail=str(exc),
        ) from None


def _check_schema(manifest: dict[str, Any], target: MetaData, path: str) -> None:
    for entry in manifest["tables"]:
        found = target.tables.get(entry["name"])
        if found is None:
            raise BackupInvalid(path=path, reason=f"table {entry['name']} does not exist at its revision")
        expected = [tuple(pair) for pair in entry["columns"]]
        actual = [(col.name, codec_of(col.type, table=found.name, column=col.name)) for col in found.columns]
        if sorted(expected) != sorted(actual):
            raise BackupInvalid(
                path=path, reason=f"the columns of {entry['name']} differ from the database's"
            )
    if ALEMBIC_TABLE in target.tables:
        return
    raise BackupInvalid(path=path, reason="the migrations did not create alembic_version")


def _rows(archive: zipfile.ZipFile, member: str) -> Iterator[list[Any]]:
    with archive.open(member) as handle:
        for line in handle:
            yield json.loads(line)


def _load_table(
    conn: Connection,
    archive: zipfile.ZipFile,
    entry: dict[str, Any],
    target: Table,
    write_blob: BlobWriter | None,
) -> int:
    names = [name for name, _ in entry["columns"]]
    codecs = [codec for _, codec in entry["columns"]]
    statement = insert(insert_table(target))
    is_files = entry["name"] == STORED_FILE_TABLE
    batch_size = FILES_PER_INSERT if is_files else ROWS_PER_INSERT
    batch: list[dict[str, Any]] = []
    count = 0
    decode = row_decoder(codecs)
    for values in _rows(archive, entry["member"]):
        if len(values) != len(names):
            raise BackupInvalid(
                path=archive.filename or "?", reason=f"a row of {entry['member']} has the wrong length"
            )
        row = dict(zip(names, decode(values), strict=True))
        if is_files:
            data = archive.read(file_member(row["sha256"]))
            if write_blob is None:
                row[STORED_FILE_DATA] = data
            else:
                write_blob(row["sha256"], data, row["content_type"])
                row[STORED_FILE_DATA] = None
        batch.append(row)
        count += 1
        if len(batch) >= batch_size:
            conn.execute(statement, batch)
            batch = []
    if batch:
        conn.execute(statement, batch)
    return count


def _reset_sequences(conn: Connection, target: MetaData) -> None:
    """Move every serial/identity sequence past the restored keys, so new rows do not collide."""
    quote = conn.dialect.identifier_preparer.quote
    for restored in target.sorted_tables:
        for col in restored.primary_key.columns:
            sequence = conn.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": quote(restored.name), "column": col.name},
            ).scalar_one()
            if sequence is None:
                continue
            highest = conn.execute(select(func.max(col))).scalar_one()
            conn.execute(
                text("SELECT setval(:sequence, :value, :called)"),
                {"sequence": sequence, "value": highest or 1, "called": highest is not None},
            )

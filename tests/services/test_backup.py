"""Backup and restore on real, committed databases: every row comes back exactly (ISO/IEC 17025 7.5, 8.4).

These tests do not use the rolled-back ``session`` fixture: a backup reads what is committed, and a
restore commits. Each test makes its own SQLite file and/or PostgreSQL schema.
"""

from __future__ import annotations

import json
import uuid
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, create_engine, inspect, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

import lims.models  # noqa: F401 - every table on the metadata
from lims.cli import main
from lims.db import Base, make_engine
from lims.migrate import upgrade
from lims.models import AuditEntry, Lab, MeasurementStandard, Quantity, StandardLevel, StoredFile
from lims.services.common.storage import DatabaseStorage
from lims.services.records.audit import verify_chain
from lims.services.records.backup import create_backup
from lims.services.records.backup_format import (
    DERIVED_TABLES,
    MANIFEST,
    SIGNATURE,
    BackupError,
    BackupInvalid,
    RestoreRefused,
    table_member,
)
from lims.services.records.database import open_database
from lims.services.records.restore import restore_backup
from tests import builtonce, s3server
from tests.builtonce import copy_sqlite
from tests.conftest import DEMO_TODAY, NO_POSTGRES, POSTGRES_URL, built_data_set

KINDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
s3_endpoint = s3server.s3_endpoint  # fixtures shared with the other S3 tests
s3_settings = s3server.s3_settings

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) + b"\ntrailer\n<<>>\nstartxref\n9\n%%EOF\n"

FreshUrl = Callable[[str], str]


def _pg_url(name: str) -> str:
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def _pg_admin() -> Engine:
    return create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")  # CREATE DATABASE runs outside a transaction


@pytest.fixture
def fresh_url(tmp_path: Path) -> Iterator[FreshUrl]:
    """Make empty databases (no tables) of a kind; PostgreSQL databases are dropped afterwards."""
    names: list[str] = []
    admin: list[Engine] = []

    def make(kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{tmp_path / f'{uuid.uuid4().hex[:8]}.db'}"
        if not POSTGRES_URL:
            pytest.skip(NO_POSTGRES)
        if not admin:
            admin.append(_pg_admin())
        name = f"lims_backup_{uuid.uuid4().hex[:10]}"
        with admin[0].connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        names.append(name)
        return _pg_url(name)

    yield make
    for name in names:
        with admin[0].connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for engine in admin:
        engine.dispose()


_FACTORY: list[pytest.TempPathFactory] = []


@pytest.fixture(scope="module", autouse=True)
def _run_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    _FACTORY.append(tmp_path_factory)
    try:
        yield
    finally:
        _FACTORY.remove(tmp_path_factory)


WIDEST = Decimal("98765.4321098765")
DEMO_DAY = DEMO_TODAY  # the shared data set's date: its demo is built once per run and backend


def _populate(url: str, *, widest: Decimal = WIDEST) -> None:
    """Make the empty database at ``url`` hold what ``_add_edges`` writes on the demo as of DEMO_DAY.

    Each populated database is built once per run, kind and ``widest`` (tests/builtonce.py), on a copy of the
    run's demo as of DEMO_DAY (tests/conftest.py ``built_data_set``), then copied into each test's database: a
    SQLite file by SQLite's backup API, a PostgreSQL database by CREATE DATABASE … TEMPLATE (a file-level copy
    of the template database)."""
    factory = _FACTORY[-1]
    name = f"backup-{widest}"
    if url.startswith("sqlite"):
        demo = Path(built_data_set("sqlite", factory, today=DEMO_DAY))

        def build(built: str) -> None:
            copy_sqlite(demo, Path(str(make_url(built).database)))
            _add_edges(built, widest=widest)

        target = make_url(url).database
        assert target is not None
        copy_sqlite(builtonce.sqlite_built_once(factory, name, build), Path(target))
        return
    template = builtonce.postgres_template(
        factory,
        name,
        lambda built: _add_edges(built, widest=widest),
        template=built_data_set("postgresql", factory, today=DEMO_DAY),
    )
    builtonce.copy_postgres(template, make_url(url).database)  # the test's empty database, made again as a copy


def _add_edges(url: str, *, widest: Decimal) -> None:
    """Stored files and values at the edges of each column kind, added to the demo data set at ``url``.

    SQLite keeps NUMERIC in a 64-bit float (15 significant digits); the full NUMERIC(30, 12) range is
    only exercised where every database on the way is PostgreSQL.
    """
    database = open_database(url)
    with database.session() as session, session.begin():
        lab = session.scalars(select(Lab)).one()
        session.add(
            MeasurementStandard(
                lab_id=lab.id,
                asset_number="EDGE-1",
                name="Quả cân chuẩn E2 — “edge” ñ 𝛀",
                quantity=Quantity.MASS,
                level=StandardLevel.REFERENCE,
                calibration_interval_months=12,
                notes="dòng một\ndòng hai\tcó tab",
                range_min=Decimal("-0.000000000001"),
                range_max=widest,
                unit="kg",
            )
        )
        storage = DatabaseStorage(session)
        storage.put("certificates/HN-2026-00001.pdf", PDF, "application/pdf")
        storage.put("certificates/HN-2026-00001.xml", "<dcc>Hà Nội</dcc>".encode(), "application/xml")
        storage.put("copies/same-bytes.pdf", PDF, "application/pdf")  # one blob in the archive, two rows
    database.engine.dispose()


def _demo_file_count(url: str) -> int:
    """Stored files the demo data set itself holds (copies of the standards' certificates)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            keys = conn.execute(select(StoredFile.key)).scalars().all()
    finally:
        engine.dispose()
    return sum(1 for key in keys if not key.startswith(("certificates/", "copies/")))


def _snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every model table, read through the models' own column types."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table.name: [
                    tuple(row) for row in conn.execute(select(table).order_by(*table.primary_key.columns))
                ]
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def _doubles(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [tuple(float(v) if isinstance(v, Decimal) else v for v in row) for row in rows]


KEY = bytes(range(32))  # the deployment's signing key (instance/signing_key) in these tests


def _backup(url: str, output: Path) -> dict[str, Any]:
    engine = make_engine(url)
    try:
        return create_backup(engine, output, key=KEY, now=datetime(2026, 11, 22, 19, 0, tzinfo=UTC)).manifest
    finally:
        engine.dispose()


def _restore(archive: Path, url: str) -> Any:
    engine = make_engine(url)
    try:
        return restore_backup(archive, engine, url, key=KEY)
    finally:
        engine.dispose()


def _table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", KINDS)
def test_round_trip_restores_every_row_exactly(kind: str, fresh_url: FreshUrl, tmp_path: Path) -> None:
    source = fresh_url(kind)
    _populate(
        source,
        widest=Decimal("123456789012345678.123456789012") if kind == "postgresql" else Decimal("1E+15"),
    )
    manifest = _backup(source, tmp_path / "lims.zip")

    assert manifest["format"] == "lims-backup" and manifest["alembic_revision"]
    assert manifest["created_at"] == "2026-11-22T19:00:00+00:00"
    names = [entry["name"] for entry in manifest["tables"]]
    # Derived tables stay out of the archive; the snapshot comparison below shows the restore rebuilt them.
    assert set(Base.metadata.tables) - DERIVED_TABLES | {"alembic_version"} == set(names)
    assert _snapshot(source)["open_job_due"], "the populated source has open jobs with a due date"
    assert names.index("lab") < names.index("measurement_standard") < names.index("job")
    counts = {entry["name"]: entry["rows"] for entry in manifest["tables"]}
    demo_files = _demo_file_count(source)
    assert counts["stored_file"] == demo_files + 3 and manifest["stored_files"] == demo_files + 2
    assert manifest["audit"]["ok"] and manifest["audit"]["entries"] == counts["audit_entry"] > 20

    target = fresh_url(kind)
    summary = _restore(tmp_path / "lims.zip", target)
    assert summary.audit_entries == manifest["audit"]["entries"]
    before, after = _snapshot(source), _snapshot(target)
    for table in before:
        assert after[table] == before[table], table
    restored = {row[1]: row for row in after["stored_file"]}  # by key
    assert restored["certificates/HN-2026-00001.pdf"][-2] == PDF  # bytes restored into the row


@pytest.mark.slow
@pytest.mark.parametrize(("first", "second"), [("sqlite", "postgresql"), ("postgresql", "sqlite")])
def test_cross_database_round_trip(first: str, second: str, fresh_url: FreshUrl, tmp_path: Path) -> None:
    source = fresh_url(first)
    _populate(source)
    _backup(source, tmp_path / "one.zip")
    middle = fresh_url(second)
    _restore(tmp_path / "one.zip", middle)
    _backup(middle, tmp_path / "two.zip")
    back = fresh_url(first)
    _restore(tmp_path / "two.zip", back)

    original, crossed, returned = _snapshot(source), _snapshot(middle), _snapshot(back)
    for table in original:
        assert returned[table] == original[table], table
        # SQLite reads NUMERIC through a double ('%.12f' shows its binary digits): the same double.
        assert _doubles(crossed[table]) == _doubles(original[table]), table


@pytest.mark.slow
def test_restored_database_keeps_working(fresh_url: FreshUrl, tmp_path: Path) -> None:
    """New rows after a restore get fresh keys and extend the restored audit chain."""
    kind = "postgresql" if POSTGRES_URL else "sqlite"
    source = fresh_url(kind)
    _populate(source)
    _backup(source, tmp_path / "b.zip")
    target = fresh_url(kind)
    _restore(tmp_path / "b.zip", target)
    database = open_database(target)
    with database.session() as session, session.begin():
        highest = session.scalar(select(Lab.id).order_by(Lab.id.desc()).limit(1))
        lab = Lab(code="NEW", name_vi="Mới", name_en="New", address="Huế")
        session.add(lab)
        session.flush()
        assert lab.id > highest
        assert DatabaseStorage(session).get("certificates/HN-2026-00001.pdf") == PDF
    with database.session() as session:
        assert verify_chain(session).ok
    database.engine.dispose()


def test_restore_refuses_a_database_with_data(fresh_url: FreshUrl, tmp_path: Path) -> None:
    source = fresh_url("sqlite")
    _populate(source)
    _backup(source, tmp_path / "b.zip")
    with pytest.raises(RestoreRefused, match="already holds data"):
        _restore(tmp_path / "b.zip", source)


def test_restore_into_a_migrated_empty_database(fresh_url: FreshUrl, tmp_path: Path) -> None:
    source = fresh_url("sqlite")
    _populate(source)
    _backup(source, tmp_path / "b.zip")
    target = fresh_url("sqlite")
    upgrade(target)  # `lims db upgrade` already run: only the audit chain's genesis row is there
    _restore(tmp_path / "b.zip", target)
    assert _snapshot(target) == _snapshot(source)


def _rewrite(
    archive: Path,
    output: Path,
    change: Callable[[str, bytes], bytes],
    *,
    rehash: bool,
    resign_with: bytes | None = None,
) -> None:
    """Copy an archive, changing members; with ``rehash`` the manifest is forged to match, and with
    ``resign_with`` the forged manifest is signed again (an attacker who also stole the key)."""
    import hashlib

    from lims.services.records.signing import sign

    with zipfile.ZipFile(archive) as src:
        original = src.read(MANIFEST)
        manifest = json.loads(original)
        signature = src.read(SIGNATURE)
        members = {
            name: change(name, src.read(name)) for name in src.namelist() if name not in (MANIFEST, SIGNATURE)
        }
    if rehash:
        for name, data in members.items():
            manifest["members"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    raw = json.dumps(manifest).encode("utf-8") if rehash else original
    with zipfile.ZipFile(output, "w") as dst:
        for name, data in members.items():
            dst.writestr(name, data)
        dst.writestr(MANIFEST, raw)
        dst.writestr(SIGNATURE, sign(resign_with, raw).encode() if resign_with else signature)


def test_altered_archive_is_refused_before_the_database_is_touched(
    fresh_url: FreshUrl, tmp_path: Path
) -> None:
    source = fresh_url("sqlite")
    _populate(source)
    _backup(source, tmp_path / "b.zip")
    member = table_member("measurement_standard")

    def alter(name: str, data: bytes) -> bytes:
        return data.replace(b"EDGE-1", b"EDGE-2") if name == member else data

    _rewrite(tmp_path / "b.zip", tmp_path / "altered.zip", alter, rehash=False)
    target = fresh_url("sqlite")
    with pytest.raises(BackupInvalid, match="does not match its SHA-256"):
        _restore(tmp_path / "altered.zip", target)
    assert _table_names(target) == set()
    with pytest.raises(BackupInvalid, match="not a zip"):
        (tmp_path / "junk.zip").write_bytes(b"PK junk")
        _restore(tmp_path / "junk.zip", target)


@pytest.mark.parametrize("kind", KINDS)
def test_forged_audit_entry_rolls_the_whole_restore_back(
    kind: str, fresh_url: FreshUrl, tmp_path: Path
) -> None:
    """A consistent-looking archive whose audit trail was edited: the chain check after loading fails,
    and nothing — not even the schema — is left behind."""
    source = fresh_url(kind)
    _populate(source)
    _backup(source, tmp_path / "b.zip")
    member = table_member("audit_entry")

    def forge(name: str, data: bytes) -> bytes:
        if name != member:
            return data
        assert b'"system"' in data
        return data.replace(b'"system"', b'"mallory"', 1)

    _rewrite(tmp_path / "b.zip", tmp_path / "forged.zip", forge, rehash=True, resign_with=KEY)
    target = fresh_url(kind)
    with pytest.raises(RestoreRefused, match="audit chain after restore"):
        _restore(tmp_path / "forged.zip", target)
    assert _table_names(target) == set()


def test_backup_records_a_broken_chain(fresh_url: FreshUrl, tmp_path: Path) -> None:
    source = fresh_url("sqlite")
    _populate(source)
    engine = make_engine(source)
    with engine.begin() as conn:  # tampering behind the application's back
        conn.execute(update(AuditEntry).where(AuditEntry.seq == 3).values(actor_label="mallory"))
    engine.dispose()
    manifest = _backup(source, tmp_path / "b.zip")
    assert not manifest["audit"]["ok"] and "#3" in manifest["audit"]["problem"]


def test_backup_never_overwrites_and_needs_a_schema(fresh_url: FreshUrl, tmp_path: Path) -> None:
    source = fresh_url("sqlite")
    (tmp_path / "exists.zip").write_bytes(b"keep me")
    with pytest.raises(BackupError, match="already exists"):
        _backup(source, tmp_path / "exists.zip")
    assert (tmp_path / "exists.zip").read_bytes() == b"keep me"
    with pytest.raises(BackupError, match="lims db upgrade"):
        _backup(source, tmp_path / "new.zip")
    assert not (tmp_path / "new.zip").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _cli(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.argv", ["lims", *argv])
    with pytest.raises(SystemExit) as exited:
        main()
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_commands_back_up_and_restore_the_configured_deployment(
    fresh_url: FreshUrl, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = fresh_url("sqlite")
    _populate(source)
    monkeypatch.setenv("LIMS_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("LIMS_DATABASE_URL", source)
    code, out, err = _cli(["backup", "--output", str(tmp_path / "b.zip")], monkeypatch, capsys)
    assert code == 0, err
    blobs = _demo_file_count(source) + 2  # the demo's certificate copies plus two distinct test blobs
    assert "audit chain intact" in out and f", {blobs} stored files" in out

    code, _, err = _cli(["restore", str(tmp_path / "b.zip")], monkeypatch, capsys)
    assert code == 2 and err.startswith("error: Restore refused: the database already holds data")

    target = fresh_url("sqlite")
    monkeypatch.setenv("LIMS_DATABASE_URL", target)
    code, out, err = _cli(["restore", str(tmp_path / "b.zip")], monkeypatch, capsys)
    assert code == 0, err
    assert "audit chain intact" in out
    assert _snapshot(target) == _snapshot(source)

    code, _, err = _cli(["backup", "--output", str(tmp_path / "b.zip")], monkeypatch, capsys)
    assert code == 2 and "already exists" in err


def test_stored_files_in_s3_are_backed_up_and_restored_into_the_database(
    fresh_url: FreshUrl, tmp_path: Path, s3_settings: Any
) -> None:
    from lims.services.common.storage import open_storage, s3_objects

    source = fresh_url("sqlite")
    upgrade(source)
    database = open_database(source)
    with database.session() as session, session.begin():
        open_storage(s3_settings, session).put("certificates/S3-1.pdf", PDF, "application/pdf")
    database.engine.dispose()
    engine = make_engine(source)
    try:
        with pytest.raises(LookupError):  # without the bucket the bytes cannot be found
            create_backup(engine, tmp_path / "no-s3.zip", key=KEY)
        manifest = create_backup(
            engine, tmp_path / "b.zip", key=KEY, read_blob=s3_objects(s3_settings).read
        ).manifest
    finally:
        engine.dispose()
    assert manifest["stored_files"] == 1
    target = fresh_url("sqlite")
    _restore(tmp_path / "b.zip", target)
    database = open_database(target)
    with database.session() as session:
        row = session.scalars(select(StoredFile)).one()
        assert row.data == PDF and DatabaseStorage(session).get("certificates/S3-1.pdf") == PDF
    database.engine.dispose()


def test_reflected_column_kinds_cover_the_models(fresh_url: FreshUrl) -> None:
    from lims.services.records.backup_format import codec_of

    url = fresh_url("sqlite")
    upgrade(url)
    engine = make_engine(url)
    reflected = MetaData()
    reflected.reflect(engine)
    engine.dispose()
    kinds = {codec_of(col.type) for table in reflected.sorted_tables for col in table.columns}
    assert kinds >= {"int", "str", "decimal", "datetime", "date", "bool", "json", "bytes"}
    _ = Session  # imported for type checkers of the fixtures above


def test_backup_of_an_older_revision_restores_at_that_revision(fresh_url: FreshUrl, tmp_path: Path) -> None:
    """A backup made by an older release: restore migrates only to its revision; `lims db upgrade` follows."""
    from lims.migrate import head_revisions

    source = fresh_url("sqlite")
    upgrade(source, "0001")
    manifest = _backup(source, tmp_path / "old.zip")
    assert manifest["alembic_revision"] == "0001"
    assert "rate_limit_counter" not in {entry["name"] for entry in manifest["tables"]}
    target = fresh_url("sqlite")
    assert _restore(tmp_path / "old.zip", target).revision == "0001"
    assert "rate_limit_counter" not in _table_names(target)
    upgrade(target)
    engine = make_engine(target)
    with engine.connect() as conn:
        assert {row[0] for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")} == set(
            head_revisions()
        )
    engine.dispose()


def test_a_chain_broken_before_the_backup_is_restored_as_it_was_and_reported(
    fresh_url: FreshUrl, tmp_path: Path
) -> None:
    source = fresh_url("sqlite")
    _populate(source)
    engine = make_engine(source)
    with engine.begin() as conn:
        conn.execute(update(AuditEntry).where(AuditEntry.seq == 5).values(reason="tampered"))
    engine.dispose()
    _backup(source, tmp_path / "b.zip")
    summary = _restore(tmp_path / "b.zip", fresh_url("sqlite"))
    assert summary.audit_problem is not None and "#5" in summary.audit_problem


def test_format_doctests() -> None:
    import doctest

    from lims.services.records import backup_format

    result = doctest.testmod(backup_format)
    assert result.attempted >= 5 and result.failed == 0


@pytest.mark.parametrize("kind", KINDS)
def test_backup_is_one_snapshot_while_the_application_writes(
    kind: str, fresh_url: FreshUrl, tmp_path: Path
) -> None:
    """A transaction committed while the backup runs is wholly absent from it: tables, audit trail and
    the audit check in the manifest all describe the same instant."""
    from sqlalchemy import func, insert

    from lims.models import Enterprise
    from lims.services.common.storage import sha256_hex
    from tests.factories import valid_tax_code

    source = fresh_url(kind)
    _populate(source)
    engine = make_engine(source)
    blob = b"%PDF-1.7 in the bucket\nstartxref\n1\n%%EOF"
    with engine.begin() as conn:  # a row whose bytes live outside the database, read through read_blob
        conn.execute(
            insert(StoredFile),
            {
                "key": "s3/only.pdf",
                "content_type": "application/pdf",
                "size": len(blob),
                "sha256": sha256_hex(blob),
                "data": None,
                "created_at": datetime.now(UTC),
            },
        )
    with engine.connect() as conn:
        enterprises_before = conn.execute(select(func.count()).select_from(Enterprise)).scalar_one()
        entries_before = conn.execute(select(func.count()).select_from(AuditEntry)).scalar_one()

    def read_blob_while_someone_writes(sha256: str, key: str) -> bytes:
        database = open_database(source)
        with database.session() as session, session.begin():
            session.add(Enterprise(name="Công ty Ghi Đồng Thời", tax_code=valid_tax_code(), address="Huế"))
        database.engine.dispose()
        return blob

    manifest = create_backup(
        engine, tmp_path / "b.zip", key=KEY, read_blob=read_blob_while_someone_writes
    ).manifest
    with engine.connect() as conn:
        assert (
            conn.execute(select(func.count()).select_from(Enterprise)).scalar_one() == enterprises_before + 1
        )
    engine.dispose()
    counts = {entry["name"]: entry["rows"] for entry in manifest["tables"]}
    assert counts["enterprise"] == enterprises_before
    assert counts["audit_entry"] == entries_before == manifest["audit"]["entries"]
    assert manifest["audit"]["ok"]


def test_restore_into_a_deployment_that_keeps_files_in_s3(
    fresh_url: FreshUrl, tmp_path: Path, s3_settings: Any
) -> None:
    from lims.services.common.storage import S3Storage, open_storage, s3_objects

    source = fresh_url("sqlite")
    _populate(source)
    _backup(source, tmp_path / "b.zip")
    target = fresh_url("sqlite")
    engine = make_engine(target)
    try:
        restore_backup(tmp_path / "b.zip", engine, target, key=KEY, write_blob=s3_objects(s3_settings).write)
    finally:
        engine.dispose()
    database = open_database(target)
    with database.session() as session:
        assert set(session.scalars(select(StoredFile.data))) == {None}  # the bytes went to the bucket
        store = open_storage(s3_settings, session)
        assert isinstance(store, S3Storage)
        assert store.get("certificates/HN-2026-00001.pdf") == PDF
        assert store.get("copies/same-bytes.pdf") == PDF
    database.engine.dispose()


# --- issue 21, finding 6: backups signed, refused when changed, readable by their owner only -----------------


@pytest.mark.parametrize("kind", KINDS)
def test_a_table_and_its_manifest_hash_changed_together_are_refused(
    kind: str, fresh_url: FreshUrl, tmp_path: Path
) -> None:
    """The probe changed a table file and its SHA-256 in the manifest: the restore used to accept it."""
    source = fresh_url(kind)
    _populate(source)
    _backup(source, tmp_path / "b.zip")
    member = table_member("measurement_standard")

    def alter(name: str, data: bytes) -> bytes:
        return data.replace(b"EDGE-1", b"EDGE-2") if name == member else data

    _rewrite(tmp_path / "b.zip", tmp_path / "forged.zip", alter, rehash=True)
    target = fresh_url(kind)
    with pytest.raises(BackupInvalid, match="signature does not match"):
        _restore(tmp_path / "forged.zip", target)
    assert _table_names(target) == set()


def test_an_archive_signed_by_another_deployment_or_unsigned_is_refused(
    fresh_url: FreshUrl, tmp_path: Path
) -> None:
    source = fresh_url("sqlite")
    _populate(source)
    _backup(source, tmp_path / "b.zip")
    target = fresh_url("sqlite")
    engine = make_engine(target)
    try:
        with pytest.raises(BackupInvalid, match="signature does not match"):
            restore_backup(tmp_path / "b.zip", engine, target, key=bytes(32))
        with zipfile.ZipFile(tmp_path / "b.zip") as src, zipfile.ZipFile(tmp_path / "bare.zip", "w") as dst:
            for name in src.namelist():
                if name != SIGNATURE:
                    dst.writestr(name, src.read(name))
        with pytest.raises(BackupInvalid, match="not signed"):
            restore_backup(tmp_path / "bare.zip", engine, target, key=KEY)
    finally:
        engine.dispose()
    assert _table_names(target) == set()


def test_the_archive_is_private_and_its_manifest_records_the_chain_head(
    fresh_url: FreshUrl, tmp_path: Path
) -> None:
    import stat

    source = fresh_url("sqlite")
    _populate(source)
    manifest = _backup(source, tmp_path / "b.zip")
    assert stat.S_IMODE((tmp_path / "b.zip").stat().st_mode) == 0o600  # holds password hashes
    engine = make_engine(source)
    try:
        with engine.connect() as conn:
            last = conn.execute(
                select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc())
            ).first()
    finally:
        engine.dispose()
    assert last is not None
    assert (manifest["audit"]["head_seq"], manifest["audit"]["head_hash"]) == (last.seq, last.hash)


def test_the_command_keeps_its_signing_key_in_the_instance_folder(tmp_path: Path) -> None:
    import stat

    from lims.services.records.signing import load_or_create_key

    key = load_or_create_key(tmp_path / "instance")
    assert len(key) == 32 and load_or_create_key(tmp_path / "instance") == key
    assert stat.S_IMODE((tmp_path / "instance" / "signing_key").stat().st_mode) == 0o600

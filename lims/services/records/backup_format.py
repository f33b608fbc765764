"""The backup archive: layout, manifest and the exact text form of every column value.

A backup is a zip file::

    manifest.json                 format, versions, alembic revision, tables, SHA-256 of every member
    tables/<table>.jsonl          one JSON array per row, columns in the manifest's order
    files/<sha256>                the bytes of each stored file, named by their hash

Values are written by column *kind* (the codec), not by Python type, so they come back exactly:
decimals as their decimal string, timestamps as ISO 8601 (naive UTC, as the database stores them),
JSON columns as their JSON text (telling SQL NULL from JSON ``null``), bytes as base64. The codec is
chosen from the reflected column type, so SQLite and PostgreSQL archives are interchangeable.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any

from sqlalchemy import JSON, Column, MetaData, Table, Text, cast, type_coerce
from sqlalchemy import types as sqltypes
from sqlalchemy.sql.elements import ColumnElement

from lims.errors import N_, LimsError

FORMAT = "lims-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"  # HMAC-SHA256 of manifest.json with the deployment's signing key
ALEMBIC_TABLE = "alembic_version"
STORED_FILE_TABLE = "stored_file"
# Tables the database derives from others by triggers (migration 0035): never written to an archive; a
# restore rebuilds them as it inserts the rows they are derived from.
DERIVED_TABLES = frozenset({"open_job_due"})
STORED_FILE_DATA = "data"
CHUNK = 1024 * 1024


class BackupError(LimsError):
    """A backup could not be written or restored."""

    template = N_("The backup could not be completed.")


class BackupInvalid(BackupError, ValueError):
    """The archive is damaged, altered, or not a backup of this application."""

    template = N_("%(path)s is not a valid backup: %(reason)s")


class RestoreRefused(BackupError, RuntimeError):
    """The target deployment is not in a state a backup can be restored into."""

    template = N_("Restore refused: %(reason)s")


class UnsupportedColumn(BackupError, TypeError):
    template = N_("Column %(table)s.%(column)s has type %(type)s, which backups cannot represent yet.")


def table_member(table: str) -> str:
    return f"tables/{table}.jsonl"


def file_member(sha256: str) -> str:
    return f"files/{sha256}"


def codec_of(type_: sqltypes.TypeEngine[Any], *, table: str = "?", column: str = "?") -> str:
    """The codec name for a (reflected) column type.

    >>> codec_of(sqltypes.Numeric(30, 12)), codec_of(sqltypes.Float()), codec_of(sqltypes.JSON())
    ('decimal', 'float', 'json')
    """
    # Order matters: Float is a Numeric, Text and Enum are Strings, DateTime is not a Date.
    for kind, codec in (
        (sqltypes.JSON, "json"),
        (sqltypes.LargeBinary, "bytes"),
        (sqltypes.Boolean, "bool"),
        (sqltypes.DateTime, "datetime"),
        (sqltypes.Date, "date"),
        (sqltypes.Time, "time"),
        (sqltypes.Float, "float"),
        (sqltypes.Numeric, "decimal"),
        (sqltypes.Integer, "int"),
        (sqltypes.String, "str"),
    ):
        if isinstance(type_, kind):
            return codec
    raise UnsupportedColumn(table=table, column=column, type=str(type_))


def read_expression(column: Column[Any], codec: str, dialect: str) -> ColumnElement[Any]:
    """What to SELECT for a column so that the value is read without loss."""
    if codec == "json":
        # The stored text: SQL NULL stays None, JSON null stays "null".
        return cast(column, Text()).label(column.name)
    if codec == "decimal" and dialect == "sqlite":
        # SQLite keeps NUMERIC as REAL or INTEGER; read the stored number, not a rounded Decimal.
        return type_coerce(column, sqltypes.Float(asdecimal=False)).label(column.name)
    return column


def _encode_decimal(value: Any) -> str:
    return str(value) if isinstance(value, Decimal) else repr(value)


def _encode_bytes(value: Any) -> str:
    return base64.b64encode(bytes(value)).decode("ascii")


def _isoformat(value: Any) -> str:
    return str(value.isoformat())


def _decode_bytes(value: str) -> bytes:
    return base64.b64decode(value.encode("ascii"), validate=True)


def _decode_json(value: str) -> Any:
    parsed = json.loads(value)
    return JSON.NULL if parsed is None else parsed


_ENCODERS: dict[str, Callable[[Any], Any]] = {
    "decimal": _encode_decimal,
    "bytes": _encode_bytes,
    "datetime": _isoformat,
    "date": _isoformat,
    "time": _isoformat,
}
_DECODERS: dict[str, Callable[[Any], Any]] = {
    "decimal": Decimal,
    "bytes": _decode_bytes,
    "datetime": datetime.fromisoformat,
    "date": date.fromisoformat,
    "time": time.fromisoformat,
    "json": _decode_json,
}


def row_converter(codecs: list[str], table: dict[str, Callable[[Any], Any]]) -> Callable[[Any], list[Any]]:
    """A function converting one row's values; columns whose values pass unchanged cost nothing."""
    work = [(index, table[codec]) for index, codec in enumerate(codecs) if codec in table]

    def convert(row: Any) -> list[Any]:
        values = list(row)
        for index, function in work:
            value = values[index]
            if value is not None:
                values[index] = function(value)
        return values

    return convert


def row_encoder(codecs: list[str]) -> Callable[[Any], list[Any]]:
    return row_converter(codecs, _ENCODERS)


def row_decoder(codecs: list[str]) -> Callable[[Any], list[Any]]:
    return row_converter(codecs, _DECODERS)


def encode(codec: str, value: Any) -> Any:
    """A column value as JSON.

    >>> encode("decimal", Decimal("0.000012500000")), encode("bytes", b"%PDF")
    ('0.000012500000', 'JVBERg==')
    >>> encode("datetime", datetime(2026, 11, 22, 7, 30, 0, 1))
    '2026-11-22T07:30:00.000001'
    """
    return row_encoder([codec])([value])[0]


def decode(codec: str, value: Any) -> Any:
    """The inverse of :func:`encode`; JSON text becomes the value to bind (``JSON.NULL`` for null).

    >>> decode("decimal", "0.000012500000")
    Decimal('0.000012500000')
    >>> decode("json", "null") is JSON.NULL, decode("json", None) is None
    (True, True)
    """
    return row_decoder([codec])([value])[0]


def insert_table(table: Table) -> Table:
    """A copy of ``table`` for bulk inserts: JSON columns bind ``None`` as SQL NULL."""
    columns = [
        Column(
            col.name,
            JSON(none_as_null=True) if isinstance(col.type, sqltypes.JSON) else col.type,
            primary_key=col.primary_key,
            autoincrement=False,
        )
        for col in table.columns
    ]
    return Table(table.name, MetaData(), *columns, schema=table.schema)


def dumps_line(values: list[Any]) -> bytes:
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


class HashingWriter:
    """Writes to an archive member while computing its SHA-256 and size."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.size = 0
        self._hash = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self._hash.update(data)
        self.size += len(data)

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()


def member_digest(archive: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with archive.open(name) as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def read_manifest(archive: zipfile.ZipFile, path: str, *, key: bytes) -> dict[str, Any]:
    """The manifest, checked for its signature (``key``, the deployment's signing key), its format and every
    member's SHA-256 before anything is restored. The signature covers the manifest, and the manifest the
    SHA-256 of every member, so no member can be changed without the key (issue 21, finding 6)."""
    from lims.services.records.signing import is_signed_by

    try:
        raw = archive.read(MANIFEST)
    except KeyError:
        raise BackupInvalid(path=path, reason="it has no manifest.json") from None
    try:
        signature = archive.read(SIGNATURE).decode("ascii")
    except (KeyError, UnicodeDecodeError):
        raise BackupInvalid(path=path, reason="it is not signed (no valid manifest.sig)") from None
    if not is_signed_by(key, raw, signature):
        raise BackupInvalid(
            path=path, reason="its signature does not match: it was changed, or signed by another deployment"
        )
    try:
        manifest: dict[str, Any] = json.loads(raw)
    except ValueError:
        raise BackupInvalid(path=path, reason="its manifest.json is not JSON") from None
    if manifest.get("format") != FORMAT:
        raise BackupInvalid(path=path, reason="its manifest does not describe a LIMS backup")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupInvalid(
            path=path,
            reason=f"format version {manifest.get('format_version')!r} is not {FORMAT_VERSION}",
        )
    members: dict[str, dict[str, Any]] = manifest.get("members", {})
    present = {info.filename for info in archive.infolist()} - {MANIFEST, SIGNATURE}
    if present != set(members):
        extra = sorted(present - set(members))[:3]
        missing = sorted(set(members) - present)[:3]
        raise BackupInvalid(
            path=path, reason=f"members differ from the manifest (extra {extra}, missing {missing})"
        )
    for name, expected in members.items():
        try:
            sha256, size = member_digest(archive, name)
        except zipfile.BadZipFile as exc:
            raise BackupInvalid(path=path, reason=f"{name} is damaged ({exc})") from None
        if sha256 != expected["sha256"] or size != expected["size"]:
            raise BackupInvalid(path=path, reason=f"{name} does not match its SHA-256 in the manifest")
    return manifest

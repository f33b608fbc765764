"""Writing many rows fast, each audited row with its entry in the hash-chained audit trail.

Used by ``lims demo --scale`` (lims.services.demo.scale) to write millions of rows. The rows bypass the
ORM and its audit hook, so this module appends their audit entries itself, by the same rules: one
``insert`` entry per row with every column (redacted ones as ``***``), chained from the chain head, hashed
as ``entry_hash`` would hash them.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from json.encoder import encode_basestring as _quote  # what json.dumps(ensure_ascii=False) quotes with
from typing import Any, cast

from sqlalchemy import JSON, Column, Connection, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from lims.models import AuditChainHead, AuditEntry
from lims.models.audit_mixin import Audited
from lims.services.records.audit import REDACTED, Actor, _plain

CANONICAL = functools.partial(json.dumps, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class AuditAppender:
    """Appends audit entries for rows written in bulk, continuing the hash chain from its head.

    The hash is ``entry_hash`` of the entry's content: SHA-256 of its canonical JSON (sorted keys, no spaces,
    UTF-8). Millions of entries are hashed here, so the canonical text is assembled from pieces instead of
    calling ``json.dumps`` on every content dict: the fixed keys are constant text, each value is encoded once
    by the same rules, and the JSON documents the rows share with their templates are encoded once for all.
    ``tests/services/test_bulk_write.py`` proves the result is byte-for-byte ``entry_hash``'s text, and ``verify_chain`` (the
    code ``lims audit verify`` runs) re-hashes every entry the ordinary way.
    """

    def __init__(self, session: Session, actor: Actor, at: datetime) -> None:
        self.conn = session.connection()
        head = self.conn.execute(
            select(AuditChainHead.seq, AuditChainHead.hash).where(AuditChainHead.id == 1).with_for_update()
        ).one()
        self.seq, self.prev = head.seq, head.hash
        self.actor, self.at = actor, at
        at_text = at.astimezone(UTC).isoformat(timespec="microseconds")
        # Keys in sorted order: action, actor_id, actor_label, at, changes, prev_hash, reason, record_id,
        # seq, table_name.
        self.head = (
            '{"action":"insert","actor_id":'
            + CANONICAL(actor.user_id)
            + ',"actor_label":'
            + _quote(actor.label)
            + ',"at":'
            + _quote(at_text)
            + ',"changes":'
        )
        self.memo: dict[int, tuple[Any, str]] = {}

    def text(self, value: Any) -> str:
        """The canonical JSON of ``_plain(value)``."""
        kind = type(value)
        if value is None:
            return "null"
        if kind is str:
            return _quote(value)
        if kind is bool:
            return "true" if value else "false"
        if kind is int:
            return int.__repr__(value)
        if kind is datetime or kind is date:
            return f'"{value.isoformat()}"'
        if kind is dict or kind is list:
            seen = self.memo.get(id(value))
            if seen is not None and seen[0] is value:  # the memo holds the object, so its id is not reused
                return seen[1]
            encoded = CANONICAL(_plain(value))
            self.memo[id(value)] = (value, encoded)
            return encoded
        return CANONICAL(_plain(value))

    def entries(self, model: type[Audited], names: list[str], rows: Iterable[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """One ``audit_entry`` row per written row, as (seq, at, actor_id, actor_label, action, table_name,
        record_id, changes as JSON text, reason, prev_hash, hash)."""
        table = str(model.__tablename__)  # type: ignore[attr-defined]
        redact = model.__audit_redact__
        order = sorted(range(len(names)), key=names.__getitem__)
        keys = [(i, _quote(names[i]) + ":[null,", names[i] in redact) for i in order]
        id_at = names.index("id")
        tail = ',"table_name":' + _quote(table) + "}"
        text, head, actor = self.text, self.head, self.actor
        out = []
        for row in rows:
            changes = (
                "{"
                + ",".join(
                    key + ('"' + REDACTED + '"' if secret and row[i] is not None else text(row[i])) + "]"
                    for i, key, secret in keys
                )
                + "}"
            )
            self.seq += 1
            record_id = str(row[id_at])
            canonical = (
                head
                + changes
                + ',"prev_hash":"'
                + self.prev
                + '","reason":null,"record_id":'
                + _quote(record_id)
                + ',"seq":'
                + str(self.seq)
                + tail
            )
            digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
            out.append(
                (
                    self.seq,
                    self.at,
                    actor.user_id,
                    actor.label,
                    "insert",
                    table,
                    record_id,
                    changes,
                    None,
                    self.prev,
                    digest,
                )
            )
            self.prev = digest
        return out

    def close(self) -> None:
        self.conn.execute(
            update(AuditChainHead).where(AuditChainHead.id == 1).values(seq=self.seq, hash=self.prev)
        )


AUDIT_COLUMNS = (
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "table_name",
    "record_id",
    "changes",
    "reason",
    "prev_hash",
    "hash",
)


class BulkCopier:
    """Writes rows of one table fast: ``COPY … FROM STDIN`` on PostgreSQL, one ``executemany`` on SQLite.

    Values are converted by the columns' own SQLAlchemy bind processors, as an ``insert()`` would, so the
    stored text is the same; a JSON document shared by many rows (the templates' results) is encoded once.
    A column named in ``raw`` already holds its database text (the audit entries' canonical JSON).
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect
        self.memo: dict[int, tuple[Any, Any]] = {}

    def _converter(self, column: Column[Any]) -> Callable[[Any], Any] | None:
        # The processor the compiled INSERT would apply (SQLAlchemy caches it per dialect).
        cached = column.type._cached_bind_processor(self.dialect)
        if not isinstance(column.type, JSON):
            return cached
        # On PostgreSQL SQLAlchemy wraps the value in psycopg's Json, which calls json.dumps later; COPY needs the text.
        process: Callable[[Any], Any] | None = json.dumps if self.dialect.name == "postgresql" else cached
        if process is None:
            return None
        encode = process
        memo = self.memo

        def shared(value: Any) -> Any:
            if not isinstance(value, dict | list):
                return encode(value)
            seen = memo.get(id(value))
            if seen is not None and seen[0] is value:
                return seen[1]
            encoded = encode(value)
            memo[id(value)] = (value, encoded)
            return encoded

        return shared

    def write(
        self, table: Table, names: Sequence[str], rows: list[tuple[Any, ...]], raw: Sequence[str] = ()
    ) -> None:
        if not rows:
            return
        converters = [
            (i, convert)
            for i, name in enumerate(names)
            if name not in raw and (convert := self._converter(table.c[name])) is not None
        ]
        adapted: Sequence[Sequence[Any]]
        if converters:
            adapted = []
            for row in rows:
                values = list(row)
                for i, convert in converters:
                    if values[i] is not None:
                        values[i] = convert(values[i])
                adapted.append(values)
        else:
            adapted = rows
        raw_connection = self.connection.connection.driver_connection
        assert raw_connection is not None, "an open Connection always holds its DBAPI connection"
        if self.dialect.name == "postgresql":
            from psycopg import sql

            copy_statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, names))
            )
            with raw_connection.cursor() as cursor, cursor.copy(copy_statement) as copy:
                for copy_row in adapted:
                    copy.write_row(copy_row)
        else:
            # The INSERT SQLAlchemy compiles for these columns, with positional (qmark) parameters.
            compiled = (
                insert(table).values({name: bindparam(name) for name in names}).compile(dialect=self.dialect)
            )
            order = [names.index(name) for name in compiled.positiontup or ()]
            if order != list(range(len(names))):
                adapted = [[values[i] for i in order] for values in adapted]
            raw_connection.executemany(str(compiled), adapted)


class BulkWriter:
    """Writes ORM models' rows (dicts by column name) in bulk, each audited row with its audit entry."""

    def __init__(self, session: Session, chain: AuditAppender, written: Callable[[str, int], None]) -> None:
        self.bulk = BulkCopier(session.connection())
        self.chain, self.written = chain, written

    def put(self, model: type[Any], rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        table = cast("Table", model.__table__)  # a declarative model maps one Table
        names = [c.name for c in table.columns]
        tuples = [tuple(row.get(name) for name in names) for row in rows]
        self.bulk.write(table, names, tuples)
        self.written(table.name, len(rows))
        if issubclass(model, Audited):
            entries = self.chain.entries(model, names, tuples)
            audit_table = cast("Table", AuditEntry.__table__)
            self.bulk.write(audit_table, AUDIT_COLUMNS, entries, raw=("changes",))
            self.written(AuditEntry.__tablename__, len(entries))


class NextIds:
    """The next free primary key of each table (rows are written with explicit ids)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.next: dict[str, int] = {}

    def take(self, model: type[Any], n: int = 1) -> int:
        name = model.__tablename__
        if name not in self.next:
            self.next[name] = (self.session.scalar(select(func.max(model.id))) or 0) + 1
        first = self.next[name]
        self.next[name] += n
        return first


def fix_sequences(session: Session, models: Iterable[type[Any]]) -> None:
    """PostgreSQL identity sequences do not see explicit ids: move them past the largest id."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        table = model.__table__
        top = session.scalar(select(func.coalesce(func.max(table.c.id), 1)))
        session.execute(select(func.setval(func.pg_get_serial_sequence(table.name, "id"), top)))

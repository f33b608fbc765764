"""The tamper-evident audit trail.

Every flush that inserts, updates or deletes an :class:`~lims.models.audit_mixin.Audited` record
appends one entry per record with the field-level before/after values. Entries form a hash chain:
each stores SHA-256 over its own content and the previous entry's hash. Appends lock the single
``audit_chain_head`` row, so concurrent transactions on PostgreSQL extend the chain one after the
other instead of forking it; the head also lets ``verify_chain`` notice a truncated tail.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Numeric, event, insert, select, update
from sqlalchemy import column as sa_column
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.state import InstanceState

from lims.db import Base
from lims.errors import N_, LimsError
from lims.models.audit import AuditChainHead, AuditEntry
from lims.models.audit_mixin import Audited
from lims.services.common.pagination import Page, keyset_page

GENESIS_HASH = "0" * 64
ACTOR_KEY = "audit_actor"
REASON_KEY = "audit_reason"
REDACTED = "***"


class AuditTrailImmutable(LimsError, PermissionError):
    template = N_("Audit entries cannot be changed or deleted.")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is responsible for the changes of a session."""

    user_id: int | None
    label: str


SYSTEM = Actor(None, "system")


def set_actor(session: Session, actor: Actor) -> None:
    session.info[ACTOR_KEY] = actor


def set_reason(session: Session, reason: str | None) -> None:
    """Record why the next changes are made (required for some edits, e.g. of signed records)."""
    session.info[REASON_KEY] = reason


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return {"sha256": hashlib.sha256(value).hexdigest(), "size": len(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def inspect(obj: Audited) -> InstanceState[Any]:
    return cast("InstanceState[Any]", sa_inspect(obj))


def _columns(obj: Audited) -> list[str]:
    return [attr.key for attr in inspect(obj).mapper.column_attrs]


def _record_id(obj: Audited) -> str:
    # The identity key is not set yet for rows just inserted in this flush; the primary key columns are.
    state = inspect(obj)
    key = state.mapper.primary_key_from_instance(obj)
    return "/".join(str(part) for part in key)


def _changes(obj: Audited, action: str) -> dict[str, list[Any]]:
    state = inspect(obj)
    cls = type(obj)
    changes: dict[str, list[Any]] = {}
    for key in _columns(obj):
        if key in cls.__audit_ignore__ and action == "update":
            continue
        history = state.attrs[key].history
        if action == "insert":
            before, after = None, state.attrs[key].value
        elif action == "delete":
            before, after = state.attrs[key].value, None
        else:
            if not history.has_changes():
                continue
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if before == after:
                continue
        if key in cls.__audit_redact__:
            before = REDACTED if before is not None else None
            after = REDACTED if after is not None else None
        changes[key] = [_plain(before), _plain(after)]
    return changes


def entry_hash(fields: dict[str, Any]) -> str:
    """SHA-256 over the canonical JSON of an entry's content, including the previous hash."""
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _content(row: Any) -> dict[str, Any]:
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
    return {
        "seq": row.seq,
        "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": row.actor_id,
        "actor_label": row.actor_label,
        "action": row.action,
        "table_name": row.table_name,
        "record_id": row.record_id,
        "changes": row.changes,
        "reason": row.reason,
        "prev_hash": row.prev_hash,
    }


@dataclass(slots=True)
class _Pending:
    seq: int
    at: datetime
    actor_id: int | None
    actor_label: str
    action: str
    table_name: str
    record_id: str
    changes: dict[str, Any]
    reason: str | None
    prev_hash: str


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry | AuditChainHead):
            raise AuditTrailImmutable()


def _after_flush(session: Session, _context: Any) -> None:
    records: list[tuple[str, Audited]] = []
    records += [("insert", o) for o in session.new if isinstance(o, Audited)]
    records += [("update", o) for o in session.dirty if isinstance(o, Audited) and session.is_modified(o)]
    records += [("delete", o) for o in session.deleted if isinstance(o, Audited)]
    if not records:
        return
    actor: Actor = session.info.get(ACTOR_KEY, SYSTEM)
    reason: str | None = session.info.get(REASON_KEY)
    pending: list[dict[str, Any]] = []
    for action, obj in records:
        changes = _changes(obj, action)
        if action == "update" and not changes:
            continue
        pending.append(
            {
                "action": action,
                "table_name": str(getattr(type(obj), "__tablename__")),  # noqa: B009 - declared on the model, not the mixin
                "record_id": _record_id(obj),
                "changes": changes,
            }
        )
    if not pending:
        return
    conn = session.connection()
    head = conn.execute(
        select(AuditChainHead.seq, AuditChainHead.hash).where(AuditChainHead.id == 1).with_for_update()
    ).one()
    seq, prev = head.seq, head.hash
    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for item in pending:
        seq += 1
        entry = _Pending(
            seq=seq,
            at=now,
            actor_id=actor.user_id,
            actor_label=actor.label,
            reason=reason,
            prev_hash=prev,
            **item,
        )
        digest = entry_hash(_content(entry))
        rows.append({**{k: getattr(entry, k) for k in entry.__slots__}, "hash": digest})
        prev = digest
    conn.execute(insert(AuditEntry), rows)
    conn.execute(update(AuditChainHead).where(AuditChainHead.id == 1).values(seq=seq, hash=prev))
    from lims.services.records.anchor import remember_head

    remember_head(session, seq, prev)


def install(factory: sessionmaker[Session]) -> None:
    """Audit every session the factory makes."""
    # A marker on the factory, not event.contains(): the event registry keys targets by id(), which a
    # new factory can reuse after an old one is garbage-collected.
    if getattr(factory, "_lims_audited", False):
        return
    event.listen(factory, "before_flush", _before_flush)
    event.listen(factory, "after_flush", _after_flush)
    factory._lims_audited = True  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class ChainProblem:
    seq: int
    entry_id: int | None
    message: str

    def __str__(self) -> str:
        return f"audit entry #{self.seq} (id {self.entry_id}): {self.message}"


@dataclass(frozen=True, slots=True)
class ChainReport:
    entries: int
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _entries(session: Session) -> Iterator[AuditEntry]:
    result = session.scalars(select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=2000))
    try:
        yield from result
    finally:
        # verify_chain stops at the first bad entry: close PostgreSQL's server-side cursor now, not
        # whenever the garbage collector runs (possibly after the transaction has ended).
        result.close()


def verify_chain(session: Session) -> ChainReport:
    """Walk the chain from the genesis hash and report the first entry that does not hold."""
    prev, expected_seq, count = GENESIS_HASH, 1, 0
    for entry in _entries(session):
        count += 1
        if entry.seq != expected_seq:
            return ChainReport(
                count, ChainProblem(expected_seq, entry.id, f"entry missing; next is #{entry.seq}")
            )
        if entry.prev_hash != prev:
            return ChainReport(
                count, ChainProblem(entry.seq, entry.id, "does not link to the previous entry")
            )
        if entry_hash(_content(entry)) != entry.hash:
            return ChainReport(count, ChainProblem(entry.seq, entry.id, "content does not match its hash"))
        prev, expected_seq = entry.hash, expected_seq + 1
    head = session.get(AuditChainHead, 1)
    if head is None:
        return ChainReport(count, ChainProblem(0, None, "the chain head is missing"))
    if head.seq != expected_seq - 1 or head.hash != prev:
        return ChainReport(
            count,
            ChainProblem(
                head.seq, None, f"the chain ends at #{expected_seq - 1} but the head records #{head.seq}"
            ),
        )
    return ChainReport(count, None)


def history(session: Session, table_name: str, record_id: str | int) -> list[AuditEntry]:
    """Every entry of one record, oldest first."""
    return list(
        session.scalars(
            select(AuditEntry)
            .where(AuditEntry.table_name == table_name, AuditEntry.record_id == str(record_id))
            .order_by(AuditEntry.seq)
        )
    )


def list_entries(
    session: Session, *, table_name: str = "", after: int | None = None, size: int = 50
) -> Page[AuditEntry]:
    """One keyset page of the trail, latest entry first; of one table when ``table_name`` is given."""
    stmt = select(AuditEntry)
    if table_name:
        stmt = stmt.where(AuditEntry.table_name == table_name)
    return keyset_page(session, stmt, AuditEntry.seq, after=after, size=size)


def is_numeric_column(table: str, column: str) -> bool:
    """Whether ``table.column`` is a fixed-point number column (its audited values are decimal text)."""
    found = Base.metadata.tables.get(table)
    return found is not None and column in found.c and isinstance(found.c[column].type, Numeric)


# Columns whose current value must be the one the trail last recorded: what a certificate says about itself
# (issued, superseded, withdrawn) and the hashes of the files frozen at issue (ISO/IEC 17025:2017 7.8.8, 8.4.2).
GUARDED_COLUMNS: dict[str, tuple[str, ...]] = {
    "certificate": ("number", "status", "pdf_sha256", "dcc_sha256", "labels_sha256"),
}


def verify_records(session: Session) -> ChainProblem | None:
    """Replay the trail for the guarded tables and compare with the rows as they are: a value changed
    outside the application (directly in SQL, so without an audit entry) is reported, as is a guarded row
    the trail never saw or one removed without a trace (issue 21, finding 6)."""
    from sqlalchemy import table as sql_table

    for table_name, columns in GUARDED_COLUMNS.items():
        recorded: dict[str, dict[str, Any]] = {}
        last_seq: dict[str, int] = {}
        entries = session.execute(
            select(AuditEntry.seq, AuditEntry.record_id, AuditEntry.action, AuditEntry.changes)
            .where(AuditEntry.table_name == table_name)
            .order_by(AuditEntry.seq)
            .execution_options(yield_per=2000)
        )
        for seq, record_id, action, changes in entries:
            last_seq[record_id] = seq
            if action == "delete":
                recorded.pop(record_id, None)
                continue
            values = recorded.setdefault(record_id, {})
            for column in columns:
                if column in (changes or {}):
                    values[column] = changes[column][1]
        target = sql_table(table_name, *(sa_column(c) for c in ("id", *columns)))
        seen: set[str] = set()
        for row in session.execute(select(target).order_by(target.c.id)).mappings():
            record_id = str(row["id"])
            seen.add(record_id)
            if record_id not in recorded:
                return ChainProblem(0, None, f"{table_name} {row['id']} has no entry in the audit trail")
            for column in columns:
                actual = _plain(row[column])
                expected = recorded[record_id].get(column)
                if actual != expected:
                    return ChainProblem(
                        last_seq[record_id],
                        None,
                        f"{table_name} {row['id']}: {column} is {actual!r} in the database but "
                        f"{expected!r} in the audit trail (changed outside the application)",
                    )
        gone = sorted(set(recorded) - seen)
        if gone:
            return ChainProblem(
                last_seq[gone[0]], None, f"{table_name} {gone[0]} was removed without an audit entry"
            )
    return None

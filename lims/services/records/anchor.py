"""The audit chain's head, anchored outside the database (issue 21, finding 6).

The hash chain shows any entry changed or removed in the middle, but someone who can write the database can
delete the last entries and move ``audit_chain_head`` back: the shorter chain is still consistent. So after
every commit that appended entries, the new head (sequence number and hash) is appended, signed with the
deployment's key (:mod:`lims.services.records.signing`), to ``instance/audit_anchor.log``, a file the
database cannot touch (append-only, 0600; ship it to write-once storage for full effect). ``lims audit
verify`` then reports entries missing at the end, or an anchored entry that no longer matches.
ISO/IEC 17025:2017 8.4.2; EU GMP Annex 11 §9 (audit trails), on which this design leans.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from lims.models import AuditEntry
from lims.services.records.signing import is_signed_by, load_or_create_key, sign

ANCHOR_FILE = "audit_anchor.log"
HEAD_KEY = "lims_audit_head"  # session.info: the head the session's flushes appended, until commit


def append(instance_path: Path, key: bytes, seq: int, digest: str, *, now: datetime | None = None) -> None:
    """Append one signed line ``seq<TAB>hash<TAB>time<TAB>hmac`` (a single write: atomic with O_APPEND)."""
    at = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    body = f"{seq}\t{digest}\t{at}"
    instance_path.mkdir(parents=True, exist_ok=True)
    fd = os.open(instance_path / ANCHOR_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(fd, f"{body}\t{sign(key, body.encode('utf-8'))}\n".encode())
    finally:
        os.close(fd)


def remember_head(session: Session, seq: int, digest: str) -> None:
    """Called by the audit trail after it appended entries; written to the anchor at commit."""
    session.info[HEAD_KEY] = (seq, digest)


def install(factory: sessionmaker[Session], instance_path: Path) -> None:
    """Anchor every commit of the factory's sessions that appended audit entries."""
    if getattr(factory, "_lims_anchored", False):
        return
    key = load_or_create_key(instance_path)

    def after_commit(session: Session) -> None:
        head = session.info.pop(HEAD_KEY, None)
        if head is not None:
            append(instance_path, key, *head)

    def after_rollback(session: Session) -> None:
        session.info.pop(HEAD_KEY, None)

    event.listen(factory, "after_commit", after_commit)
    event.listen(factory, "after_rollback", after_rollback)
    factory._lims_anchored = True  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class AnchorReport:
    lines: int
    anchored_seq: int | None
    problem: str | None


def verify(session: Session, instance_path: Path, key: bytes) -> AnchorReport:
    """Check the anchor file's signatures and that the database still holds its latest anchored entry."""
    path = instance_path / ANCHOR_FILE
    if not path.exists():
        return AnchorReport(0, None, None)
    best: tuple[int, str] | None = None
    lines = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        lines += 1
        parts = line.split("\t")
        if (
            len(parts) != 4
            or not parts[0].isdigit()
            or not is_signed_by(key, "\t".join(parts[:3]).encode(), parts[3])
        ):
            return AnchorReport(
                lines, None, f"line {number} of {ANCHOR_FILE} is not signed by this deployment's key"
            )
        seq, digest = int(parts[0]), parts[1]
        if best is None or seq > best[0]:
            best = (seq, digest)
    if best is None:
        return AnchorReport(lines, None, None)
    seq, digest = best
    last = session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) or 0
    if last < seq:
        return AnchorReport(
            lines,
            seq,
            f"audit entries #{last + 1} to #{seq} are missing at the end (the anchor records #{seq})",
        )
    stored: Any = session.scalar(select(AuditEntry.hash).where(AuditEntry.seq == seq))
    if stored != digest:
        return AnchorReport(lines, seq, f"audit entry #{seq} is not the one anchored at the time")
    return AnchorReport(lines, seq, None)

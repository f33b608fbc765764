"""Bulk writing with audit entries (lims.services.records.bulk_write): the entries hash exactly as ``entry_hash``."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from lims.models import JobState
from lims.models.audit_mixin import Audited
from lims.services.records.audit import REDACTED, SYSTEM, _plain, entry_hash
from lims.services.records.bulk_write import AuditAppender

_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.decimals(allow_nan=False)
    | st.dates()
    | st.datetimes(timezones=st.just(UTC))
    | st.sampled_from(list(JobState)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


@given(value=_VALUES)
def test_bulk_audit_text_is_the_canonical_json_entry_hash_uses(value: object) -> None:
    """The bulk writer assembles each entry's canonical JSON from pieces; every piece must be what
    ``entry_hash`` (sorted keys, no spaces, UTF-8, values made plain) would have written."""
    chain = AuditAppender.__new__(AuditAppender)
    chain.memo = {}
    expected = json.dumps(_plain(value), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert chain.text(value) == expected
    assert chain.text(value) == expected  # again, from the memo for documents


@pytest.mark.demo
def test_bulk_audit_entries_hash_like_entry_hash(session: Session) -> None:
    chain = AuditAppender(session, SYSTEM, datetime(2026, 11, 20, 8, 30, tzinfo=UTC))
    first_prev = chain.prev
    names = ["id", "serial_number", "notes", "password_hash", "next_due_on", "state"]
    rows = [
        (7, 'SN-ẫ"1', None, "secret", date(2027, 1, 2), JobState.ISSUED),
        (8, "x\ny", {"a": [1.5]}, None, None, None),
    ]
    entries = chain.entries(_Secretive, names, rows)
    prev = first_prev
    for (seq, at, actor_id, label, action, table, record_id, changes, reason, prev_hash, digest), row in zip(
        entries, rows, strict=True
    ):
        content = {
            "seq": seq,
            "at": at.isoformat(timespec="microseconds"),
            "actor_id": actor_id,
            "actor_label": label,
            "action": action,
            "table_name": table,
            "record_id": record_id,
            "changes": json.loads(changes),
            "reason": reason,
            "prev_hash": prev_hash,
        }
        assert prev_hash == prev and record_id == str(row[0])
        assert content["changes"]["password_hash"] == [None, REDACTED if row[3] else None]
        assert digest == entry_hash(content)
        prev = digest


class _Secretive(Audited):
    __tablename__ = "secretive"
    __audit_redact__ = frozenset({"password_hash"})

"""The audit trail: field-level entries, hash chain, tamper detection (ISO/IEC 17025 7.5, 8.4)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from lims.models import AuditEntry
from lims.services.customers.enterprises import EnterpriseInput, create_enterprise, update_enterprise
from lims.services.records import audit
from tests.factories import make_user, valid_tax_code


def _entries(session: Session, table: str) -> list[AuditEntry]:
    return list(
        session.scalars(select(AuditEntry).where(AuditEntry.table_name == table).order_by(AuditEntry.seq))
    )


def test_create_update_delete_are_recorded_field_by_field(session: Session) -> None:
    audit.set_actor(session, audit.Actor(42, "ktv.lan"))
    ent = create_enterprise(
        session, EnterpriseInput(name="Công ty Á", tax_code=valid_tax_code(), address="Huế")
    )
    audit.set_reason(session, "Khách hàng đổi địa chỉ")
    update_enterprise(
        session, ent.id, EnterpriseInput(name="Công ty Á", tax_code=ent.tax_code, address="Đà Nẵng")
    )
    session.delete(ent)
    session.flush()

    created, changed, deleted = _entries(session, "enterprise")[-3:]
    assert (created.action, changed.action, deleted.action) == ("insert", "update", "delete")
    assert created.changes["name"] == [None, "Công ty Á"]
    assert changed.changes == {"address": ["Huế", "Đà Nẵng"]}
    assert changed.reason == "Khách hàng đổi địa chỉ"
    assert changed.actor_id == 42 and changed.actor_label == "ktv.lan"
    assert deleted.changes["address"] == ["Đà Nẵng", None]
    assert changed.prev_hash == created.hash and deleted.prev_hash == changed.hash
    assert audit.verify_chain(session).ok


def test_secrets_are_redacted(session: Session) -> None:
    user = make_user(session)
    entry = _entries(session, "user_account")[-1]
    assert entry.record_id == str(user.id)
    assert entry.changes["password_hash"] == [None, audit.REDACTED]


def test_unchanged_save_writes_nothing(session: Session) -> None:
    ent = create_enterprise(
        session, EnterpriseInput(name="Công ty B", tax_code=valid_tax_code(), address="Huế")
    )
    before = len(_entries(session, "enterprise"))
    ent.name = "Công ty B"
    session.flush()
    assert len(_entries(session, "enterprise")) == before


def test_tampering_with_raw_sql_is_caught(session: Session) -> None:
    create_enterprise(session, EnterpriseInput(name="Công ty C", tax_code=valid_tax_code(), address="Huế"))
    target = _entries(session, "enterprise")[-1]
    session.execute(
        text("UPDATE audit_entry SET actor_label = 'someone else' WHERE id = :id"), {"id": target.id}
    )
    session.expire_all()
    report = audit.verify_chain(session)
    assert not report.ok
    assert report.problem is not None and report.problem.seq == target.seq
    assert "does not match its hash" in str(report.problem)


def test_deleted_entry_is_caught(session: Session) -> None:
    create_enterprise(session, EnterpriseInput(name="Công ty D", tax_code=valid_tax_code(), address="Huế"))
    create_enterprise(session, EnterpriseInput(name="Công ty E", tax_code=valid_tax_code(), address="Huế"))
    victim = _entries(session, "enterprise")[-2]
    victim_id, victim_seq = victim.id, victim.seq
    session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": victim_id})
    session.expire_all()
    report = audit.verify_chain(session)
    assert report.problem is not None and report.problem.seq == victim_seq


def test_truncated_tail_is_caught(session: Session) -> None:
    create_enterprise(session, EnterpriseInput(name="Công ty F", tax_code=valid_tax_code(), address="Huế"))
    last = _entries(session, "enterprise")[-1]
    session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": last.id})
    session.expire_all()
    assert not audit.verify_chain(session).ok


def test_the_application_cannot_change_entries(session: Session) -> None:
    create_enterprise(session, EnterpriseInput(name="Công ty G", tax_code=valid_tax_code(), address="Huế"))
    entry = _entries(session, "enterprise")[-1]
    entry.reason = "rewritten"
    with pytest.raises(audit.AuditTrailImmutable):
        session.flush()

"""The audit chain's head anchored outside the database (issue 21, finding 6), on SQLite and PostgreSQL."""

from __future__ import annotations

import stat
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.db import Database
from lims.models import AuditChainHead
from lims.services.records import anchor
from lims.services.records.signing import load_or_create_key
from tests.factories import make_enterprise


def test_every_commit_that_appends_entries_anchors_the_new_head(database: Database, tmp_path: Path) -> None:
    anchor.install(database.sessionmaker, tmp_path)
    key = load_or_create_key(tmp_path)
    session = database.session()
    try:
        make_enterprise(session)
        session.commit()
        head = session.scalars(select(AuditChainHead)).one()
        lines = (tmp_path / anchor.ANCHOR_FILE).read_text(encoding="utf-8").splitlines()
        seq, digest, _at, _mac = lines[-1].split("\t")
        assert (int(seq), digest) == (head.seq, head.hash)
        assert stat.S_IMODE((tmp_path / anchor.ANCHOR_FILE).stat().st_mode) == 0o600
        session.execute(select(1))
        session.commit()  # nothing audited: no new line
        assert len((tmp_path / anchor.ANCHOR_FILE).read_text(encoding="utf-8").splitlines()) == len(lines)
        report = anchor.verify(session, tmp_path, key)
        assert report.problem is None and report.anchored_seq == head.seq

        # entries the anchor saw, gone from the database: reported as missing at the end
        anchor.append(tmp_path, key, head.seq + 2, "0" * 64)
        report = anchor.verify(session, tmp_path, key)
        assert report.problem == (
            f"audit entries #{head.seq + 1} to #{head.seq + 2} are missing at the end "
            f"(the anchor records #{head.seq + 2})"
        )
    finally:
        session.close()


def test_a_rolled_back_change_anchors_nothing(database: Database, tmp_path: Path) -> None:
    anchor.install(database.sessionmaker, tmp_path)
    session = database.session()
    try:
        make_enterprise(session)
        session.rollback()
        assert not (tmp_path / anchor.ANCHOR_FILE).exists()
    finally:
        session.close()


def test_a_certificate_status_changed_in_sql_is_reported(session: Session) -> None:
    """Issue 21: ``UPDATE certificate SET status = …`` behind the application was not noticed."""
    from sqlalchemy import update

    from lims.models import Certificate
    from lims.services.records.audit import verify_chain, verify_records
    from tests.factories import make_certificate

    certificate = make_certificate(session, number="KĐ-2026-00031")
    session.flush()
    assert verify_records(session) is None
    session.execute(
        update(Certificate.__table__)
        .where(Certificate.__table__.c.id == certificate.id)
        .values(status="withdrawn")
    )
    assert verify_chain(session).ok  # the chain itself is untouched
    problem = verify_records(session)
    assert problem is not None
    assert f"certificate {certificate.id}: status is 'withdrawn' in the database but 'valid'" in str(problem)


def test_a_frozen_hash_changed_in_sql_is_reported(session: Session) -> None:
    from sqlalchemy import update

    from lims.models import Certificate
    from lims.services.records.audit import verify_records
    from tests.factories import make_certificate

    certificate = make_certificate(session, pdf_sha256="a" * 64)
    session.flush()
    session.execute(
        update(Certificate.__table__)
        .where(Certificate.__table__.c.id == certificate.id)
        .values(pdf_sha256="b" * 64)
    )
    assert "pdf_sha256" in str(verify_records(session))

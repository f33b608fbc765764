"""The audit chain's head anchored outside the database (issue 21, finding 6), on SQLite and PostgreSQL."""

from __future__ import annotations

import stat
from pathlib import Path

from sqlalchemy import select

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

"""The lab's instrument search: substrings anywhere, and on PostgreSQL through trigram indexes (migration 0014)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import event, insert, text
from sqlalchemy.orm import Session

from lims.models import CustomerInstrument
from lims.services.jobs import workload
from tests.factories import make_enterprise, make_instrument


def _serials(session: Session, query: str) -> set[str]:
    return {i.serial_number for i in workload.search_instruments(session, query=query).items}


def test_matches_part_of_serial_maker_model_type_or_enterprise_name(session: Session) -> None:
    hong_ha = make_enterprise(session, name="Công ty TNHH Cơ khí Hồng Hà")
    other = make_enterprise(session, name="Hợp tác xã Sông Hàn")
    make_instrument(
        session, hong_ha, serial_number="MS-0012345", manufacturer="Mettler Toledo", model="MS204"
    )
    make_instrument(session, other, serial_number="PX-77", manufacturer="Ohaus", model="Pioneer")
    make_instrument(session, other, serial_number="TH-1", instrument_type="Nhiệt kế điện tử")
    assert _serials(session, "0012345") == {"MS-0012345"}
    assert _serials(session, "toledo") == {"MS-0012345"}  # case-insensitive, inside the maker's name
    assert _serials(session, "pioneer") == {"PX-77"}
    assert _serials(session, "Nhiệt kế") == {"TH-1"}
    assert _serials(session, "Hồng Hà") == {"MS-0012345"}  # through the enterprise's name
    assert _serials(session, "Sông Hàn") == {"PX-77", "TH-1"}
    assert _serials(session, "không-có-đâu") == set()
    assert _serials(session, "%") == _serials(session, "")  # wildcards are not patterns


def test_one_or_two_characters_match_the_beginning(session: Session) -> None:
    enterprise = make_enterprise(session, name="Công ty Đo lường Hải Vân")
    make_instrument(session, enterprise, serial_number="MS-771", manufacturer="Kern")
    make_instrument(session, enterprise, serial_number="XMS-772", manufacturer="Ohaus")
    assert _serials(session, "MS") == {"MS-771"}  # not "XMS-772": too short to search inside
    assert _serials(session, "ms-") == {"MS-771"}  # three characters are one trigram: the beginning too
    assert _serials(session, "ms-7") == {"MS-771", "XMS-772"}  # two trigrams: anywhere
    assert _serials(session, "K") == {"MS-771"}  # the maker's first letter


def test_a_run_of_one_character_matches_the_beginning(session: Session) -> None:
    """``0000`` has one trigram (``000``): inside the fields it would re-read every row holding ``000``."""
    enterprise = make_enterprise(session, name="Công ty Cân Bàn 3000")
    make_instrument(session, enterprise, serial_number="0000-15", model="Defender 3000")
    make_instrument(session, enterprise, serial_number="D3000-0000152", model="Defender 3000")
    assert _serials(session, "0000") == {"0000-15"}
    assert _serials(session, "0000152") == {"D3000-0000152"}  # five trigrams: searched inside


def test_many_matching_enterprises_are_searched_by_sub_select(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workload, "ENTERPRISES_LISTED", 1)
    first = make_enterprise(session, name="Công ty Bao bì Việt Hưng 1")
    second = make_enterprise(session, name="Công ty Bao bì Việt Hưng 2")
    make_instrument(session, first, serial_number="BB-1")
    make_instrument(session, second, serial_number="BB-2")
    assert _serials(session, "Việt Hưng") == {"BB-1", "BB-2"}


@pytest.mark.postgres
def test_a_rare_serial_is_found_through_the_trigram_indexes(session: Session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("trigram indexes are PostgreSQL's")
    indexes = (
        session.execute(
            text(
                "SELECT indexname FROM pg_indexes WHERE indexname LIKE '%\\_trgm' AND schemaname = current_schema()"
            )
        )
        .scalars()
        .all()
    )
    assert set(indexes) == {
        "ix_customer_instrument_serial_number_trgm",
        "ix_customer_instrument_instrument_type_trgm",
        "ix_customer_instrument_model_trgm",
        "ix_customer_instrument_manufacturer_trgm",
        "ix_enterprise_name_trgm",
    }
    enterprise = make_enterprise(session)
    session.execute(
        insert(CustomerInstrument),
        [
            {
                "enterprise_id": enterprise.id,
                "instrument_type": "Cân phân tích",
                "serial_number": f"AX-{n:07d}",
                "manufacturer": "Mettler Toledo",
                "model": "XPR205",
                "unit": "g",
                "next_due_on": date(2027, 1, 1),
            }
            for n in range(20_000)
        ],
    )
    for name in indexes:  # what autovacuum does to rows inserted in bulk: out of GIN's pending list
        session.execute(text("SELECT gin_clean_pending_list(CAST(:name AS regclass))"), {"name": name})
    session.execute(text("ANALYZE customer_instrument"))
    seen: list[tuple[str, Any]] = []

    def remember(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "FROM customer_instrument" in statement:
            seen.append((statement, parameters))

    bind = session.connection()
    event.listen(bind, "before_cursor_execute", remember)
    try:
        assert _serials(session, "0014321") == {"AX-0014321"}
    finally:
        event.remove(bind, "before_cursor_execute", remember)
    # The relevance tiers (beginning with the term, anywhere) each ran; the last one searches inside the fields.
    # beginning with the term: lower(field) LIKE lower('…%'), the ranges of the _prefix b-trees (migration 0031)
    assert "LIKE lower('0014321%%')" in seen[0][0] and "'%%0014321%%'" not in seen[0][0]
    statement, parameters = next((s, p) for s, p in seen if "ILIKE '%%0014321%%'" in s)
    # The pattern is in the statement's text, so a prepared statement's generic plan cannot hide it.
    assert all("0014321" not in str(p) for _, p in seen)  # %% for pyformat
    # 20 000 rows are few enough to read them all, so sequential scans are ruled out: the choice left is
    # walking every instrument newest first ("Index Scan Backward using pk_customer_instrument"), what the
    # planner did while the enterprise condition was a blind sub-select, or the trigram indexes.
    bind.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plan = "\n".join(bind.exec_driver_sql("EXPLAIN " + statement, parameters).scalars())
    assert "ix_customer_instrument_serial_number_trgm" in plan, plan


def test_beginning_with_the_term_first_then_anywhere_each_newest_first_across_pages(session: Session) -> None:
    ent = make_enterprise(session, name="Công ty Cân Thành Công")
    # Created oldest first: ids grow down this list.
    inside = make_instrument(session, ent, serial_number="S-1", manufacturer="Pro-Kern Ltd")  # anywhere
    exact = make_instrument(session, ent, serial_number="S-2", manufacturer="KERN")  # equal (any case)
    prefix = make_instrument(session, ent, serial_number="S-3", model="Kern PCB 250")  # begins with it
    inside_new = make_instrument(session, ent, serial_number="S-4", model="PCB-kern")  # anywhere, newer
    no_model = make_instrument(session, ent, serial_number="S-5", manufacturer="kern & Sohn", model=None)
    make_instrument(session, ent, serial_number="S-6", manufacturer="Ohaus")  # no match
    expected = [no_model, prefix, exact, inside_new, inside]
    whole = workload.search_instruments(session, query="Kern")
    assert [i.serial_number for i in whole.items] == [i.serial_number for i in expected]
    assert whole.next_after is None
    # Two per page: the cursor carries the tier, so no row is repeated or lost between pages.
    seen: list[str] = []
    after = None
    cursors = []
    while True:
        page = workload.search_instruments(session, query="kern", after=after, size=2)
        seen += [i.serial_number for i in page.items]
        if page.next_after is None:
            break
        after = page.next_after
        cursors.append(after)
    assert seen == [i.serial_number for i in expected]
    # Page 1 ends in tier 0 at prefix's id; page 2 ends in tier 1 (anywhere) at inside_new's id.
    assert cursors == [prefix.id, workload.TIER_SPAN + inside_new.id]


@pytest.mark.postgres
def test_a_field_beginning_with_the_term_is_a_range_of_the_prefix_indexes(session: Session) -> None:
    """``0000`` begins no serial here, but the trigram indexes would hand over every serial holding a word
    that begins with ``00`` to re-check; the ``lower(field) text_pattern_ops`` b-trees (0031) read a range."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the prefix indexes are PostgreSQL's")
    enterprise = make_enterprise(session)
    session.execute(
        insert(CustomerInstrument),
        [
            {
                "enterprise_id": enterprise.id,
                "instrument_type": "Cân điện tử",
                "serial_number": f"D3000-{n:07d}",
                "manufacturer": "Ohaus",
                "model": "Defender 3000",
                "unit": "kg",
                "next_due_on": date(2027, 1, 1),
            }
            for n in range(5_000)
        ],
    )
    make_instrument(session, enterprise, serial_number="0000-A1", model="Defender 3000")
    session.execute(text("ANALYZE customer_instrument"))
    seen: list[tuple[str, Any]] = []

    def remember(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "FROM customer_instrument" in statement:
            seen.append((statement, parameters))

    bind = session.connection()
    event.listen(bind, "before_cursor_execute", remember)
    try:
        assert _serials(session, "0000") == {"0000-A1"}
    finally:
        event.remove(bind, "before_cursor_execute", remember)
    statement, parameters = seen[-1]
    bind.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plan = "\n".join(bind.exec_driver_sql("EXPLAIN " + statement, parameters).scalars())
    assert "ix_customer_instrument_serial_number_prefix" in plan, plan
    assert "_trgm" not in plan, plan


@pytest.mark.postgres
def test_serial_numbers_keep_a_fine_histogram_so_a_rare_term_is_planned_as_rare(session: Session) -> None:
    """Migration 0034: with PostgreSQL's default 101 histogram bounds, ``serial_number ILIKE '%8846%'`` was
    estimated at one row in a hundred whatever the term (10 000 rows at a million instruments, where 300
    matched), so the second search tier walked the table newest first: 358 ms. The column's statistics
    target is 10 000 (docs/performance.md, "The million-instrument set, measured")."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("statistics targets are PostgreSQL's")
    target = session.scalar(
        text(
            "SELECT attstattarget FROM pg_attribute "
            "WHERE attrelid = 'customer_instrument'::regclass AND attname = 'serial_number'"
        )
    )
    assert target == 10_000

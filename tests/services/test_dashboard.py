"""The dashboard's tiles: each role's own work, counted in one statement, each a link to the list it counts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from lims.models import (
    Enterprise,
    JobKind,
    JobStandard,
    JobState,
    Quantity,
    RequestState,
    Role,
    ServiceRequest,
    StandardStatus,
    User,
)
from lims.services.jobs import queues, workload
from lims.services.jobs.dashboard import Tile, standards_of, tiles_for
from lims.services.jobs.procedures import latest_procedure, sync_procedures
from lims.services.standards.checks import due_standards
from tests.factories import (
    make_certificate,
    make_enterprise,
    make_instrument,
    make_job,
    make_standard,
    make_user,
)
from tests.services import jobsetup

TODAY = date(2026, 11, 20)


def _tiles(session: Session, user: Any) -> list[Tile]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    bind = session.connection()
    event.listen(bind, "before_cursor_execute", count)
    try:
        tiles = tiles_for(session, user, today=TODAY)
    finally:
        event.remove(bind, "before_cursor_execute", count)
    assert len(statements) == 1, statements  # every tile from one round trip
    return tiles


def _by_label(tiles: list[Tile]) -> dict[str, int]:
    return {t.label + (f" {t.detail}" if t.detail else ""): t.value for t in tiles}


def _growth(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """How much each tile's count grew since ``before`` (a tile not shown then counts from 0)."""
    return {k: after[k] - before.get(k, 0) for k in after}


def _listed(session: Session, user: User, tile: Tile) -> int:
    """How many jobs the list behind a job tile shows (the page's own query, every page)."""
    conditions = queues.queue_conditions(
        tile.args["queue"], user, TODAY, section=tile.args.get("section", "")
    )
    return len(workload.list_jobs(session, conditions=conditions, size=500).items)


def _every_job_tile_matches_its_list(session: Session, user: User, tiles: list[Tile]) -> None:
    for tile in tiles:
        assert tile.endpoint is not None, tile  # every tile is a link
        if tile.endpoint == "jobs.index":
            assert tile.value == _listed(session, user, tile), tile


def test_technician_sees_their_own_work(session: Session) -> None:
    me, other = make_user(session, Role.TECHNICIAN), make_user(session, Role.TECHNICIAN)
    ent = make_enterprise(session)
    # mine: due today (received), overdue (in progress), in progress due later, a finished one (issued, overdue
    # date but closed: not counted)
    make_job(session, enterprise=ent, technician_id=me.id, state=JobState.RECEIVED, due_on=TODAY)
    late = make_job(
        session,
        enterprise=ent,
        technician_id=me.id,
        state=JobState.IN_PROGRESS,
        due_on=TODAY - timedelta(days=2),
    )
    make_job(
        session,
        enterprise=ent,
        technician_id=me.id,
        state=JobState.IN_PROGRESS,
        due_on=TODAY + timedelta(days=9),
    )
    make_job(
        session, enterprise=ent, technician_id=me.id, state=JobState.ISSUED, due_on=TODAY - timedelta(days=9)
    )
    # someone else's, and one nobody holds
    make_job(session, enterprise=ent, technician_id=other.id, state=JobState.IN_PROGRESS, due_on=TODAY)
    make_job(session, enterprise=ent, state=JobState.RECEIVED, due_on=TODAY + timedelta(days=3))
    # a standard on my overdue job, due in 5 days; one due in 5 days that no job of mine uses; a far one of mine
    mine_soon = make_standard(session, due_on=TODAY + timedelta(days=5))
    make_standard(session, due_on=TODAY + timedelta(days=5))
    mine_later = make_standard(session, due_on=TODAY + timedelta(days=40))
    session.add_all(
        [
            JobStandard(job_id=late.id, standard_id=mine_soon.id, role="weights"),
            JobStandard(job_id=late.id, standard_id=mine_later.id, role="reference"),
        ]
    )
    session.flush()

    tiles = _tiles(session, me)
    counts = _by_label(tiles)
    unassigned = session.scalar(
        select(func.count()).select_from(queues.Job).where(*queues.queue_conditions("unassigned", me, TODAY))
    )
    assert counts == {
        "My jobs due today": 1,
        "My overdue jobs": 1,
        "My jobs in progress": 2,
        "Waiting for my measurements": 1,
        "Jobs nobody is assigned to": unassigned,
        "Standards I use that fall due this week": 1,
    }
    assert unassigned >= 1
    _every_job_tile_matches_its_list(session, me, tiles)
    standards_tile = next(t for t in tiles if t.endpoint == "standards.due")
    assert standards_tile.args == {"days": 7, "mine": 1}
    listed = due_standards(session, today=TODAY, within_days=7, conditions=[standards_of(me.id)])
    assert [s.id for s in listed] == [mine_soon.id]


def test_reviewer_and_signatory_queues_exclude_their_own_work(session: Session) -> None:
    reviewer, signatory = make_user(session, Role.REVIEWER), make_user(session, Role.SIGNATORY)
    tech = make_user(session, Role.TECHNICIAN)
    before_review = _by_label(_tiles(session, reviewer))
    before_sign = _by_label(_tiles(session, signatory))
    make_job(session, state=JobState.MEASURED, measured_by_id=tech.id)
    make_job(session, state=JobState.MEASURED, measured_by_id=tech.id)
    make_job(session, state=JobState.MEASURED, measured_by_id=reviewer.id)  # their own: not theirs to review
    make_job(session, state=JobState.REVIEWED, measured_by_id=tech.id, reviewed_by_id=reviewer.id)
    make_job(session, state=JobState.REVIEWED, measured_by_id=tech.id, reviewed_by_id=signatory.id)
    make_job(session, state=JobState.APPROVED)
    # returned by this reviewer: measured -> in_progress as the latest transition
    returned = make_job(session, state=JobState.IN_PROGRESS, measured_by_id=None)
    at = datetime(2026, 11, 19, 9, 0, tzinfo=UTC)
    jobsetup.add_transition(session, returned, JobState.IN_PROGRESS, JobState.MEASURED, tech, at=at)
    jobsetup.add_transition(
        session,
        returned,
        JobState.MEASURED,
        JobState.IN_PROGRESS,
        reviewer,
        at=at,
        comment="Điểm 3 thiếu số đọc",
    )
    # and one returned earlier but measured again since: no longer "being re-measured"
    again = make_job(session, state=JobState.MEASURED, measured_by_id=tech.id)
    jobsetup.add_transition(
        session, again, JobState.MEASURED, JobState.IN_PROGRESS, reviewer, at=at, comment="x"
    )
    jobsetup.add_transition(session, again, JobState.IN_PROGRESS, JobState.MEASURED, tech, at=at)
    session.flush()
    review_tiles = _tiles(session, reviewer)
    review = _by_label(review_tiles)
    growth = _growth(before_review, review)
    # 2 measured by the technician + the re-measured one; the reviewer's own is left out
    assert growth["Awaiting my review"] == 3
    assert review["Returned by me, being re-measured"] == 1
    _every_job_tile_matches_its_list(session, reviewer, review_tiles)
    sign_tiles = _tiles(session, signatory)
    sign = _by_label(sign_tiles)
    signed = _growth(before_sign, sign)
    assert signed["Awaiting my signature"] == 1  # not the one they reviewed
    assert signed["Approved, certificate not issued"] == 1
    _every_job_tile_matches_its_list(session, signatory, sign_tiles)


def test_lab_manager_sees_requests_unassigned_and_overdue_by_section(session: Session) -> None:
    admin = make_user(session, Role.ADMIN)
    before = _by_label(_tiles(session, admin))
    sync_procedures(session)
    mass, pressure = latest_procedure(session, "VER-NAWI-R76"), latest_procedure(session, "CAL-PG-DKD")
    assert (mass.quantity, pressure.quantity) == (Quantity.MASS, Quantity.PRESSURE)
    late = TODAY - timedelta(days=1)
    make_job(session, state=JobState.IN_PROGRESS, procedure_id=mass.id, due_on=late)
    make_job(session, state=JobState.RECEIVED, procedure_id=mass.id, due_on=late)
    make_job(session, state=JobState.MEASURED, procedure_id=pressure.id, due_on=late)
    make_job(session, state=JobState.CANCELLED, procedure_id=pressure.id, due_on=late)  # closed: not overdue
    make_job(session, state=JobState.REQUESTED, procedure_id=None, due_on=late)  # overdue, in no section
    customer = make_user(session, Role.CUSTOMER)
    session.add(
        ServiceRequest(
            enterprise_id=customer.enterprise_id,
            requested_by_id=customer.id,
            kind=JobKind.CALIBRATION,
            state=RequestState.SUBMITTED,
        )
    )
    session.flush()
    tiles = _tiles(session, admin)
    after = _by_label(tiles)
    growth = _growth(before, after)
    assert growth["Requests waiting for a decision"] == 1
    # The total and the sections are sums of one per-procedure count (overdue_by_procedure).
    assert growth["Overdue jobs"] == 4
    assert growth["Overdue jobs mass"] == 2 and growth["Overdue jobs pressure"] == 1
    assert sum(v for k, v in growth.items() if k.startswith("Overdue jobs ")) == 3
    assert growth["Jobs nobody is assigned to"] == 3  # measured ones are past assigning
    assert after["Enterprises"] == session.scalar(select(func.count()).select_from(Enterprise))
    assert after["Users"] == session.scalar(select(func.count()).select_from(User))
    _every_job_tile_matches_its_list(session, admin, tiles)
    requests_tile = next(t for t in tiles if t.endpoint == "requests.index")
    assert requests_tile.args == {"state": "submitted"}


def test_auditor_sees_recent_certificates_and_no_users(session: Session) -> None:
    auditor = make_user(session, Role.AUDITOR)
    before = _by_label(_tiles(session, auditor))
    make_certificate(session, issued_at=datetime(2026, 11, 1, 3, 0, tzinfo=UTC))
    make_certificate(session, issued_at=datetime(2026, 9, 1, 3, 0, tzinfo=UTC))  # older than 30 days
    after = _by_label(_tiles(session, auditor))
    assert _growth(before, after)["Certificates issued in the last 30 days"] == 1
    assert "Users" not in after


def test_customer_tiles_are_scoped_and_link_to_the_portal(session: Session) -> None:
    ours, theirs = make_enterprise(session), make_enterprise(session)
    for state in (JobState.RECEIVED, JobState.IN_PROGRESS, JobState.MEASURED):
        make_job(session, state=state, enterprise=ours)
    make_job(session, state=JobState.REVIEWED, enterprise=theirs)
    make_certificate(session, make_job(session, state=JobState.ISSUED, enterprise=ours))
    make_standard(session, due_on=TODAY + timedelta(days=10), status=StandardStatus.RETIRED)
    make_instrument(session, ours, next_due_on=TODAY + timedelta(days=5))
    make_instrument(session, ours, next_due_on=TODAY + timedelta(days=200))
    tiles = _tiles(session, make_user(session, Role.CUSTOMER, enterprise_id=ours.id))
    # Three open jobs of ours (their instruments included) and none of the other enterprise's.
    assert _by_label(tiles) == {"Instruments": 6, "Due within 30 days": 1, "Open jobs": 3, "Certificates": 1}
    assert [t.endpoint for t in tiles] == ["portal.index", "portal.due", "portal.jobs", "portal.certificates"]


def test_lab_manager_sees_stamps_left_and_a_warning_below_the_threshold(session: Session) -> None:
    from lims.models import StampUse
    from lims.services.certificates import stamps
    from tests.factories import make_lab

    admin = make_user(session, Role.ADMIN)
    assert stamps.stock_tiles(session, admin, today=TODAY, low=20) == []  # no stamps ever received: no tile
    lab = make_lab(session)
    # Two batches: HN-26-000001…000030 (30 stamps) and HN-26-000101…000110 (10), plus one received tomorrow.
    for first, last, received in (
        (1, 30, TODAY - timedelta(days=40)),
        (101, 110, TODAY - timedelta(days=5)),
        (201, 300, TODAY + timedelta(days=1)),
    ):
        stamps.receive_batch(
            session, stamps.BatchInput(lab.id, "HN-26", first, last, received, f"BB-{first}"), actor=admin
        )
    # 15 + 2 voided + 1 damaged leave the stock (a use recorded tomorrow does not count yet).
    batch = session.scalars(select(stamps.StampBatch).where(stamps.StampBatch.first_number == 1)).one()
    for number in range(1, 16):
        session.add(
            StampUse(
                batch_id=batch.id,
                number=number,
                outcome="affixed",
                used_on=TODAY - timedelta(days=1),
                recorded_by_id=admin.id,
            )
        )
    stamps.spoil(session, "HN-26-000016", stamps.Outcome.VOIDED, "Hỏng khi in", on=TODAY, actor=admin)
    stamps.spoil(session, "HN-26-000017", stamps.Outcome.VOIDED, "Hỏng khi in", on=TODAY, actor=admin)
    stamps.spoil(session, "HN-26-000101", stamps.Outcome.DAMAGED, "Rách", on=TODAY, actor=admin)
    stamps.spoil(
        session, "HN-26-000102", stamps.Outcome.DAMAGED, "Rách", on=TODAY + timedelta(days=1), actor=admin
    )
    # (30 − 15 − 2) + (10 − 1) = 13 + 9 = 22 on TODAY, the same as the balance the stock page prints.
    assert stamps.unused_in_stock(session, on=TODAY) == 22
    assert sum(b.remaining for b in stamps.balance(session, on=TODAY)) == 22
    (tile,) = stamps.stock_tiles(session, admin, today=TODAY, low=20)
    assert (tile.value, tile.endpoint, tile.warn) == (22, "legal.stamp_stock", False)
    (tile,) = stamps.stock_tiles(session, admin, today=TODAY, low=23)  # LIMS_STAMPS_LOW=23: running low
    assert tile.warn
    for role in (Role.TECHNICIAN, Role.REVIEWER, Role.SIGNATORY, Role.AUDITOR, Role.CUSTOMER):
        assert stamps.stock_tiles(session, make_user(session, role), today=TODAY, low=20) == []


def test_auditor_sees_open_findings_each_linked_to_the_filtered_list(session: Session) -> None:
    from lims.models import CorrectiveAction, NcNotice, NonconformingWork
    from lims.services.quality import nonconformity as records
    from lims.services.quality.dashboard import quality_tiles

    auditor, owner = make_user(session, Role.AUDITOR), make_user(session, Role.ADMIN)

    def record(n: int, state: str) -> NonconformingWork:
        row = NonconformingWork(
            number=f"NC-T-{n}",
            trigger="complaint",
            state=state,
            description="Thử",
            found_on=TODAY - timedelta(days=30),
        )
        session.add(row)
        session.flush()
        return row

    def action(nc: NonconformingWork, state: str, due: int) -> None:
        session.add(
            CorrectiveAction(
                nc_id=nc.id,
                root_cause="Thử",
                actions="Thử",
                owner_id=owner.id,
                due_on=TODAY + timedelta(days=due),
                state=state,
            )
        )

    a, b, c, closed = record(1, "open"), record(2, "evaluating"), record(3, "open"), record(4, "closed")
    action(a, "open", -3)  # overdue
    action(a, "open", -1)  # overdue too: record a is counted once
    action(b, "open", 10)  # open, not yet due
    action(c, "closed", -20)  # closed: not a finding
    action(closed, "closed", -40)
    customer = make_enterprise(session)
    for nc, state in ((a, "draft"), (a, "draft"), (b, "sent"), (c, "cancelled")):
        session.add(
            NcNotice(
                nc_id=nc.id,
                enterprise_id=customer.id,
                language="vi",
                subject="Thử",
                body="Thử",
                digest="x",
                state=state,
            )
        )
    session.flush()
    tiles = {t.label: t for t in quality_tiles(session, auditor, today=TODAY)}
    expected = {
        "Open nonconforming work": ({"open": 1}, 3),  # a, b, c
        "Records with a corrective action open": ({"corrective": "open"}, 2),  # a, b
        "Records with a corrective action overdue": ({"corrective": "overdue"}, 1),  # a
        "Records with a notice waiting for review": ({"notices": "draft"}, 1),  # a (two drafts, one record)
    }
    for label, (args, count) in expected.items():
        tile = tiles[label]
        assert (tile.endpoint, dict(tile.args), tile.value, tile.warn) == ("nc.index", args, count, True)
        # The list the link opens (the page's own filter) shows as many records as the tile counts.
        where = records.NcFilter(
            open_only=args.get("open") == 1,
            corrective=args.get("corrective"),
            drafts=args.get("notices") == "draft",
            today=TODAY,
        )
        assert len(records.list_records(session, where)) == count
    # And against the database directly: records not closed; distinct records with an open action.
    assert tiles["Open nonconforming work"].value == session.scalar(
        select(func.count()).select_from(NonconformingWork).where(NonconformingWork.state != "closed")
    )
    assert tiles["Records with a corrective action open"].value == session.scalar(
        select(func.count(func.distinct(CorrectiveAction.nc_id))).where(CorrectiveAction.state != "closed")
    )

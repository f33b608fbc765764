"""The quality manager's tiles (ISO/IEC 17025:2017 7.10, 8.7): kept apart from the role dashboards so that
either can change without the other."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.errors import N_
from lims.models import (
    MeasurementStandard,
    NonconformingWork,
    Role,
    StandardStatus,
    User,
)
from lims.services.jobs.dashboard import Tile
from lims.services.quality.nonconformity import not_closed, with_corrective, with_draft_notice

QUALITY_READERS = frozenset({Role.ADMIN, Role.REVIEWER, Role.SIGNATORY, Role.AUDITOR})


def quality_tiles(session: Session, user: User, *, today: date) -> list[Tile]:
    """The open findings (records not closed, records with a corrective action open or overdue), quarantined
    standards and notices waiting for review; each a link to the list filtered as it was counted."""
    if user.role not in QUALITY_READERS:
        return []
    row = session.execute(
        select(
            select(func.count()).select_from(NonconformingWork).where(not_closed()).scalar_subquery(),
            select(func.count())
            .select_from(NonconformingWork)
            .where(with_corrective("open", today=today))
            .scalar_subquery(),
            select(func.count())
            .select_from(NonconformingWork)
            .where(with_corrective("overdue", today=today))
            .scalar_subquery(),
            select(func.count())
            .select_from(MeasurementStandard)
            .where(MeasurementStandard.status == StandardStatus.QUARANTINED)
            .scalar_subquery(),
            select(func.count()).select_from(NonconformingWork).where(with_draft_notice()).scalar_subquery(),
        )
    ).one()
    open_records, corrective_open, overdue, quarantined, drafts = (int(v or 0) for v in row)
    return [
        Tile(
            N_("Open nonconforming work"), open_records, "nc.index", warn=open_records > 0, args={"open": 1}
        ),
        Tile(
            N_("Records with a corrective action open"),
            corrective_open,
            "nc.index",
            warn=corrective_open > 0,
            args={"corrective": "open"},
        ),
        Tile(
            N_("Records with a corrective action overdue"),
            overdue,
            "nc.index",
            warn=overdue > 0,
            args={"corrective": "overdue"},
        ),
        # the register filtered to the quarantined ones: the due list also holds the standards merely due,
        # so its length was not the tile's number
        Tile(
            N_("Standards quarantined"),
            quarantined,
            "standards.index",
            warn=quarantined > 0,
            args={"status": StandardStatus.QUARANTINED.value},
        ),
        Tile(
            N_("Records with a notice waiting for review"),
            drafts,
            "nc.index",
            warn=drafts > 0,
            args={"notices": "draft"},
        ),
    ]

"""The quality manager's tiles (ISO/IEC 17025:2017 7.10, 8.7): kept apart from the role dashboards so that
either can change without the other."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.errors import N_
from lims.models import (
    CorrectiveAction,
    MeasurementStandard,
    NcNotice,
    NonconformingWork,
    Role,
    StandardStatus,
    User,
)
from lims.services.jobs.dashboard import Tile

QUALITY_READERS = frozenset({Role.ADMIN, Role.REVIEWER, Role.SIGNATORY, Role.AUDITOR})


def quality_tiles(session: Session, user: User, *, today: date) -> list[Tile]:
    """Open records, quarantined standards, notices waiting for review, overdue corrective actions."""
    if user.role not in QUALITY_READERS:
        return []
    row = session.execute(
        select(
            select(func.count())
            .select_from(NonconformingWork)
            .where(NonconformingWork.state != "closed")
            .scalar_subquery(),
            select(func.count())
            .select_from(MeasurementStandard)
            .where(MeasurementStandard.status == StandardStatus.QUARANTINED)
            .scalar_subquery(),
            select(func.count()).select_from(NcNotice).where(NcNotice.state == "draft").scalar_subquery(),
            select(func.count())
            .select_from(CorrectiveAction)
            .where(CorrectiveAction.state != "closed", CorrectiveAction.due_on < today)
            .scalar_subquery(),
        )
    ).one()
    open_records, quarantined, drafts, overdue = (int(v or 0) for v in row)
    return [
        Tile(N_("Open nonconforming work"), open_records, "nc.index", warn=open_records > 0),
        Tile(N_("Standards quarantined"), quarantined, "standards.due", warn=quarantined > 0),
        Tile(N_("Notices waiting for review"), drafts, "nc.index", warn=drafts > 0),
        Tile(N_("Corrective actions overdue"), overdue, "nc.index", warn=overdue > 0),
    ]

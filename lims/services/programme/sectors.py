"""Enterprises' sectors as VSIC 2018 codes, confirmed by the lab before they give an application priority.

Đà Nẵng QĐ 202 I.1.b names four priority sectors; Hà Nội Plan 16 III.2 refers to the city's list of focus
sectors. The plan file holds each as VSIC codes (:mod:`lims.domain.programme.vsic`). The enterprise's own
'sector' text is what it declared; only the code the lab confirmed, with the evidence it saw (the business
registration's main line), decides priority. Confirming or correcting a code re-ranks the enterprise's
pending applications.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.domain.programme import Programme
from lims.domain.programme.vsic import check_code
from lims.models import (
    ApplicationStatus,
    Enterprise,
    EnterpriseSector,
    ProgrammePrioritySector,
    SupportApplication,
)
from lims.services.programme.records import RequiredField, _required
from lims.services.programme.support import enterprise_by_tax_code, with_city_sectors


@dataclass(frozen=True, slots=True)
class SectorInput:
    tax_code: str
    vsic_code: str
    evidence: str
    confirmed_on: date


def confirm_sector(
    session: Session, programme: Programme, data: SectorInput, *, confirmed_by_id: int | None
) -> EnterpriseSector:
    """Record (or correct) the confirmed VSIC code of an enterprise and re-rank its pending applications."""
    enterprise = enterprise_by_tax_code(session, data.tax_code)
    code = check_code(data.vsic_code)
    evidence = _required(data.evidence, "evidence")
    row = session.scalar(select(EnterpriseSector).where(EnterpriseSector.enterprise_id == enterprise.id))
    if row is None:
        row = EnterpriseSector(enterprise_id=enterprise.id, vsic_code=code, evidence=evidence,
                               confirmed_on=data.confirmed_on, confirmed_by_id=confirmed_by_id)  # fmt: skip
        session.add(row)
    else:
        row.vsic_code, row.evidence, row.confirmed_on = code, evidence, data.confirmed_on
        row.confirmed_by_id, row.updated_at = confirmed_by_id, datetime.now(UTC)
    sector = with_city_sectors(session, programme).priority_sector_of_code(code)
    for application in session.scalars(
        select(SupportApplication).where(
            SupportApplication.programme_id == programme.id,
            SupportApplication.enterprise_id == enterprise.id,
            SupportApplication.status == ApplicationStatus.PENDING,
        )
    ):
        application.priority, application.priority_sector = sector is not None, sector
    session.flush()
    return row


def list_sectors(session: Session) -> Sequence[tuple[EnterpriseSector, Enterprise]]:
    rows = session.execute(
        select(EnterpriseSector, Enterprise)
        .join(Enterprise, Enterprise.id == EnterpriseSector.enterprise_id)
        .order_by(Enterprise.name)
    ).tuples()
    return list(rows)


@dataclass(frozen=True, slots=True)
class PrioritySectorInput:
    name_vi: str
    codes: str  # as typed: '26, 61 62'
    source: str  # the decision that issued the city's list


def add_priority_sector(
    session: Session, programme: Programme, data: PrioritySectorInput
) -> ProgrammePrioritySector:
    """Add a sector of the city's list (Hà Nội Plan 16 III.2) as VSIC codes, with the issuing document."""
    codes = [check_code(part) for part in re.split(r"[,;\s]+", data.codes or "") if part]
    if not codes:
        raise RequiredField(field="codes")
    row = ProgrammePrioritySector(
        programme_id=programme.id,
        name_vi=_required(data.name_vi, "name_vi"),
        vsic_codes=codes,
        source=_required(data.source, "source"),
    )
    session.add(row)
    session.flush()
    return row


def city_priority_sectors(session: Session, programme: Programme) -> Sequence[ProgrammePrioritySector]:
    """The sectors the Department added, withdrawn ones included (struck through on the page)."""
    return session.scalars(
        select(ProgrammePrioritySector)
        .where(ProgrammePrioritySector.programme_id == programme.id)
        .order_by(ProgrammePrioritySector.id)
    ).all()

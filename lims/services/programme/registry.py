"""The kinds of programme record entered on the web, what each one moves, and their withdrawal.

Every kind is listed newest first with its withdrawn records (shown struck through, with the reason);
an indicator never counts a withdrawn record (see :func:`lims.services.programme.report.indicator_value`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lims.domain.programme import Indicator, Programme
from lims.errors import NotFound
from lims.models import (
    DemandInstrumentType,
    LabAssessment,
    MeasurementAssuranceSupport,
    ProgrammeTaskProgress,
    ServiceCertification,
    StandardDevelopment,
    Withdrawable,
)
from lims.services.programme.records import withdraw

LIMIT = 500


class RecordKind(StrEnum):
    SUPPORTS = "supports"
    ASSESSMENTS = "assessments"
    CERTIFICATIONS = "certifications"
    DEMAND = "demand"
    DEVELOPMENTS = "developments"
    PROGRESS = "progress"


MODELS: dict[RecordKind, Any] = {
    RecordKind.SUPPORTS: MeasurementAssuranceSupport,
    RecordKind.ASSESSMENTS: LabAssessment,
    RecordKind.CERTIFICATIONS: ServiceCertification,
    RecordKind.DEMAND: DemandInstrumentType,
    RecordKind.DEVELOPMENTS: StandardDevelopment,
    RecordKind.PROGRESS: ProgrammeTaskProgress,
}

# The indicators a record of each kind moves (task progress moves none: it is the report's text).
INDICATORS: dict[RecordKind, tuple[Indicator, ...]] = {
    RecordKind.SUPPORTS: (Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME,),
    RecordKind.ASSESSMENTS: (
        Indicator.LABS_APPLYING_NATIONAL_CRITERIA,
        Indicator.ACCREDITED_LABS_APPLYING_NATIONAL_CRITERIA,
    ),
    RecordKind.CERTIFICATIONS: (Indicator.SERVICE_ORGANISATIONS_CAPACITY_RAISED,),
    RecordKind.DEMAND: (Indicator.STATE_DEMAND_MET,),
    RecordKind.DEVELOPMENTS: (
        Indicator.HIGH_ACCURACY_STANDARDS,
        Indicator.STANDARDS_REFERENCE_MATERIALS_INSTRUMENTS_DEVELOPED,
    ),
    RecordKind.PROGRESS: (),
}

_ORDER: dict[RecordKind, Any] = {
    RecordKind.SUPPORTS: MeasurementAssuranceSupport.supported_on,
    RecordKind.ASSESSMENTS: LabAssessment.assessed_on,
    RecordKind.CERTIFICATIONS: ServiceCertification.issued_on,
    RecordKind.DEMAND: DemandInstrumentType.name,
    RecordKind.DEVELOPMENTS: StandardDevelopment.developed_on,
    RecordKind.PROGRESS: ProgrammeTaskProgress.year,
}


def list_records(session: Session, kind: RecordKind, programme: Programme) -> Sequence[Any]:
    """The records of a kind (at most 500), live ones first, newest first (the catalogue by name)."""
    model = MODELS[kind]
    order = _ORDER[kind]
    stmt = select(model).order_by(
        model.withdrawn_at.is_not(None), order if kind is RecordKind.DEMAND else order.desc(), model.id.desc()
    )
    if kind is RecordKind.PROGRESS:
        stmt = stmt.where(ProgrammeTaskProgress.programme_id == programme.id).options(
            selectinload(ProgrammeTaskProgress.evidence)
        )
    if kind is RecordKind.SUPPORTS:
        stmt = stmt.options(selectinload(MeasurementAssuranceSupport.enterprise))
    if kind is RecordKind.DEVELOPMENTS:
        stmt = stmt.options(
            selectinload(StandardDevelopment.standard), selectinload(StandardDevelopment.reference_material)
        )
    return session.scalars(stmt.limit(LIMIT)).all()


def get_record(session: Session, kind: RecordKind, record_id: int) -> Any:
    record = session.get(MODELS[kind], record_id)
    if record is None:
        raise NotFound()
    return record


def withdraw_record(
    session: Session, kind: RecordKind, record_id: int, *, reason: str, now: datetime
) -> Withdrawable:
    """Withdraw a record of ``kind`` with a reason (audited; no longer counted)."""
    record: Withdrawable = withdraw(session, MODELS[kind], record_id, reason=reason, now=now)
    return record

"""Standards developed under the programme, and the baselines of growth targets.

*Standards developed* (Hà Nội Plan 16 tasks 3.1.b/c: 'đầu tư, phát triển chuẩn đo lường'; Đà Nẵng QĐ 202
II.2.a) are the records the two 'standards developed' indicators count: a standard or a reference
material of the register, the date it was put into service under the programme, and its funding.

A *baseline* is the previous phase's figure a growth target ('tăng ít nhất 50% so với giai đoạn 2021-2025')
is measured against, entered when the records do not hold that phase (a deployment started later), with
the document the figure comes from. Both are audited; both are withdrawn with a reason, never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.domain.programme import Indicator, Programme, TargetKind
from lims.errors import N_, NotFound
from lims.models import MeasurementStandard, ProgrammeBaseline, ReferenceMaterial, StandardDevelopment
from lims.services.programme.records import (
    ProgrammeRecordError,
    RequiredField,
    _assign,
    _clean,
    _live,
    _required,
)


class UnknownStandard(ProgrammeRecordError):
    template = N_("No standard or reference material has the number %(code)s.")


class AlreadyDeveloped(ProgrammeRecordError):
    template = N_("%(code)s is already recorded as developed under the programme.")


class NotAGrowthTarget(ProgrammeRecordError):
    template = N_("The phase %(phase)s has no growth target for this indicator.")


class NotANumber(ProgrammeRecordError):
    template = N_("%(field)s must be a number of zero or more.")


@dataclass(frozen=True, slots=True)
class DevelopmentInput:
    """``code`` is a standard's asset number or a reference material's code."""

    code: str
    developed_on: date
    funding: str
    funding_vnd: int | None = None
    notes: str | None = None


def _find(session: Session, code: str) -> tuple[int | None, int | None]:
    wanted = _required(code, "code")
    standard = session.scalar(
        select(MeasurementStandard.id).where(MeasurementStandard.asset_number == wanted)
    )
    if standard is not None:
        return standard, None
    material = session.scalar(select(ReferenceMaterial.id).where(ReferenceMaterial.code == wanted))
    if material is not None:
        return None, material
    raise UnknownStandard(code=wanted)


def _values(
    session: Session, programme: Programme, data: DevelopmentInput, *, record_id: int | None = None
) -> dict[str, object]:
    standard_id, material_id = _find(session, data.code)
    clash = session.scalar(
        select(StandardDevelopment.id).where(
            StandardDevelopment.withdrawn_at.is_(None),
            StandardDevelopment.standard_id == standard_id
            if standard_id is not None
            else StandardDevelopment.reference_material_id == material_id,
            StandardDevelopment.id != (record_id or 0),
        )
    )
    if clash is not None:
        raise AlreadyDeveloped(code=data.code.strip())
    if data.funding_vnd is not None and data.funding_vnd < 0:
        raise NotANumber(field="funding_vnd")
    return {
        "programme_id": programme.id,
        "standard_id": standard_id,
        "reference_material_id": material_id,
        "developed_on": data.developed_on,
        "funding": _required(data.funding, "funding"),
        "funding_vnd": data.funding_vnd,
        "notes": _clean(data.notes),
    }


def record_development(session: Session, programme: Programme, data: DevelopmentInput) -> StandardDevelopment:
    """Record a standard or reference material as developed under the programme (counted from its date)."""
    development = StandardDevelopment(**_values(session, programme, data))
    session.add(development)
    session.flush()
    return development


def update_development(
    session: Session, programme: Programme, development_id: int, data: DevelopmentInput
) -> StandardDevelopment:
    development = _live(session, StandardDevelopment, development_id)
    _assign(development, _values(session, programme, data, record_id=development_id))
    session.flush()
    return development


def development_code(development: StandardDevelopment) -> str:
    if development.standard is not None:
        return development.standard.asset_number
    assert development.reference_material is not None
    return development.reference_material.code


def development_name(development: StandardDevelopment) -> str:
    if development.standard is not None:
        return development.standard.name
    assert development.reference_material is not None
    return development.reference_material.name


@dataclass(frozen=True, slots=True)
class BaselineInput:
    phase_id: str  # the phase whose growth target is measured against the baseline
    indicator: Indicator
    value: str  # as typed: a whole number of people, enterprises…
    source: str  # the report or decision the figure comes from


def _baseline_values(programme: Programme, data: BaselineInput) -> dict[str, object]:
    try:
        phase = programme.phase(data.phase_id)
    except KeyError:
        raise NotFound() from None
    target = phase.target(data.indicator)
    if target is None or target.kind is not TargetKind.GROWTH:
        raise NotAGrowthTarget(phase=phase.id)
    raw = (data.value or "").strip().replace(".", "").replace(" ", "").replace(",", ".")
    if not raw:
        raise RequiredField(field="value")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise NotANumber(field="value") from None
    if not value.is_finite() or value < 0:
        raise NotANumber(field="value")
    return {"value": value, "source": _required(data.source, "source")}


def enter_baseline(
    session: Session, programme: Programme, data: BaselineInput, *, entered_by_id: int | None
) -> ProgrammeBaseline:
    """Enter (or correct) the previous phase's figure of a growth target; the audit trail keeps each change."""
    values = _baseline_values(programme, data)
    row = session.scalar(
        select(ProgrammeBaseline).where(
            ProgrammeBaseline.programme_id == programme.id,
            ProgrammeBaseline.phase_id == data.phase_id,
            ProgrammeBaseline.indicator == data.indicator.value,
        )
    )
    if row is None:
        row = ProgrammeBaseline(
            programme_id=programme.id,
            phase_id=data.phase_id,
            indicator=data.indicator.value,
            entered_by_id=entered_by_id,
            **values,
        )
        session.add(row)
    else:
        _assign(row, values)
        row.entered_by_id, row.updated_at = entered_by_id, datetime.now(UTC)
        row.withdrawn_at = row.withdrawal_reason = None
    session.flush()
    return row

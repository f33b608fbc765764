"""The standards register: identity, status history and recall, reference materials.

Calibrations of the standards are in :mod:`lims.services.standards.calibrations`, their intermediate checks
and the due list in :mod:`lims.services.standards.checks`, their intervals in
:mod:`lims.services.standards.intervals`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from lims.domain import traceability as tr
from lims.domain.guard import OpenJob, StandardInUse, ensure_can_retire
from lims.errors import N_, LimsError, NotFound
from lims.models import (
    Job,
    JobStandard,
    JobState,
    MeasurementStandard,
    ReferenceMaterial,
    StandardStatus,
    StandardStatusChange,
)
from lims.services.common.pagination import Page, keyset_page

CLOSED_JOB_STATES = (JobState.ISSUED, JobState.CANCELLED, JobState.REJECTED)


class StandardError(LimsError, ValueError):
    pass


def _nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", text or "").strip()


def get_standard(session: Session, standard_id: int) -> MeasurementStandard:
    standard = session.get(MeasurementStandard, standard_id)
    if standard is None:
        raise NotFound()
    return standard


def search_standards(
    session: Session,
    *,
    query: str = "",
    status: str = "",
    quantity: str = "",
    after: int | None = None,
    size: int = 50,
) -> Page[MeasurementStandard]:
    stmt = select(MeasurementStandard)
    text = _nfc(query)
    if text:
        pattern = f"%{text.replace('%', '').replace('_', '')}%"
        stmt = stmt.where(
            or_(
                MeasurementStandard.name.ilike(pattern),
                MeasurementStandard.asset_number.ilike(pattern),
                MeasurementStandard.serial_number.ilike(pattern),
            )
        )
    if status in {s.value for s in StandardStatus}:
        stmt = stmt.where(MeasurementStandard.status == StandardStatus(status))
    if quantity:
        stmt = stmt.where(MeasurementStandard.quantity == quantity)
    return keyset_page(session, stmt, MeasurementStandard.id, after=after, size=size, descending=False)


def open_jobs_relying_on(session: Session, standard_id: int) -> list[OpenJob]:
    rows = session.execute(
        select(Job.number)
        .join(JobStandard, JobStandard.job_id == Job.id)
        .where(JobStandard.standard_id == standard_id, Job.state.notin_(CLOSED_JOB_STATES))
    ).scalars()
    return [OpenJob(number, (str(standard_id),)) for number in rows]


def change_status(
    session: Session,
    standard_id: int,
    status: StandardStatus,
    *,
    reason: str,
    effective_on: date,
    changed_by_id: int | None,
) -> StandardStatusChange:
    """Record a dated status change with its reason; a standard open jobs rely on cannot be retired."""
    standard = get_standard(session, standard_id)
    reason = _nfc(reason)
    if not reason:
        raise StandardError(N_("A status change needs a reason."))
    if status in (StandardStatus.RETIRED, StandardStatus.OUT_OF_SERVICE):
        node = tr.StandardNode(
            str(standard_id), standard.asset_number, standard.name, standard.quantity.value
        )
        try:
            ensure_can_retire(node, open_jobs_relying_on(session, standard_id))
        except StandardInUse as exc:
            raise StandardError(
                N_("Standard %(asset)s cannot be taken out of service: open jobs rely on it (%(jobs)s)."),
                asset=standard.asset_number,
                jobs=", ".join(j.job_id for j in open_jobs_relying_on(session, standard_id)),
            ) from exc
    change = StandardStatusChange(
        standard_id=standard_id,
        effective_on=effective_on,
        status=status,
        reason=reason,
        changed_by_id=changed_by_id,
    )
    session.add(change)
    standard.status = status
    session.flush()
    return change


def status_history(session: Session, standard_id: int) -> list[StandardStatusChange]:
    return list(
        session.scalars(
            select(StandardStatusChange)
            .where(StandardStatusChange.standard_id == standard_id)
            .order_by(StandardStatusChange.effective_on, StandardStatusChange.id)
        )
    )


class DuplicateAsset(StandardError):
    template = N_("A standard with asset number %(asset)s already exists.")


@dataclass(frozen=True, slots=True)
class StandardInput:
    lab_id: int
    asset_number: str
    name: str
    quantity: str
    level: str
    unit: str
    range_min: Decimal | None = None
    range_max: Decimal | None = None
    accuracy: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    serial_number: str | None = None
    firmware_version: str | None = None
    custodian: str | None = None
    location: str | None = None
    calibration_interval_months: int | None = None


def _apply_standard(session: Session, standard: MeasurementStandard, data: StandardInput) -> None:
    from lims.models import Quantity, StandardLevel

    asset, name, unit = _nfc(data.asset_number), _nfc(data.name), _nfc(data.unit)
    if not asset or not name or not unit:
        raise StandardError(N_("The asset number, the name and the unit are required."))
    if data.range_min is not None and data.range_max is not None and data.range_min >= data.range_max:
        raise StandardError(N_("The lower end of the range must be below the upper end."))
    if data.calibration_interval_months is not None and not 1 <= data.calibration_interval_months <= 120:
        raise StandardError(N_("The calibration interval must be between 1 and 120 months."))
    clash = session.scalar(select(MeasurementStandard.id).where(MeasurementStandard.asset_number == asset))
    if clash is not None and clash != standard.id:
        raise DuplicateAsset(asset=asset)
    standard.lab_id, standard.asset_number, standard.name, standard.unit = data.lab_id, asset, name, unit
    standard.quantity, standard.level = Quantity(data.quantity), StandardLevel(data.level)
    standard.range_min, standard.range_max = data.range_min, data.range_max
    standard.calibration_interval_months = data.calibration_interval_months
    for attr in (
        "accuracy",
        "manufacturer",
        "model",
        "serial_number",
        "firmware_version",
        "custodian",
        "location",
    ):
        setattr(standard, attr, _nfc(getattr(data, attr)) or None)


def register_standard(
    session: Session, data: StandardInput, *, today: date, by_id: int | None
) -> MeasurementStandard:
    """Add a standard to the register; its status history starts 'in service' today."""
    standard = MeasurementStandard(status=StandardStatus.IN_SERVICE)
    _apply_standard(session, standard, data)
    session.add(standard)
    session.flush()
    session.add(
        StandardStatusChange(
            standard_id=standard.id,
            effective_on=today,
            status=StandardStatus.IN_SERVICE,
            reason="Đưa vào sử dụng / Put into service",
            changed_by_id=by_id,
        )
    )
    session.flush()
    return standard


def update_standard(session: Session, standard_id: int, data: StandardInput) -> MeasurementStandard:
    from datetime import UTC, datetime

    standard = get_standard(session, standard_id)
    _apply_standard(session, standard, data)
    standard.updated_at = datetime.now(UTC)
    session.flush()
    return standard


@dataclass(frozen=True, slots=True)
class MaterialInput:
    lab_id: int
    code: str
    name: str
    producer: str
    lot: str
    certified_value: Decimal
    expanded_uncertainty: Decimal
    unit: str
    expiry_on: date
    coverage_factor: Decimal = Decimal(2)
    producer_accreditation: str | None = None
    opened_on: date | None = None
    shelf_life_days_after_opening: int | None = None
    certificate_number: str | None = None
    certificate_issued_on: date | None = None


def _check_material(session: Session, data: MaterialInput, *, today: date, material_id: int | None) -> None:
    from lims.models import ReferenceMaterial

    code, name, unit = _nfc(data.code), _nfc(data.name), _nfc(data.unit)
    if not code or not name or not _nfc(data.producer) or not _nfc(data.lot):
        raise StandardError(N_("The code, the name, the producer and the lot are required."))
    if not unit:
        raise StandardError(N_("The certified value needs a unit."))
    if data.expanded_uncertainty <= 0 or data.coverage_factor <= 0:
        raise StandardError(N_("The expanded uncertainty and k must be positive."))
    if data.certificate_issued_on is not None and data.expiry_on <= data.certificate_issued_on:
        raise StandardError(N_("The expiry date must come after the certificate's issue date."))
    if data.opened_on is not None and data.opened_on > today:
        raise StandardError(N_("The opening date cannot be in the future."))
    if data.shelf_life_days_after_opening is not None and data.shelf_life_days_after_opening <= 0:
        raise StandardError(N_("The shelf life after opening must be a positive number of days."))
    same_code = select(ReferenceMaterial.id).where(ReferenceMaterial.code == code)
    if material_id is not None:
        same_code = same_code.where(ReferenceMaterial.id != material_id)
    if session.scalar(same_code) is not None:
        raise StandardError(N_("A reference material with code %(code)s already exists."), code=code)


def _apply_material(material: Any, data: MaterialInput) -> None:
    material.code = _nfc(data.code)
    material.name = _nfc(data.name)
    material.producer = _nfc(data.producer)
    material.producer_accreditation = _nfc(data.producer_accreditation) or None
    material.lot = _nfc(data.lot)
    material.certified_value = data.certified_value
    material.expanded_uncertainty = data.expanded_uncertainty
    material.coverage_factor = data.coverage_factor
    material.unit = _nfc(data.unit)
    material.expiry_on = data.expiry_on
    material.opened_on = data.opened_on
    material.shelf_life_days_after_opening = data.shelf_life_days_after_opening
    material.certificate_number = _nfc(data.certificate_number) or None
    material.certificate_issued_on = data.certificate_issued_on


def register_material(session: Session, data: MaterialInput, *, today: date) -> Any:
    """Add a reference material (ISO 17034 producer's certified value, usable only inside its expiry and
    its shelf life once opened — the traceability guard enforces both on the date of use)."""
    from lims.models import ReferenceMaterial

    _check_material(session, data, today=today, material_id=None)
    material = ReferenceMaterial(lab_id=data.lab_id)
    _apply_material(material, data)
    session.add(material)
    session.flush()
    return material


def get_material(session: Session, material_id: int) -> Any:
    from lims.models import ReferenceMaterial

    material = session.get(ReferenceMaterial, material_id)
    if material is None:
        raise NotFound()
    return material


def update_material(session: Session, material_id: int, data: MaterialInput, *, today: date) -> Any:
    """Correct or complete a reference material's record (e.g. the date it was opened, a producer's
    extended expiry). Every change is kept field by field in the audit trail, so what a past job relied
    on can still be read as it stood on the day."""
    material = get_material(session, material_id)
    _check_material(session, data, today=today, material_id=material_id)
    _apply_material(material, data)
    session.flush()
    return material


def list_materials(session: Session) -> list[ReferenceMaterial]:
    """Every reference material by code."""
    return list(session.scalars(select(ReferenceMaterial).order_by(ReferenceMaterial.code)))

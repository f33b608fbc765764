"""The standards register: identity, status history, calibrations, intermediate checks, recall."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from lims.domain import traceability as tr
from lims.domain.calibration_points import CalibrationPoint, InvalidRecord
from lims.domain.control_chart import CheckPoint, ControlChart, build_chart, stated_limits
from lims.domain.guard import OpenJob, StandardInUse, ensure_can_retire
from lims.domain.numbering import DEFAULT_IN_HOUSE_PATTERN, NumberPattern
from lims.errors import N_, LimsError, NotFound
from lims.models import (
    CalibrationAsFound,
    IntermediateCheck,
    Job,
    JobStandard,
    JobState,
    MeasurementStandard,
    ReferenceMaterial,
    StandardCalibration,
    StandardCalibrationSource,
    StandardStatus,
    StandardStatusChange,
)
from lims.services.common.pagination import Page, keyset_page
from lims.services.common.register_numbers import IN_HOUSE_COUNTER, number_in_use, take_number
from lims.services.common.storage import check_pdf, check_size, sha256_hex
from lims.services.standards.traceability import reachable_standards

CLOSED_JOB_STATES = (JobState.ISSUED, JobState.CANCELLED, JobState.REJECTED)


class StandardError(LimsError, ValueError):
    pass


class CalibrationCycle(StandardError):
    template = N_(
        "Standard %(source)s cannot be used to calibrate %(target)s: its own chain already relies on "
        "%(target)s, which would make a cycle."
    )


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


@dataclass(frozen=True, slots=True)
class CalibrationInput:
    standard_id: int
    calibrated_on: date
    certificate_number: str
    issuer_kind: tr.IssuerKind
    issuer_name: str
    issued_on: date
    valid_until: date
    points_text: str  # one point per line: "value unit U [k [correction]]", e.g. "1000 g 0.0016 2 0.0004"
    kcdb_cmc_reference: str | None = None
    accreditation_body: str | None = None
    accreditation_number: str | None = None
    source_ids: tuple[int, ...] = ()
    file_key: str | None = None
    file_sha256: str | None = None
    notes: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # As found, before adjustment: the largest error and the standard's limit (half-width), same unit.
    as_found_error: Decimal | None = None
    as_found_limit: Decimal | None = None
    as_found_unit: str | None = None


def parse_points(text: str) -> list[dict[str, Any]]:
    """Calibration points typed one per line as ``value unit U [k [correction]]``; every point needs a unit.

    The certificate's table of points is kept whole (nominal, unit, U, k and the stated correction), so the
    traceability checks use U at the point of use (docs/traceability.md)."""
    points = []
    for number, line in enumerate(_nfc(text).splitlines(), start=1):
        parts = line.replace(",", ".").split()
        if not parts:
            continue
        if len(parts) not in (3, 4, 5):
            raise StandardError(
                N_(
                    "Line %(line)s: write the value, its unit, the expanded uncertainty and "
                    "optionally k, e.g. '1000 g 0.0016 2'."
                ),
                line=number,
            )
        try:
            value, unit, expanded = Decimal(parts[0]), parts[1], Decimal(parts[2])
            k = Decimal(parts[3]) if len(parts) >= 4 else Decimal(2)
            correction = Decimal(parts[4]) if len(parts) == 5 else None
        except InvalidOperation as exc:
            raise StandardError(
                N_("Line %(line)s: the value, the uncertainty and k must be numbers."), line=number
            ) from exc
        if unit[0].isdigit() or unit[0] in "+-.":
            raise StandardError(N_("Line %(line)s: the uncertainty needs a unit."), line=number)
        if expanded <= 0 or k <= 0:
            raise StandardError(
                N_("Line %(line)s: the expanded uncertainty and k must be positive."), line=number
            )
        if not all(x.is_finite() for x in (value, expanded, k, correction or Decimal(0))):
            raise StandardError(
                N_("Line %(line)s: the value, the uncertainty and k must be numbers."), line=number
            )
        point: dict[str, Any] = {
            "value": float(value),
            "unit": unit,
            "expanded_uncertainty": float(expanded),
            "k": float(k),
        }
        if correction is not None:
            point["correction"] = float(correction)
        points.append(point)
    return points


def allocate_in_house_number(session: Session, year: int) -> str:
    """The next number of the in-house series (``NB-2026-00001``) from the certificate register's counter.

    In-house calibration certificates are certificates the lab issues: they take their number from the same
    register as the customers' certificates, in a series of their own so the two never meet
    (docs/certificates.md, "One register").
    """
    number = take_number(session, IN_HOUSE_COUNTER, NumberPattern(DEFAULT_IN_HOUSE_PATTERN), year)
    if number_in_use(session, number) is not None:
        raise StandardError(
            N_("Certificate number %(number)s is already used; check the number pattern and the counter."),
            number=number,
        )
    return number


def add_calibration(session: Session, data: CalibrationInput) -> StandardCalibration:
    """Record a calibration of a standard (all or nothing); one by this lab is numbered by the register."""
    standard = get_standard(session, data.standard_id)
    points = parse_points(data.points_text)
    in_house = data.issuer_kind is tr.IssuerKind.THIS_LAB
    typed_number = _nfc(data.certificate_number)
    if in_house and typed_number:
        raise StandardError(
            N_(
                "A calibration by this laboratory is numbered by the certificate register: leave the "
                "certificate number empty."
            )
        )
    if not in_house and not typed_number:
        raise StandardError(N_("Enter the number of the issuer's certificate."))
    try:
        issuer = tr.Issuer(
            data.issuer_kind,
            _nfc(data.issuer_name),
            kcdb_cmc_reference=data.kcdb_cmc_reference or None,
            accreditation_body=data.accreditation_body or None,
            accreditation_number=data.accreditation_number or None,
        )
        tr.CalibrationLink(
            "new",
            str(standard.id),
            data.calibrated_on,
            typed_number or "NB-pending",
            issuer,
            data.issued_on,
            data.valid_until,
            data.file_sha256 is not None,
            tuple(
                CalibrationPoint(
                    p["value"], p["unit"], p["expanded_uncertainty"], p["k"], p.get("correction")
                )
                for p in points
            ),
        )
    except InvalidRecord as exc:
        raise StandardError(N_("The calibration is not valid: %(problem)s."), problem=str(exc)) from exc
    if data.issuer_kind is tr.IssuerKind.THIS_LAB:
        if not data.source_ids:
            raise StandardError(N_("A calibration by this laboratory must name the standards it used."))
        for source_id in data.source_ids:
            source = get_standard(session, source_id)
            if source_id == standard.id or standard.id in reachable_standards(
                session, [source_id], data.calibrated_on
            ):
                raise CalibrationCycle(source=source.asset_number, target=standard.asset_number)
    elif data.source_ids:
        raise StandardError(N_("Only a calibration by this laboratory names the standards used."))
    if (data.as_found_error is None) != (data.as_found_limit is None):
        raise StandardError(N_("Give both the as-found error and the limit, or neither."))
    if data.as_found_limit is not None and data.as_found_limit <= 0:
        raise StandardError(N_("The limit of the as-found error must be positive."))
    if data.as_found_limit is not None and not _nfc(data.as_found_unit):
        raise StandardError(N_("The as-found error needs a unit."))
    number = typed_number or allocate_in_house_number(session, data.issued_on.year)
    calibration = StandardCalibration(
        standard_id=standard.id,
        calibrated_on=data.calibrated_on,
        certificate_number=number,
        issuer_kind=data.issuer_kind,
        issuer_name=_nfc(data.issuer_name),
        kcdb_cmc_reference=data.kcdb_cmc_reference or None,
        accreditation_body=data.accreditation_body or None,
        accreditation_number=data.accreditation_number or None,
        issued_on=data.issued_on,
        valid_until=data.valid_until,
        points=points,
        file_key=data.file_key,
        file_sha256=data.file_sha256,
        notes=_nfc(data.notes) or None,
    )
    session.add(calibration)
    session.flush()
    if data.as_found_error is not None and data.as_found_limit is not None:
        calibration.as_found = CalibrationAsFound(
            calibration_id=calibration.id,
            error=data.as_found_error,
            limit=data.as_found_limit,
            unit=_nfc(data.as_found_unit),
        )
        session.flush()
    for source_id in data.source_ids:
        session.add(StandardCalibrationSource(calibration_id=calibration.id, standard_id=source_id))
    if standard.due_on is None or data.valid_until > standard.due_on:
        standard.due_on = data.valid_until
    session.flush()
    return calibration


def calibrations_of(session: Session, standard_id: int) -> list[StandardCalibration]:
    return list(
        session.scalars(
            select(StandardCalibration)
            .where(StandardCalibration.standard_id == standard_id)
            .order_by(StandardCalibration.calibrated_on.desc(), StandardCalibration.id.desc())
        )
    )


def sources_of(session: Session, calibration_ids: list[int]) -> dict[int, list[MeasurementStandard]]:
    found: dict[int, list[MeasurementStandard]] = {cid: [] for cid in calibration_ids}
    if calibration_ids:
        rows = session.execute(
            select(StandardCalibrationSource.calibration_id, MeasurementStandard)
            .join(MeasurementStandard, MeasurementStandard.id == StandardCalibrationSource.standard_id)
            .where(StandardCalibrationSource.calibration_id.in_(calibration_ids))
        )
        for cal_id, std in rows:
            found[cal_id].append(std)
    return found


@dataclass(frozen=True, slots=True)
class CheckInput:
    standard_id: int
    checked_on: date
    value: Decimal
    unit: str
    lower_limit: Decimal | None = None
    upper_limit: Decimal | None = None
    check_standard_id: int | None = None
    performed_by_id: int | None = None
    notes: str | None = None


def add_check(session: Session, data: CheckInput) -> IntermediateCheck:
    get_standard(session, data.standard_id)
    if not _nfc(data.unit):
        raise StandardError(N_("The check value needs a unit."))
    if (data.lower_limit is None) != (data.upper_limit is None):
        raise StandardError(N_("Give both control limits or neither."))
    if data.lower_limit is not None and data.upper_limit is not None and data.lower_limit >= data.upper_limit:
        raise StandardError(N_("The lower control limit must be below the upper one."))
    check = IntermediateCheck(
        standard_id=data.standard_id,
        checked_on=data.checked_on,
        value=data.value,
        unit=_nfc(data.unit),
        lower_limit=data.lower_limit,
        upper_limit=data.upper_limit,
        check_standard_id=data.check_standard_id,
        performed_by_id=data.performed_by_id,
        notes=_nfc(data.notes) or None,
    )
    session.add(check)
    session.flush()
    return check


def checks_of(session: Session, standard_id: int) -> list[IntermediateCheck]:
    """The standard's intermediate checks, newest first, with their values as recorded."""
    return list(
        session.scalars(
            select(IntermediateCheck)
            .where(IntermediateCheck.standard_id == standard_id)
            .order_by(IntermediateCheck.checked_on.desc(), IntermediateCheck.id.desc())
        )
    )


def control_chart(session: Session, standard_id: int) -> ControlChart | None:
    """The chart of a standard's intermediate checks (ISO/IEC 17025:2017 6.4.10), ``None`` below two checks.

    The latest stated limits are used when the lab gave them, otherwise limits from the moving range.
    """
    checks = list(
        session.scalars(
            select(IntermediateCheck)
            .where(IntermediateCheck.standard_id == standard_id)
            .order_by(IntermediateCheck.checked_on, IntermediateCheck.id)
        )
    )
    if len(checks) < 2:
        return None
    points = [CheckPoint(c.checked_on, float(c.value)) for c in checks]
    stated = next(
        (c for c in reversed(checks) if c.lower_limit is not None and c.upper_limit is not None), None
    )
    limits = None
    if stated is not None:
        assert stated.lower_limit is not None and stated.upper_limit is not None
        centre = (float(stated.lower_limit) + float(stated.upper_limit)) / 2
        limits = stated_limits(centre, float(stated.lower_limit), float(stated.upper_limit))
    standard = get_standard(session, standard_id)
    return build_chart(points, title=standard.asset_number, unit=checks[0].unit, limits=limits)


def due_standards(
    session: Session,
    *,
    today: date,
    within_days: int = 30,
    conditions: Sequence[ColumnElement[bool]] = (),
) -> list[MeasurementStandard]:
    """Standards quarantined pending review (first: a check or calibration found them out of tolerance), then
    those due within ``within_days`` or overdue, soonest first (retired ones excluded); ``conditions`` narrow
    them further (the dashboard's "standards I use", lims.services.jobs.dashboard)."""
    quarantined = MeasurementStandard.status == StandardStatus.QUARANTINED
    found = session.scalars(
        select(MeasurementStandard)
        .where(
            or_(MeasurementStandard.due_on <= today + timedelta(days=within_days), quarantined),
            MeasurementStandard.status.notin_((StandardStatus.RETIRED, StandardStatus.OUT_OF_SERVICE)),
            *conditions,
        )
        .order_by(MeasurementStandard.due_on, MeasurementStandard.id)
    )
    return sorted(found, key=lambda s: s.status != StandardStatus.QUARANTINED)


def store_certificate_pdf(storage: Any, data: bytes, *, limit: int, name: str) -> tuple[str, str]:
    """Check an uploaded certificate by its content (a PDF that parses, within the size limit) and store it
    write-once under its SHA-256; returns the key and the digest."""
    check_size(data, limit=limit, name=name)
    check_pdf(data, name=name)
    digest = sha256_hex(data)
    stored = storage.put(f"standard-certificates/{digest}.pdf", data, "application/pdf")
    return stored.key, stored.sha256


def certificate_file(
    session: Session, storage: Any, calibration_id: int
) -> tuple[StandardCalibration, bytes]:
    calibration = session.get(StandardCalibration, calibration_id)
    if calibration is None or calibration.file_key is None:
        raise NotFound()
    return calibration, storage.get(calibration.file_key)


def interval_recommendation(session: Session, standard_id: int) -> Any:
    """ILAC-G24 / OIML D 10 Method 2 from the intermediate checks: drift of (value − centre) over time
    against the half-width of the stated control limits, the current error counted. ``None`` without three
    checks with limits."""
    from lims.domain.intervals import ErrorObservation, control_chart_interval

    checks = [
        c
        for c in session.scalars(
            select(IntermediateCheck)
            .where(IntermediateCheck.standard_id == standard_id)
            .order_by(IntermediateCheck.checked_on, IntermediateCheck.id)
        )
        if c.lower_limit is not None and c.upper_limit is not None
    ]
    if len(checks) < 3:
        return None
    last = checks[-1]
    assert last.lower_limit is not None and last.upper_limit is not None
    centre = (float(last.lower_limit) + float(last.upper_limit)) / 2
    half_width = (float(last.upper_limit) - float(last.lower_limit)) / 2
    history, seen = [], set()
    for check in checks:
        if check.checked_on in seen:
            continue  # one observation a day: the method needs increasing dates
        seen.add(check.checked_on)
        history.append(ErrorObservation(check.checked_on, float(check.value) - centre))
    if len(history) < 3:
        return None
    # a check value is the error itself (nothing corrects it): the current error counts against the limit
    return control_chart_interval(history, limit=half_width, corrections_applied=False)


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


@dataclass(frozen=True, slots=True)
class SourceChoice:
    standard_id: int
    asset_number: str
    name: str


def possible_sources(
    session: Session, standard: MeasurementStandard, *, limit: int = 500
) -> list[SourceChoice]:
    """The other standards of the same quantity, by asset number: those that may have calibrated ``standard``
    in the lab (the links of its traceability chain, ISO/IEC 17025:2017 6.5)."""
    rows = session.execute(
        select(MeasurementStandard.id, MeasurementStandard.asset_number, MeasurementStandard.name)
        .where(MeasurementStandard.id != standard.id, MeasurementStandard.quantity == standard.quantity)
        .order_by(MeasurementStandard.asset_number)
        .limit(limit)
    )
    return [SourceChoice(row.id, row.asset_number, row.name) for row in rows]

"""Calibrations of the standards: certificates with their points (U and k at each point), the as-found
error, the standards a calibration by this lab used (the traceability chain, ISO/IEC 17025:2017 6.5), the
in-house certificate numbers and the stored certificate files."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.domain import traceability as tr
from lims.domain.calibration_points import CalibrationPoint, InvalidRecord
from lims.domain.numbering import DEFAULT_IN_HOUSE_PATTERN, NumberPattern
from lims.domain.unit_conversion import comparable
from lims.errors import N_, NotFound
from lims.models import (
    CalibrationAsFound,
    MeasurementStandard,
    StandardCalibration,
    StandardCalibrationSource,
)
from lims.services.common.register_numbers import IN_HOUSE_COUNTER, number_in_use, take_number
from lims.services.common.storage import check_pdf, check_size, sha256_hex
from lims.services.standards.standards import StandardError, _nfc, get_standard
from lims.services.standards.traceability import reachable_standards


class CalibrationCycle(StandardError):
    template = N_(
        "Standard %(source)s cannot be used to calibrate %(target)s: its own chain already relies on "
        "%(target)s, which would make a cycle."
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
    points_text: (
        str  # one point per line: "[AC|DC] value unit U [k [correction]] [@ frequency]" (parse_points)
    )
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


_FREQUENCY = re.compile(r"^(?P<value>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\s*(?P<unit>Hz|kHz|MHz)$")
_FREQUENCY_SCALE = {"Hz": Decimal(1), "kHz": Decimal(1000), "MHz": Decimal(1000000)}


def _frequency(text: str, line: int) -> Decimal:
    """The frequency written after ``@`` (``1 kHz``, ``50Hz``), in Hz."""
    match = _FREQUENCY.match(text.replace(",", ".").strip())
    hz = Decimal(match["value"]) * _FREQUENCY_SCALE[match["unit"]] if match else Decimal(0)
    if not (hz.is_finite() and hz > 0):
        raise StandardError(
            N_(
                "Line %(line)s: write the frequency after @ as a number above 0 with Hz, kHz or MHz, e.g. '@ 1 kHz'."
            ),
            line=line,
        )
    return hz


def parse_points(text: str) -> list[dict[str, Any]]:
    """Calibration points typed one per line as ``[AC|DC] value unit U [k [correction]] [@ frequency]``; every
    point needs a unit.

    The certificate's table of points is kept whole (nominal, unit, U, k, the stated correction and an AC
    point's frequency), so the traceability checks and the bench use U at the point of use, an AC point only
    at its frequency (docs/traceability.md). A voltage or current point with a frequency is AC; "AC" makes
    the frequency required and "DC" refuses it.

    >>> parse_points("AC 1 V 0,0001 2 @ 1 kHz")
    [{'value': 1.0, 'unit': 'V', 'expanded_uncertainty': 0.0001, 'k': 2.0, 'frequency_hz': 1000.0}]
    """
    points = []
    for number, line in enumerate(_nfc(text).splitlines(), start=1):
        written, at, frequency_text = line.partition("@")
        parts = written.replace(",", ".").split()
        if not parts and not at:
            continue
        mark = parts.pop(0).upper() if parts and parts[0].upper() in ("AC", "DC") else None
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
        frequency = _frequency(frequency_text, number) if at else None
        if (mark or frequency) and not (comparable(unit, "V") or comparable(unit, "A")):
            raise StandardError(
                N_(
                    "Line %(line)s: only a voltage or a current point (V, A) is AC or DC, with a frequency if AC."
                ),
                line=number,
            )
        if mark == "AC" and frequency is None:
            raise StandardError(
                N_("Line %(line)s: an AC point needs its frequency, e.g. 'AC 1 V 0.0001 2 @ 1 kHz'."),
                line=number,
            )
        if mark == "DC" and frequency is not None:
            raise StandardError(N_("Line %(line)s: a DC point has no frequency."), line=number)
        point: dict[str, Any] = {
            "value": float(value),
            "unit": unit,
            "expanded_uncertainty": float(expanded),
            "k": float(k),
        }
        if correction is not None:
            point["correction"] = float(correction)
        if frequency is not None:
            point["frequency_hz"] = float(frequency)
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


#: The calibration record's own checks (lims.domain.traceability.CalibrationLink) by the field they refuse:
#: the domain's message names the field as stored ("valid_until: must not be …"), in English.
LINK_PROBLEMS = {
    "certificate_number": N_("The certificate number must not be empty."),
    "issued_on": N_("The issue date cannot be before the calibration date."),
    "valid_until": N_("The valid-until date cannot be before the calibration date."),
}


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
                    p["value"],
                    p["unit"],
                    p["expanded_uncertainty"],
                    p["k"],
                    p.get("correction"),
                    p.get("frequency_hz"),
                )
                for p in points
            ),
        )
    except InvalidRecord as exc:
        if exc.field in LINK_PROBLEMS:  # the form's own fields, said in the reader's language
            raise StandardError(LINK_PROBLEMS[exc.field]) from exc
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

"""The laboratory's calibration and measurement capabilities (CMC): the accreditation scope as rows.

Each row is checked with :class:`lims.domain.capability.CmcEntry` before it is saved, so a row the
measurement service could not use (an empty range, a CMC of zero) never reaches the database. Rows are never
deleted: a capability the lab no longer holds is kept with ``accredited`` off, so results computed while it
held it can still be explained from the audit trail.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.domain.calibration_points import CalibrationPoint
from lims.domain.capability import CapabilityError, UnrealisableCmc, unrealisable_points
from lims.domain.capability import CmcEntry as DomainCmc
from lims.domain.unit_conversion import comparable
from lims.errors import N_, LimsError, NotFound
from lims.models import CmcEntry, Job, JobStandard, MeasurementStandard, Procedure, StandardCalibration
from lims.services.standards.traceability import stored_point


class CmcError(LimsError):
    """A CMC row is not acceptable."""


@dataclass(frozen=True, slots=True)
class CmcInput:
    lab_id: int
    quantity: str
    unit: str
    range_min: Decimal
    range_max: Decimal
    fixed_uncertainty: Decimal | None
    a: Decimal
    b: Decimal
    procedure_code: str | None
    accredited: bool


def _nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", (text or "").strip())


def list_cmc(session: Session, lab_id: int) -> list[CmcEntry]:
    """The scope in reading order: quantity, unit, range."""
    return list(
        session.scalars(
            select(CmcEntry)
            .where(CmcEntry.lab_id == lab_id)
            .order_by(CmcEntry.quantity, CmcEntry.unit, CmcEntry.range_min, CmcEntry.id)
        )
    )


def accredited_scope(session: Session, lab_id: int) -> tuple[DomainCmc, ...]:
    """The lab's accredited CMC rows as the domain reads them (lims.domain.capability)."""
    rows = session.scalars(select(CmcEntry).where(CmcEntry.lab_id == lab_id, CmcEntry.accredited.is_(True)))
    return tuple(
        DomainCmc(
            r.quantity,
            r.unit,
            float(r.range_min),
            float(r.range_max),
            fixed=None if r.fixed_uncertainty is None else float(r.fixed_uncertainty),
            a=float(r.a),
            b=float(r.b),
            procedure_code=r.procedure_code,
        )
        for r in rows
    )


def known_quantities(session: Session) -> list[tuple[str, str]]:
    """(quantity, unit) pairs the active procedures measure, as the measurement service looks them up."""
    pairs: set[tuple[str, str]] = set()
    for definition in session.scalars(select(Procedure.definition).where(Procedure.is_active.is_(True))):
        quantity, unit = definition.get("quantity"), definition.get("unit")
        if isinstance(quantity, str) and isinstance(unit, str):
            pairs.add((quantity, unit))
    return sorted(pairs)


def get_cmc(session: Session, cmc_id: int, lab_id: int) -> CmcEntry:
    row = session.get(CmcEntry, cmc_id)
    if row is None or row.lab_id != lab_id:
        raise NotFound()
    return row


def _checked(data: CmcInput) -> CmcInput:
    quantity, unit = _nfc(data.quantity), _nfc(data.unit)
    if not quantity or not unit:
        raise CmcError(N_("The quantity and the unit are required."))
    if data.range_max < data.range_min:
        raise CmcError(N_("The lower limit of the range must not exceed the upper limit."))
    if data.fixed_uncertainty is None and data.a == 0 and data.b == 0:
        raise CmcError(N_("Give either a fixed CMC or a and b of U = a + b·|x|."))
    if data.fixed_uncertainty is not None and (data.a != 0 or data.b != 0):
        raise CmcError(N_("Give either a fixed CMC or a and b of U = a + b·|x|, not both."))
    if not _nfc(data.procedure_code):
        raise CmcError(N_("Name the procedure this capability belongs to."))
    try:
        DomainCmc(
            quantity,
            unit,
            float(data.range_min),
            float(data.range_max),
            fixed=None if data.fixed_uncertainty is None else float(data.fixed_uncertainty),
            a=float(data.a),
            b=float(data.b),
        )
    except CapabilityError as exc:
        raise CmcError(N_("This CMC row is not valid: %(reason)s"), reason=str(exc)) from exc
    return CmcInput(
        data.lab_id,
        quantity,
        unit,
        data.range_min,
        data.range_max,
        data.fixed_uncertainty,
        data.a,
        data.b,
        _nfc(data.procedure_code) or None,
        data.accredited,
    )


def procedure_standards(
    session: Session, procedure_code: str, *, on: date | None = None
) -> list[tuple[str, tuple[CalibrationPoint, ...]]]:
    """(asset number, points of the current certificate) of every standard the procedure's jobs relied on.

    These are the row's "own standards": the CMC of a procedure cannot be smaller than what they realise.
    ``on`` limits the certificates to those calibrated on or before that day (default: the latest).
    """
    standard_ids = set(
        session.scalars(
            select(JobStandard.standard_id)
            .join(Job, Job.id == JobStandard.job_id)
            .join(Procedure, Procedure.id == Job.procedure_id)
            .where(Procedure.code == procedure_code)
        )
    )
    found: list[tuple[str, tuple[CalibrationPoint, ...]]] = []
    for standard in session.scalars(
        select(MeasurementStandard)
        .where(MeasurementStandard.id.in_(standard_ids))
        .order_by(MeasurementStandard.asset_number)
    ):
        query = select(StandardCalibration).where(StandardCalibration.standard_id == standard.id)
        if on is not None:
            query = query.where(StandardCalibration.calibrated_on <= on)
        latest = session.scalar(
            query.order_by(StandardCalibration.calibrated_on.desc(), StandardCalibration.id.desc()).limit(1)
        )
        if latest is not None and latest.points:
            found.append((standard.asset_number, tuple(stored_point(p) for p in latest.points)))
    return found


def unrealisable(session: Session, row: CmcInput | CmcEntry) -> list[UnrealisableCmc]:
    """Where the row claims less than its procedure's standards realise (empty: nothing to refuse)."""
    if not row.procedure_code:
        return []
    entry = DomainCmc(
        _nfc(row.quantity),
        _nfc(row.unit),
        float(row.range_min),
        float(row.range_max),
        fixed=None if row.fixed_uncertainty is None else float(row.fixed_uncertainty),
        a=float(row.a),
        b=float(row.b),
    )
    return unrealisable_points(entry, procedure_standards(session, row.procedure_code))


def save_cmc(session: Session, data: CmcInput, cmc_id: int | None = None) -> CmcEntry:
    """Add a row (``cmc_id`` None) or correct one; the audit trail keeps the previous values.

    Refused: a row without a procedure; a row in a unit the procedure does not measure in; a row smaller than
    the uncertainty its procedure's standards can realise (issue 16 item 6, :func:`unrealisable`).
    """
    checked = _checked(data)
    assert checked.procedure_code is not None
    definition = session.scalar(
        select(Procedure.definition)
        .where(Procedure.code == checked.procedure_code)
        .order_by(Procedure.id.desc())
        .limit(1)
    )
    if definition is not None:
        unit = definition.get("unit") if isinstance(definition, dict) else None
        if isinstance(unit, str) and not comparable(unit, checked.unit):
            raise CmcError(
                N_("Procedure %(code)s measures in %(unit)s; this row is in %(row_unit)s."),
                code=checked.procedure_code,
                unit=unit,
                row_unit=checked.unit,
            )
    problems = unrealisable(session, checked)
    if problems:
        worst = problems[0]
        raise CmcError(
            N_(
                "The CMC at %(value)s %(unit)s (%(cmc)s %(unit)s) is smaller than the uncertainty of standard "
                "%(standard)s there (%(standard_u)s %(unit)s): no result can be better than its standard."
            ),
            value=f"{worst.value:g}",
            unit=worst.unit,
            cmc=f"{worst.cmc:.3g}",
            standard=worst.standard,
            standard_u=f"{worst.standard_uncertainty:.3g}",
        )
    row = CmcEntry(lab_id=checked.lab_id) if cmc_id is None else get_cmc(session, cmc_id, checked.lab_id)
    row.quantity, row.unit = checked.quantity, checked.unit
    row.range_min, row.range_max = checked.range_min, checked.range_max
    row.fixed_uncertainty, row.a, row.b = checked.fixed_uncertainty, checked.a, checked.b
    row.procedure_code, row.accredited = checked.procedure_code, checked.accredited
    if cmc_id is None:
        session.add(row)
    session.flush()
    return row


def uncertainty_at(row: CmcEntry, value: Decimal) -> Decimal:
    """The CMC at ``value`` (for showing the range ends on the scope page)."""
    if row.fixed_uncertainty is not None:
        return row.fixed_uncertainty
    return row.a + row.b * abs(value)

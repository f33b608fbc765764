"""Filling a standard's calibration from the supplier's Digital Calibration Certificate (PTB DCC 3.1.2).

The document is validated against the schema first; what it says is turned into the values of the
calibration form, which the technician confirms before anything is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from certificates.dcc_read import ImportedCalibration, read_dcc
from certificates.errors import CertificateError
from certificates.formatting import dsi_symbol
from lims.domain.test_points import frequency_label
from lims.domain.traceability import IssuerKind
from lims.errors import N_, LimsError
from lims.services.common.budget import Deadline

MAX_DCC_BYTES = 5 * 1024 * 1024


class DccImportError(LimsError, ValueError):
    template = N_("The file is not a valid Digital Calibration Certificate: %(problem)s")


@dataclass(frozen=True, slots=True)
class CalibrationDraft:
    """The calibration form's values read from a DCC, for the technician to confirm."""

    calibrated_on: date
    certificate_number: str
    issuer_kind: IssuerKind
    issuer_name: str
    accreditation_number: str | None
    points_text: str
    item_name: str


def _points(imported: ImportedCalibration, deadline: Deadline) -> str:
    lines = []
    for series in imported.series:
        unit = dsi_symbol(series.reference_unit or series.measured_unit or "")
        for point in series.points:
            deadline.check()
            value = point.reference_value if point.reference_value is not None else point.measured_value
            if value is None or point.expanded_uncertainty is None or not unit:
                continue
            k = point.coverage_factor if point.coverage_factor is not None else 2
            line = f"{value} {unit} {point.expanded_uncertainty} {k}"
            if point.frequency_hz:  # an AC point at its frequency (parse_points: "@ 1 kHz"); 0 Hz is DC
                line += f" @ {frequency_label(point.frequency_hz)}"  # the form reads what it writes
            lines.append(line)
    return "\n".join(lines)


def draft_from_dcc(data: bytes) -> CalibrationDraft:
    """The calibration form's values, or :class:`DccImportError`; reading stops with
    :class:`~lims.services.common.budget.BudgetExceeded` after
    :data:`~lims.services.common.budget.IMPORT_BUDGET_S` seconds (nothing is saved by this step in any case)."""
    deadline = Deadline()
    if not data:
        raise DccImportError(problem=N_("the file is empty"))
    if len(data) > MAX_DCC_BYTES:
        raise DccImportError(
            N_("The file is larger than %(limit)s MB."), limit=MAX_DCC_BYTES // (1024 * 1024)
        )
    try:
        imported = read_dcc(data, checkpoint=deadline.check)
    except CertificateError as exc:
        raise DccImportError(problem=str(exc)) from exc
    points = _points(imported, deadline)
    if not points:
        raise DccImportError(problem=N_("it holds no calibration point with a value, unit and uncertainty"))
    kind = IssuerKind.ACCREDITED_LAB if imported.issuer_code else IssuerKind.NATIONAL_METROLOGY_INSTITUTE
    return CalibrationDraft(
        calibrated_on=imported.end_performance_date,
        certificate_number=imported.certificate_number,
        issuer_kind=kind,
        issuer_name=imported.issuer,
        accreditation_number=imported.issuer_code,
        points_text=points,
        item_name=imported.item_name,
    )

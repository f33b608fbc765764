"""The standards the bench offers per role, and the refusal of any other (lims.domain.standard_choice)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, object_session

from lims.domain import standard_choice as sc
from lims.domain.unit_conversion import convert_value
from lims.errors import LimsError
from lims.models import Job, MeasurementStandard, Quantity, StandardCalibration, StandardStatus
from lims.services.jobs.errors import JobError, no_procedure
from lims.services.jobs.points import test_points
from lims.services.jobs.procedures import domain_procedure

# "Due" means due soon: still within its calibration, so still usable (lims.domain.traceability).
USABLE_STATUSES = frozenset({StandardStatus.IN_SERVICE, StandardStatus.DUE})


class StandardUnsuitable(JobError):
    """The standard may not serve in that role; the message says why (a domain message id and parameters).
    ``lacking`` names the characteristics it lacks, so the page can name them in the user's language."""

    def __init__(self, template: str, /, lacking: tuple[str, ...] = (), **params: object) -> None:
        super().__init__(template, **params)
        self.lacking = lacking


def _candidates(session: Session, quantity: Quantity) -> list[tuple[MeasurementStandard, sc.Candidate]]:
    calibrated = exists(
        select(StandardCalibration.id).where(StandardCalibration.standard_id == MeasurementStandard.id)
    )
    rows = session.execute(
        select(MeasurementStandard, calibrated.label("calibrated"))
        .where(MeasurementStandard.quantity == quantity, MeasurementStandard.status != StandardStatus.RETIRED)
        .order_by(MeasurementStandard.asset_number)
    ).all()
    return [(std, candidate(std, calibrated=bool(has))) for std, has in rows]


def _calibrated_ranges(std: MeasurementStandard) -> tuple[tuple[str, float, float], ...]:
    """Per unit, the lowest and highest point of the standard's latest certificate (a multifunction
    calibrator recorded in V is certified in A and Ω too)."""
    session = object_session(std)
    if session is None:
        return ()
    cal = session.scalar(
        select(StandardCalibration)
        .where(StandardCalibration.standard_id == std.id)
        .order_by(StandardCalibration.calibrated_on.desc())
        .limit(1)
    )
    ranges: dict[str, list[float]] = {}
    for point in (cal.points if cal is not None else []) or []:
        ranges.setdefault(str(point["unit"]), []).append(float(point["value"]))
    return tuple((unit, min(values), max(values)) for unit, values in ranges.items())


def candidate(std: MeasurementStandard, *, calibrated: bool) -> sc.Candidate:
    return sc.Candidate(
        std.asset_number,
        std.quantity.value,
        std.unit,
        std.status in USABLE_STATUSES,
        std.due_on,
        None if std.range_min is None else float(std.range_min),
        None if std.range_max is None else float(std.range_max),
        frozenset((std.characteristics or {}).keys()),
        calibrated,
        _calibrated_ranges(std) if calibrated else (),
    )


def _points(job: Job) -> tuple[float, ...]:
    try:
        return test_points(job)
    except LimsError:
        return ()  # no points yet (range missing…): the range test waits for them, the others still apply


def choices(session: Session, job: Job, *, on: date) -> dict[str, list[MeasurementStandard]]:
    """Per role of the job's procedure, the standards that may serve in it on ``on``, by asset number."""
    if job.procedure is None:
        raise no_procedure(job)
    proc = domain_procedure(job.procedure)
    needs = sc.role_needs(proc.budget)
    points = _points(job)
    candidates = _candidates(session, job.procedure.quantity)
    return {
        role: [
            std
            for std, cand in candidates
            if sc.why_not(
                cand,
                needs[role],
                quantity=job.procedure.quantity.value,
                on=on,
                points=points,
                unit=proc.unit,
                convert=convert_value,
            )
            is None
        ]
        for role in proc.standards
    }


def require_suitable(session: Session, job: Job, std: MeasurementStandard, role: str, *, on: date) -> None:
    """Refuse, with the reason, a standard the bench would not have offered for ``role``."""
    if job.procedure is None:
        raise no_procedure(job)
    proc = domain_procedure(job.procedure)
    calibrated = session.scalar(select(exists().where(StandardCalibration.standard_id == std.id)))
    reason = sc.why_not(
        candidate(std, calibrated=bool(calibrated)),
        sc.role_needs(proc.budget)[role],
        quantity=job.procedure.quantity.value,
        on=on,
        points=_points(job),
        unit=proc.unit,
        convert=convert_value,
    )
    if reason is not None:
        raise StandardUnsuitable(reason.msgid, lacking=reason.missing, **reason.params)

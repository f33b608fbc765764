"""A job's test points and the measurements recorded at them.

The points are the customer's, agreed at the review of the request (ISO/IEC 17025:2017 7.1.1), else those
the procedure's rule generates over the instrument's range (7.2.1.1); a job moves to *measured* only when
every point has a result (7.5.1, complete technical records). Jobs own this because the state machine
checks it; the bench (:mod:`lims.services.bench.measurements`) computes the results.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.domain import procedures as dp
from lims.domain.errors import DomainError
from lims.domain.test_points import ExplicitPoints, frequency_label, generate_points
from lims.domain.unit_conversion import convert_difference, convert_value
from lims.errors import N_
from lims.models import Job, Measurement, WeighingTest
from lims.services.jobs.errors import ReadingError, no_procedure
from lims.services.jobs.procedures import domain_procedure

#: The message for a weighing test not yet recorded, by kind (lims.domain.weighing.method.WeighingTestKind).
MISSING_WEIGHING_TEST = {
    "repeatability": N_("Record the repeatability test of this weighing job first."),
    "eccentricity": N_("Record the eccentricity test of this weighing job first."),
    "zero": N_("Record the zero-setting test of this weighing job first."),
    "discrimination": N_("Record the discrimination test of this weighing job first."),
}


def instrument_under_test(job: Job) -> dp.InstrumentUnderTest:
    """The item's data in the procedure's unit: a balance registered in grams is measured by a procedure
    in kilograms (and back) with its range, resolution and verification interval converted (pint).

    The verification scale interval e of OIML R 76 is the instrument's own when its record holds one, else
    the one agreed at contract review (``requirements["verification_interval"]``, instrument unit), else d.
    """
    inst = job.instrument
    if inst.range_min is None or inst.range_max is None or inst.resolution is None:
        raise ReadingError(
            N_("Instrument %(serial)s needs its range and resolution before it can be measured."),
            serial=inst.serial_number,
        )
    # An instrument reading in another unit of the same quantity (a balance in g, a procedure in kg) is
    # measured in the procedure's unit: its range and resolution are converted (pint), never refused.
    unit = domain_procedure(job.procedure).unit if job.procedure is not None else inst.unit
    raw_e = getattr(inst, "verification_interval", None) or (job.requirements or {}).get(
        "verification_interval"
    )
    try:
        e_value = None if raw_e is None else float(raw_e)
    except (ValueError, TypeError):
        e_value = float("nan")  # an agreed e that is not a number: refused below
    low, high = (convert_value(float(v), inst.unit, unit) for v in (inst.range_min, inst.range_max))
    # the resolution and e are differences: converted as such (0.1 K is 0.1 °C, not -273.05 °C)
    resolution = convert_difference(float(inst.resolution), inst.unit, unit)
    e = None if e_value is None else convert_difference(e_value, inst.unit, unit)
    if low is None or high is None or resolution is None or (e_value is not None and not (e and e > 0)):
        raise ReadingError(
            N_(
                "Instrument %(serial)s reads in %(unit)s, which the procedure's %(proc_unit)s cannot express."
            ),
            serial=inst.serial_number,
            unit=inst.unit,
            proc_unit=unit,
        )
    return dp.InstrumentUnderTest(
        unit, low, high, resolution, accuracy_class=inst.accuracy_class, verification_interval=e
    )


def test_points(job: Job) -> tuple[float, ...]:
    """The job's nominal points: the customer's points agreed at intake, else the procedure's rule."""
    if job.procedure is None:
        raise no_procedure(job)
    proc = domain_procedure(job.procedure)
    instrument = instrument_under_test(job)
    wanted = job.requirements.get("points") if job.requirements else None
    try:
        if wanted:
            return generate_points(
                ExplicitPoints(tuple(float(p) for p in wanted)),
                range_min=instrument.range_min,
                range_max=instrument.range_max,
                resolution=instrument.resolution,
                unit=proc.unit,
            )
        return proc.points_for(instrument)
    except DomainError as exc:
        raise ReadingError(N_("Test points: %(reason)s"), reason=str(exc)) from exc


def point_frequencies(job: Job) -> tuple[float | None, ...]:
    """The frequency of each of the job's points (an AC procedure's, in Hz; ``None`` for DC): the
    procedure's own frequencies, or its reference frequency (1 kHz) for points the customer agreed by value."""
    if job.procedure is None:
        raise no_procedure(job)
    proc = domain_procedure(job.procedure)
    points = test_points(job)
    agreed = bool(job.requirements.get("points")) if job.requirements else False
    try:
        return proc.frequencies_for(points, agreed=agreed)
    except DomainError as exc:
        raise ReadingError(N_("Test points: %(reason)s"), reason=str(exc)) from exc


def frequency_labels(job: Job, language: str) -> list[str]:
    """Each point's frequency as the bench shows it in ``language`` (``12,5 kHz``; empty for a DC point)."""
    return [frequency_label(f, language) for f in point_frequencies(job)]


def measurements(session: Session, job_id: int) -> dict[int, Measurement]:
    """The job's recorded points by their 0-based index."""
    rows = session.scalars(
        select(Measurement).where(Measurement.job_id == job_id).order_by(Measurement.point_index)
    )
    return {m.point_index: m for m in rows}


def require_complete(session: Session, job: Job) -> None:
    """A job is measured only when every test point has a result."""
    done = measurements(session, job.id)
    missing = [f"{p:g}" for i, p in enumerate(test_points(job)) if i not in done or not done[i].result]
    if missing:
        raise ReadingError(N_("Points without results: %(points)s."), points=", ".join(missing))
    method = domain_procedure(job.procedure).weighing if job.procedure is not None else None
    if method is not None:
        recorded = set(session.scalars(select(WeighingTest.kind).where(WeighingTest.job_id == job.id)).all())
        absent = [k.value for k in method.required_tests if k.value not in recorded]
        if absent:
            raise ReadingError(MISSING_WEIGHING_TEST[absent[0]])


def reading_labels(job: Job) -> tuple[tuple[str, ...], str | None]:
    """What each reading of a point is (``M1 ↑``, ``M2 ↓`` … for a DKD-R 6-1 sequence, else ``1``, ``2`` …)
    and the sequence's name, for the bench page; the procedure's repetitions when the class is missing."""
    if job.procedure is None:
        raise no_procedure(job)
    proc = domain_procedure(job.procedure)
    try:
        instrument = instrument_under_test(job)
        sequence = proc.sequence_for(instrument)
        labels = proc.reading_labels(instrument)
    except (DomainError, ReadingError):
        return tuple(str(i + 1) for i in range(proc.repetitions)), None
    if sequence is None:
        return labels, None
    return labels, sequence.value

"""Recording a weighing job's tests that are not test loads (repeatability, eccentricity, zero, discrimination).

Each test is stored with its readings as typed and its computed outcome (:class:`lims.models.WeighingTest`);
the test loads already measured are then recomputed, since their budgets use the repeatability and the
eccentricity (EURAMET cg-18 7.1.1.3-7.1.1.4) or the zero error (OIML R 76-1 A.4.2.3.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from certificates.metrology import decimal_of
from lims.domain import procedures as dp
from lims.domain.authorisation import AuthorisedRole
from lims.domain.errors import DomainError
from lims.domain.weighing import cg18, r76
from lims.domain.weighing.method import WeighingMethodKind, WeighingTestKind
from lims.errors import N_
from lims.models import JobState, User, WeighingTest
from lims.services.access import authorisations
from lims.services.bench import measurements
from lims.services.bench.weighing import recorded_tests
from lims.services.jobs.errors import JobLocked, ReadingError, no_procedure
from lims.services.jobs.jobs import check_version, get_job
from lims.services.jobs.points import MISSING_WEIGHING_TEST, instrument_under_test
from lims.services.jobs.procedures import domain_procedure


@dataclass(frozen=True, slots=True)
class WeighingTestInput:
    """A test as the technician typed it (procedure unit): the load, the indications and, for OIML R 76,
    the change-point weights added to each indication (empty for the discrimination test, whose two readings
    are the indication before and after adding 1.4 d)."""

    kind: str
    load: str
    readings: Sequence[str]
    added: Sequence[str] = ()


def _decimals(texts: Sequence[str]) -> list[Decimal]:
    out = []
    for raw in texts:
        value = measurements._number(raw)
        if value is None:
            continue
        if value.is_nan():
            raise ReadingError(N_("Weighing test: %(value)s is not a number."), value=raw.strip())
        out.append(value)
    return out


def _text(x: float) -> str:
    return f"{x:.12g}"


def _exact(x: Decimal) -> str:
    """An exact decimal as stored and shown: plain notation, no trailing zeros (0.0010 → "0.001")."""
    return "0" if x == 0 else format(x.normalize(), "f")


def evaluate(
    proc: dp.Procedure,
    instrument: dp.InstrumentUnderTest,
    kind: WeighingTestKind,
    load: Decimal,
    readings: list[Decimal],
    added: list[Decimal],
    recorded: dict[str, WeighingTest],
) -> dict[str, Any]:
    """The outcome of one test (figures as decimal texts; ``passed`` for R 76 tests, ``None`` for cg-18).

    Eccentricity, the zero error, the repeatability spread and the discrimination change are computed in
    decimal from the figures as entered (readings, change-point weights, load, e), so they are stored and
    shown exactly; only a standard deviation, an input of the uncertainty budget, is a float.
    """
    method = proc.weighing
    assert method is not None
    if method.kind is WeighingMethodKind.CG18:
        if kind is WeighingTestKind.REPEATABILITY:
            rep = cg18.repeatability(
                float(load), [float(r) for r in readings], minimum=method.repeatability_readings
            )
            return {
                "load": _exact(load),
                "readings": rep.readings,
                "standard_deviation": _text(rep.standard_deviation),
                "passed": None,
            }
        if kind is WeighingTestKind.ECCENTRICITY:
            ecc = cg18.eccentricity(load, readings, positions=method.eccentricity_positions)
            return {
                "load": _exact(load),
                "deviations": [_exact(d) for d in ecc.deviations],
                "max_deviation": _exact(ecc.max_deviation),
                "passed": None,
            }
        raise ReadingError(N_("Procedure %(code)s has no such weighing test."), code=proc.code)
    klass = instrument.accuracy_class
    if klass is None:
        raise ReadingError(N_("The instrument's accuracy class is needed for OIML R 76."))
    # e and d are the instrument's figures in the procedure's unit (pint, cleaned to 12 digits): their
    # shortest text is the decimal as entered
    e = decimal_of(instrument.verification_interval or instrument.resolution)
    if kind is WeighingTestKind.DISCRIMINATION:
        if len(readings) != 2:
            raise ReadingError(N_("Discrimination: give the indication before and after adding 1.4 d."))
        check = r76.discrimination_check(readings[0], readings[1], decimal_of(instrument.resolution))
        return {
            "load": _exact(load),
            "change": _exact(check.value),
            "limit": _exact(check.limit),
            "passed": check.passed,
        }
    if len(added) != len(readings) or not readings:
        raise ReadingError(
            N_("Each indication needs the change-point weights added to it (%(n)s given for %(m)s)."),
            n=len(added),
            m=len(readings),
        )
    free = [r76.change_point_error(i, a, load, e) + load for i, a in zip(readings, added, strict=True)]
    if kind is WeighingTestKind.ZERO:
        zero_error = free[0] - load
        check = r76.zero_setting(zero_error, e)
        return {
            "load": _exact(load),
            "zero_error": _exact(zero_error),
            "limit": _exact(check.limit),
            "passed": check.passed,
        }
    mpe = r76.mpe_at_load(load, klass, e)
    if kind is WeighingTestKind.REPEATABILITY:
        if len(readings) < method.repeatability_readings:
            raise ReadingError(
                N_("Repeatability: %(n)s weighings are needed."), n=method.repeatability_readings
            )
        check = r76.repeatability_check(free, mpe)
        return {
            "load": _exact(load),
            "readings": len(free),
            "spread": _exact(check.value),
            "standard_deviation": _text(r76.spread_sd(free)),
            "limit": _exact(check.limit),
            "passed": check.passed,
        }
    zero = recorded.get(WeighingTestKind.ZERO.value)
    if zero is None:
        raise ReadingError(MISSING_WEIGHING_TEST[WeighingTestKind.ZERO.value])
    if len(readings) < method.eccentricity_positions:
        raise ReadingError(N_("Eccentricity: %(n)s positions are needed."), n=method.eccentricity_positions)
    # E_c = I + ½e − ΔL − L − E_0 at each position (R 76-1 A.4.7, A.4.2.3.2), exact
    zero_error = decimal_of(zero.result["zero_error"])
    errors = [p - load - zero_error for p in free]
    check = r76.eccentricity_check(errors, mpe)
    return {
        "load": _exact(load),
        "errors": [_exact(x) for x in errors],
        "worst": _exact(check.value),
        "limit": _exact(check.limit),
        "passed": check.passed,
    }


def save_weighing_test(
    session: Session,
    job_id: int,
    data: WeighingTestInput,
    *,
    user: User,
    expected_version: int | None,
    on: date | None = None,
    now: datetime | None = None,
) -> WeighingTest:
    """Validate, evaluate and store one test, then recompute the job's measured test loads.

    Refused like a point (:func:`measurements.save_point`): a stale version, a job not in progress, a
    technician not authorised, a reading that is not a number, a test the procedure does not have.
    """
    now = now or datetime.now(UTC)
    job = get_job(session, job_id)
    check_version(job, expected_version)
    if job.state != JobState.IN_PROGRESS:
        raise JobLocked(number=job.number, state=job.state.value)
    if job.procedure is None:
        raise no_procedure(job)
    proc = domain_procedure(job.procedure)
    if proc.weighing is None:
        raise ReadingError(N_("Procedure %(code)s has no weighing tests."), code=proc.code)
    try:
        kind = WeighingTestKind(data.kind)
    except ValueError:
        raise ReadingError(N_("Procedure %(code)s has no such weighing test."), code=proc.code) from None
    if kind not in proc.weighing.required_tests:
        raise ReadingError(N_("Procedure %(code)s has no such weighing test."), code=proc.code)
    on = on or job.measured_on or now.date()
    authorisations.require(session, user, job.procedure.code, AuthorisedRole.PERFORM, on)
    loads = _decimals([data.load])
    if len(loads) != 1:
        raise ReadingError(N_("Weighing test: %(value)s is not a number."), value=data.load or "—")
    readings = _decimals(data.readings)
    added = _decimals(data.added)
    instrument = instrument_under_test(job)
    recorded = recorded_tests(session, job.id)
    try:
        result = evaluate(proc, instrument, kind, loads[0], readings, added, recorded)
    except DomainError as exc:
        raise ReadingError(N_("Weighing: %(reason)s"), reason=str(exc)) from exc
    row = recorded.get(kind.value) or session.scalar(
        select(WeighingTest).where(
            WeighingTest.job_id == job.id, WeighingTest.kind == kind.value, WeighingTest.point_index == -1
        )
    )
    if row is None:
        row = WeighingTest(job_id=job.id, kind=kind.value, point_index=-1, load=loads[0], unit=proc.unit)
        session.add(row)
    row.load, row.unit = loads[0], proc.unit
    row.readings = [str(r) for r in readings]
    row.added = [str(a) for a in added]
    row.result = result
    row.saved_by_id, row.updated_at = user.id, now
    job.measured_on = on
    job.updated_at = now
    session.flush()
    measurements.recompute_points(session, job, on)
    return row


def summary(session: Session, job_id: int) -> list[dict[str, Any]]:
    """The job's weighing tests as ``lims jobs show`` and the certificate data print them."""
    return [
        {"kind": row.kind, "load": str(row.load.normalize()), "unit": row.unit, **row.result}
        for row in sorted(recorded_tests(session, job_id).values(), key=lambda r: r.id)
    ]

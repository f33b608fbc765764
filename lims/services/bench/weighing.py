"""The inputs a weighing method supplies to each test load's budget, from the job's weighing tests.

A balance calibration (EURAMET cg-18) takes the repeatability s and the eccentricity of the job's own tests
and the air-buoyancy bound of the weights; a scale verification (OIML R 76-1 annex A) takes the zero error
E_0 and the repeatability of its change-point readings. See :mod:`lims.domain.weighing`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from certificates.metrology import decimal_of
from lims.domain import procedures as dp
from lims.domain.errors import DomainError
from lims.domain.weighing import cg18, r76, weights
from lims.domain.weighing.method import WeighingMethodKind, WeighingTestKind
from lims.errors import N_
from lims.models import Job, WeighingTest
from lims.services.jobs.errors import ReadingError
from lims.services.jobs.jobs import job_standards
from lims.services.jobs.points import MISSING_WEIGHING_TEST

#: What a point of each method records besides its indications (one value per indication).
POINT_ENTRIES = {WeighingMethodKind.CG18: "zero", WeighingMethodKind.R76: "added"}


def recorded_tests(session: Session, job_id: int) -> dict[str, WeighingTest]:
    """The job's recorded weighing tests (not the loads' entries) by kind."""
    rows = session.scalars(
        select(WeighingTest).where(WeighingTest.job_id == job_id, WeighingTest.point_index == -1)
    )
    return {row.kind: row for row in rows}


def _load_kind(as_found: bool) -> str:
    return "as_found_load" if as_found else "load"


def entries_of(
    session: Session, job_id: int, point_index: int, *, as_found: bool = False
) -> dict[str, list[Decimal]]:
    """A test load's stored entries besides its indications (``{"zero": [...]}`` or ``{"added": [...]}``)."""
    row = session.scalar(
        select(WeighingTest).where(
            WeighingTest.job_id == job_id,
            WeighingTest.kind == _load_kind(as_found),
            WeighingTest.point_index == point_index,
        )
    )
    if row is None:
        return {}
    key = "added" if row.added else "zero"
    return {key: [Decimal(str(v)) for v in (row.added or row.readings)]}


def store_entries(
    session: Session,
    job: Job,
    proc: dp.Procedure,
    point_index: int,
    nominal: float,
    entries: Mapping[str, Sequence[Decimal]],
    *,
    as_found: bool,
    user_id: int,
) -> None:
    """Keep a test load's entries (decimal texts as typed) beside its measurement."""
    kind = _load_kind(as_found)
    row = session.scalar(
        select(WeighingTest).where(
            WeighingTest.job_id == job.id, WeighingTest.kind == kind, WeighingTest.point_index == point_index
        )
    )
    if row is None:
        row = WeighingTest(
            job_id=job.id, kind=kind, point_index=point_index, load=Decimal(repr(nominal)), unit=proc.unit
        )
        session.add(row)
    row.readings = [str(v) for v in entries.get("zero", ())]
    row.added = [str(v) for v in entries.get("added", ())]
    row.result = {}
    row.saved_by_id = user_id


def _result(tests: Mapping[str, WeighingTest], kind: WeighingTestKind) -> Mapping[str, Any]:
    row = tests.get(kind.value)
    if row is None or not row.result:
        raise ReadingError(MISSING_WEIGHING_TEST[kind.value])
    return row.result


def _weights_data(session: Session, job: Job) -> tuple[str | None, dict[str, float]]:
    for link, std in job_standards(session, job.id):
        if link.role == "weights":
            return weights.r111_class(std.accuracy), {
                k: float(v) for k, v in (std.characteristics or {}).items()
            }
    return None, {}


def point_inputs(
    session: Session,
    job: Job,
    proc: dp.Procedure,
    instrument: dp.InstrumentUnderTest,
    readings: Sequence[Decimal],
    reference: Decimal,
    entries: Mapping[str, Sequence[Decimal]],
) -> tuple[dict[str, Any], float]:
    """(the supplied budget inputs, the indication) of one test load of a weighing procedure.

    The readings, the reference and the entries are the decimals as entered; the R 76 indication free of
    rounding is computed from them exactly and becomes a float only for the budget.
    """
    method = proc.weighing
    assert method is not None
    key = POINT_ENTRIES[method.kind]
    given = list(entries.get(key, ()))
    if len(given) != len(readings):
        message = (
            N_("Each load indication needs the no-load indication read before it (%(n)s given for %(m)s).")
            if method.kind is WeighingMethodKind.CG18
            else N_("Each indication needs the change-point weights added to it (%(n)s given for %(m)s).")
        )
        raise ReadingError(message, n=len(given), m=len(readings))
    tests = recorded_tests(session, job.id)
    try:
        if method.kind is WeighingMethodKind.CG18:
            rep = _result(tests, WeighingTestKind.REPEATABILITY)
            ecc = _result(tests, WeighingTestKind.ECCENTRICITY)
            repeat = cg18.RepeatabilityResult(
                float(rep["load"]), int(rep["readings"]), float(rep["standard_deviation"])
            )
            eccentric = cg18.EccentricityResult(
                Decimal(str(ecc["load"])), tuple(Decimal(str(d)) for d in ecc["deviations"])
            )
            indication = cg18.indication_at_load([float(r) for r in readings], [float(z) for z in given])
            klass, characteristics = _weights_data(session, job)
            rho, tol = weights.density_half_width_kg_m3(klass, characteristics)
            half = weights.buoyancy_half_width(
                abs(float(reference)), density_kg_m3=rho, density_tolerance_kg_m3=tol
            )
            supplied = cg18.supplied_inputs(
                indication=indication,
                repeat=repeat,
                eccentric=eccentric,
                load=float(reference),
                buoyancy_half_width=half,
            )
            return dict(supplied), indication
        zero = _result(tests, WeighingTestKind.ZERO)
        rep = _result(tests, WeighingTestKind.REPEATABILITY)
        e = decimal_of(instrument.verification_interval or instrument.resolution)
        zero_error = decimal_of(zero["zero_error"])
        # P = I + ½e − ΔL − E_0 at each loading (R 76-1 A.4.4.3, A.4.2.3.2), exact
        corrected = [
            r76.change_point_error(i, added, reference, e) - zero_error + reference
            for i, added in zip(readings, given, strict=True)
        ]
        # Increasing and decreasing loads must both be within the MPE: the point states the worse one.
        worst = max(corrected, key=lambda p: abs(p - reference))
        indication = float(worst)
        supplied = r76.supplied_inputs(
            corrected_indication=indication,
            repeatability_sd=float(rep["standard_deviation"]),
            repeatability_dof=float(rep["readings"]) - 1,
            step=method.change_point_step_e * float(e),
        )
        return dict(supplied), indication
    except ReadingError:
        raise
    except DomainError as exc:
        raise ReadingError(N_("Weighing: %(reason)s"), reason=str(exc)) from exc

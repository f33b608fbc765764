"""The bench: readings per test point, validated, and the live result of each point.

A point's result is computed with the pure rules: the procedure's budget template is instantiated for the
point (:func:`lims.domain.procedures.instantiate_budget`), evaluated by the uncertainty engine with the law of
propagation (JCGM 100 5.1.2, 6.2; k from ν_eff, G.4), judged under the procedure's decision rule
(ILAC-G8:09/2019 4.2) and compared with the lab's CMC (ILAC-P14: a U below the CMC is refused; outside the
scope the result is flagged non-accredited). Environmental conditions outside the procedure's limits are
recorded and flagged (ISO/IEC 17025:2017 6.3.3), not refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from certificates.metrology import (
    DecisionRule,
    IntervalMethod,
    MetrologyError,
    NoAcceptanceInterval,
    NoStatementReason,
    PointResult,
    RuleKind,
    Specification,
    Verdict,
    decimal_of,
    distribution_for,
    statement,
)
from certificates.metrology import codec as point_codec
from lims.domain import procedures as dp
from lims.domain.authorisation import AuthorisedRole
from lims.domain.calibration_points import uncertainty_at
from lims.domain.capability import CmcEntry as DomainCmc
from lims.domain.capability import UncertaintyBelowCmc, check_against_cmc
from lims.domain.environment import EnvironmentDataError, check_environment
from lims.domain.errors import DomainError
from lims.domain.test_points import frequency_label, quantity_at_frequency
from lims.domain.uncertainty import parse_budget
from lims.domain.uncertainty.evaluation import point_interval
from lims.domain.unit_conversion import convert_difference, convert_value
from lims.errors import N_
from lims.models import Job, JobState, Measurement, StandardCalibration, User
from lims.services.access import authorisations, legal
from lims.services.bench import readings as bench_readings
from lims.services.bench import rooms
from lims.services.bench import weighing as bench_weighing
from lims.services.jobs.errors import JobConflict, JobLocked, no_procedure
from lims.services.jobs.errors import ReadingError as ReadingError  # callers catch measurements.ReadingError
from lims.services.jobs.jobs import check_version, get_job, guard_standards, job_standards
from lims.services.jobs.points import instrument_under_test, point_frequencies
from lims.services.jobs.points import measurements as measurements  # re-exported for the bench's callers
from lims.services.jobs.points import test_points as test_points  # re-exported for the bench's callers
from lims.services.jobs.procedures import domain_procedure
from lims.services.standards.traceability import lab_scope, stored_point


@dataclass(frozen=True, slots=True)
class PointInput:
    """What the bench form sends for one point: raw texts, parsed and checked here."""

    point_index: int
    readings: Sequence[str]
    reference_value: str
    environment: Mapping[str, str] = field(default_factory=dict)  # quantity -> "22.1" or "22.1; 22.4"
    as_found: bool = False
    bench_reading_ids: Sequence[int] = ()  # bench readings the page filled in (flagged used when they match)
    # A weighing method's entries, one per reading: {"zero": [...]} no-load indications before each load
    # (EURAMET cg-18) or {"added": [...]} change-point weights (OIML R 76-1 A.4.4.3), procedure unit.
    weighing: Mapping[str, Sequence[str]] = field(default_factory=dict)


def _number(text: str) -> Decimal | None:
    """The exact decimal a technician typed (comma or point); ``None`` when empty; NaN when not a number."""
    cleaned = text.strip().replace(" ", "").replace(",", ".")
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return Decimal("NaN")
    return value if value.is_finite() else Decimal("NaN")


def _convert(value: float, unit: str, to: str, *, difference: bool = False) -> float:
    """``value`` in ``to``: a quantity (a point), or with ``difference`` an uncertainty or drift
    (one converter for the whole system: :mod:`lims.domain.unit_conversion`)."""
    converted = (convert_difference if difference else convert_value)(value, unit, to)
    if converted is None:
        raise ReadingError(N_("Cannot convert %(unit)s to %(to)s."), unit=unit, to=to)
    return converted


def _numeric_characteristics(raw: Mapping[str, Any]) -> dict[str, float]:
    """The standard's numeric characteristics (a bath's stability, a calibrator's drift specification), as the
    budget reads them; flags such as ``requires_readout`` and texts that are not numbers are left out."""
    out: dict[str, float] = {}
    for key, value in raw.items():
        if isinstance(value, bool):
            continue
        try:
            number = float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
        except (TypeError, ValueError):
            continue
        out[key] = number
    return out


def _standards_used(
    session: Session,
    job: Job,
    proc: dp.Procedure,
    nominal: float,
    reference_value: float,
    on: date,
    frequency_hz: float | None = None,
) -> dict[str, dp.StandardUsed]:
    links = {link.role: std for link, std in job_standards(session, job.id) if link.role}
    reference_role = proc.budget.input_with_role("reference").standard
    certified_roles = {i.standard for i in proc.budget.inputs if i.source.value == "standard"}
    used: dict[str, dp.StandardUsed] = {}
    for role in proc.standards:
        std = links.get(role)
        if std is None:
            raise ReadingError(N_("Select the %(role)s standard before saving readings."), role=role)
        value = reference_value if role == reference_role else nominal
        expanded, k = 0.0, 2.0
        cal = session.scalar(
            select(StandardCalibration)
            .where(StandardCalibration.standard_id == std.id, StandardCalibration.calibrated_on <= on)
            .order_by(StandardCalibration.calibrated_on.desc())
            .limit(1)
        )
        if role in certified_roles:
            points = [stored_point(p) for p in (cal.points if cal else [])]
            found = None
            for unit in sorted({p.unit for p in points}):
                at = convert_value(value, proc.unit, unit)
                if at is None:
                    continue  # another function of a multifunction standard (its A points for a V job)
                # an AC point only from the certificate's points at its frequency (none: DC points only)
                u_cert = uncertainty_at(points, at, unit, frequency_hz=frequency_hz)
                if u_cert is not None:
                    found = _convert(u_cert, unit, proc.unit, difference=True)
                    same = [p for p in points if p.unit == unit and p.frequency_hz == frequency_hz]
                    k = min(same, key=lambda p: abs(p.value - at)).coverage_factor
                    break
            if found is None and frequency_hz is not None:
                raise ReadingError(
                    N_(
                        "The certificate of standard %(asset)s does not cover %(value)s %(unit)s at %(frequency)s."
                    ),
                    asset=std.asset_number,
                    value=f"{value:g}",
                    unit=proc.unit,
                    frequency=frequency_label(frequency_hz),
                )
            if found is None:
                raise ReadingError(
                    N_("The certificate of standard %(asset)s does not cover %(value)s %(unit)s."),
                    asset=std.asset_number,
                    value=f"{value:g}",
                    unit=proc.unit,
                )
            expanded = found
        drift = (
            _convert(float(std.drift_limit), std.unit, proc.unit, difference=True)
            if std.drift_limit is not None
            else 0.0
        )
        characteristics = _numeric_characteristics(std.characteristics or {})
        low = high = None
        if role in proc.usable_range and std.range_min is not None and std.range_max is not None:
            low = _convert(float(std.range_min), std.unit, proc.unit)
            high = _convert(float(std.range_max), std.unit, proc.unit)
        used[role] = dp.StandardUsed(
            std.asset_number,
            value,
            proc.unit,
            expanded,
            k,
            drift_limit=drift,
            characteristics=characteristics,
            # drift per time since calibration (EURAMET cg-15: a calibrator's stability specification)
            years_since_calibration=None if cal is None else (on - cal.calibrated_on).days / 365.25,
            range_min=low,
            range_max=high,
        )
    return used


def cmc_scope(session: Session, lab_id: int, procedure_code: str | None = None) -> tuple[DomainCmc, ...]:
    """The accredited rows a result of ``procedure_code`` is judged against (each row belongs to a procedure)."""
    return lab_scope(session, lab_id, procedure_code=procedure_code)


def agreed_rule(job: Job, proc: dp.Procedure) -> DecisionRule:
    """The decision rule agreed at contract review (ISO/IEC 17025:2017 7.1.3), else the procedure's."""
    wanted = (job.requirements or {}).get("decision_rule")
    if wanted == RuleKind.SIMPLE.value:
        return DecisionRule(RuleKind.SIMPLE)
    if wanted == RuleKind.GUARDED.value:
        return DecisionRule(RuleKind.GUARDED, 1.0)
    return proc.decision_rule


#: Monte Carlo trials per point for the JCGM 101 clause 8 validation (≥ 10⁴/(1 − p) of 7.2.2 Note 2).
BENCH_TRIALS = 200_000
#: Above this k a point's note names the inputs with few degrees of freedom (done-when of issue 16: k ≤ 3).
SMALL_DOF_K = 2.5


def statement_wanted(job: Job) -> bool:
    """Whether the job states conformity: a verification always; a calibration only when the customer asked
    for a statement against a named specification (ISO/IEC 17025:2017 7.1.3, 7.8.6.1)."""
    req = job.requirements or {}
    if job.kind.value == "verification":
        return True
    return bool(req.get("conformity_statement")) and bool(str(req.get("specification") or "").strip())


def _zero_readings(
    session: Session, job: Job, nominal: float, readings: Sequence[float]
) -> list[float] | None:
    """The readings of the job's zero point (DKD-R 6-1 zero deviation f0), ``None`` without a zero point."""
    if nominal == 0:
        return list(readings)
    points = test_points(job)
    if 0.0 not in points:
        return None
    index = points.index(0.0)
    row = measurements(session, job.id).get(index)
    if row is None or not row.readings:
        raise ReadingError(
            N_(
                "Point %(point)s: measure the zero point first; its readings give the zero deviation f0 (DKD-R 6-1)."
            ),
            point=f"{nominal:g}",
        )
    return [float(r) for r in row.readings]


def _seed(job: Job, nominal: float) -> int:
    """A fixed seed per job and point, so that a point computed again gives the same Monte Carlo result."""
    return (job.id * 1_000_003 + round(abs(nominal) * 1e6)) % (2**31)


def _dof_note(lpu_contributions: Sequence[Any], effective_dof: float) -> str:
    few = [c for c in lpu_contributions if c.degrees_of_freedom != float("inf") and c.contribution > 0]
    names = ", ".join(f"{c.name} (ν = {c.degrees_of_freedom:g})" for c in few) or "—"
    return f"ν_eff = {effective_dof:.1f} is small: inputs with finite degrees of freedom {names}"


def compute_point(
    session: Session,
    job: Job,
    nominal: float,
    readings: Sequence[Decimal],
    reference_value: Decimal,
    environment: Mapping[str, list[Decimal]],
    on: date,
    *,
    as_found: bool = False,
    bench_reading_ids: Sequence[int] = (),
    weighing: Mapping[str, Sequence[Decimal]] | None = None,
    frequency_hz: float | None = None,
) -> tuple[PointResult, dict[str, Any]]:
    """The result of one point and the budget it was evaluated with.

    Readings arrive as exact decimals and become floats only inside the numerics. U is the engine's
    (JCGM 100 5.1.2, G.4), not pre-rounded: the decision (ILAC-G8:09/2019 4.2, JCGM 106 7.4) and the CMC check
    (ILAC-P14:09/2020 5.4: a U below the CMC is refused, so U is never raised to it and ``cmc_applied`` is
    false) use it as computed; every report rounds it once, with :meth:`PointResult.reported`.
    """
    if job.procedure is None:
        raise no_procedure(job)
    proc = domain_procedure(job.procedure)
    instrument = instrument_under_test(job)
    reference = float(reference_value)
    values = [float(r) for r in readings]
    standards = _standards_used(session, job, proc, nominal, reference, on, frequency_hz)
    env_floats = {q: [float(x) for x in v] for q, v in environment.items() if v}
    env = {q: v if len(v) > 1 else v[0] for q, v in env_floats.items()}
    zero = _zero_readings(session, job, nominal, values) if proc.sequence_settings is not None else None
    supplied, indication = None, None
    if proc.weighing is not None:
        # the weighing method's own tests supply the indication and some inputs (lims.domain.weighing)
        supplied, indication = bench_weighing.point_inputs(
            session, job, proc, instrument, readings, reference_value, weighing or {}
        )
    try:
        budget = dp.instantiate_budget(
            proc,
            nominal,
            values,
            standards,
            instrument,
            env,
            zero_readings=zero,
            supplied=supplied,
            frequency_hz=frequency_hz,
        )
        evaluated, interval = point_interval(
            parse_budget(budget), trials=BENCH_TRIALS, seed=_seed(job, nominal)
        )
        lpu = evaluated.propagation
        expanded = interval.expanded_uncertainty
        result = dp.point_result(
            proc, nominal, values, standards, instrument, indication=indication, frequency_hz=frequency_hz
        )
        # the reference pressure at the gauge's level: the standard's value plus ρ·g·Δh (EURAMET cg-17)
        head = sum(
            float(entry["value"])
            for entry, item in zip(budget["inputs"], proc.budget.inputs, strict=True)
            if item.source.value == "head_correction"
        )
        # the emergent-stem correction k·n·(t1 − t2) brings the indication to the thermometer's rated
        # immersion (ISO 386); it is zero for digital and totally immersed thermometers
        stem = sum(
            float(entry["value"])
            for entry, item in zip(budget["inputs"], proc.budget.inputs, strict=True)
            if item.source.value == "stem_correction"
        )
        error = float(f"{result.error - head + stem:.12g}")
        rule = agreed_rule(job, proc)
        reason: NoStatementReason | None = None
        said = None
        if not statement_wanted(job):
            reason = NoStatementReason.NOT_REQUESTED
        else:
            try:
                said = statement(
                    error,
                    expanded,
                    Specification.symmetric(result.mpe),
                    rule=rule,
                    standard_uncertainty=interval.standard_uncertainty,
                    minimum_tur=proc.minimum_tur,
                )
                reason = said.reason
            except NoAcceptanceInterval:
                reason = NoStatementReason.NO_ACCEPTANCE_INTERVAL
        deviations = check_environment(proc.environment, env)
    except (DomainError, EnvironmentDataError, MetrologyError) as exc:
        raise ReadingError(N_("Point %(point)s: %(reason)s"), point=f"{nominal:g}", reason=str(exc)) from exc
    try:
        cmc = check_against_cmc(
            cmc_scope(session, job.lab_id, job.procedure.code), proc.quantity, nominal, proc.unit, expanded
        )
    except UncertaintyBelowCmc as exc:
        raise ReadingError(N_("Point %(point)s: %(reason)s"), point=f"{nominal:g}", reason=str(exc)) from exc
    # k came from t(ν_eff) unless ν_eff is infinite, the budget fixed k, or the interval is Monte Carlo's (then
    # k = U/u is stated with the method; EA-4/02 M:2022 section 5, JCGM 101 clause 8)
    method = IntervalMethod(interval.method)
    infinite = (
        interval.effective_dof == float("inf") or lpu.coverage_factor_fixed or method is IntervalMethod.MCM
    )
    dof = None if infinite else decimal_of(round(interval.effective_dof, 1))
    notes = list(interval.notes)
    if stem:
        notes.append(f"emergent-stem correction {stem:+.4g} {proc.unit} applied to the indication (ISO 386)")
    if dof is not None and interval.coverage_factor > SMALL_DOF_K:
        notes.append(_dof_note(lpu.contributions, interval.effective_dof))
    decision = None if said is None else said.decision
    # a pressure gauge's result names its reference: gauge (to atmosphere) or absolute pressure (DKD-R 6-1)
    reference_kind = None if proc.sequence_settings is None else proc.sequence_settings.pressure_reference
    quantity = proc.quantity if reference_kind is None else f"{reference_kind} {proc.quantity}"
    # an AC point names its frequency: the certificate reports one series per frequency (EURAMET cg-15)
    quantity = quantity_at_frequency(quantity, frequency_hz)
    point = PointResult(
        quantity=quantity,
        unit=proc.unit,
        nominal=decimal_of(nominal),
        reference_value=reference_value + decimal_of(head) if head else reference_value,
        indication=decimal_of(result.mean_indication),
        error=decimal_of(error),
        standard_uncertainty=decimal_of(interval.standard_uncertainty),
        effective_dof=dof,
        coverage_factor=decimal_of(round(interval.coverage_factor, 2)),
        coverage_probability=decimal_of(proc.budget.coverage_probability),
        distribution=distribution_for(dof),
        expanded_uncertainty=decimal_of(expanded),
        mpe=decimal_of(result.mpe),
        decision_rule=rule,
        guard_band=None if decision is None else decimal_of(decision.guard_band),
        probability_of_conformance=None
        if decision is None
        else decimal_of(round(decision.probability_of_conformance, 6)),
        verdict=Verdict.NO_STATEMENT if said is None else said.verdict,
        cmc=None if cmc.cmc_uncertainty is None else decimal_of(cmc.cmc_uncertainty),
        cmc_applied=False,
        within_scope=cmc.within_scope,
        as_found=as_found,
        bench_reading_ids=tuple(bench_reading_ids),
        deviations=tuple(d.message for d in deviations),
        interval_method=method,
        hysteresis=None if result.hysteresis is None else decimal_of(result.hysteresis),
        no_statement_reason=reason,
        probability_of_false_acceptance=None
        if said is None or said.probability_of_false_acceptance is None
        else decimal_of(round(said.probability_of_false_acceptance, 6)),
        notes=tuple(notes),
    )
    return point, budget


def _parse_weighing(data: PointInput, nominal: float, unit: str) -> dict[str, list[Decimal]]:
    out: dict[str, list[Decimal]] = {}
    for key, raws in data.weighing.items():
        values = []
        for raw in raws:
            value = _number(raw)
            if value is None:
                continue
            if value.is_nan():
                raise ReadingError(
                    N_("Point %(point)s: %(value)s is not a number in %(unit)s."),
                    point=f"{nominal:g}",
                    value=raw.strip(),
                    unit=unit,
                )
            values.append(value)
        out[key] = values
    return out


def _parse(
    data: PointInput, unit: str, nominal: float
) -> tuple[list[Decimal], Decimal, dict[str, list[Decimal]]]:
    readings: list[Decimal] = []
    for n, raw in enumerate(data.readings, start=1):
        value = _number(raw)
        if value is None:
            continue
        if value.is_nan():
            raise ReadingError(
                N_("Point %(point)s, reading %(n)s: %(value)s is not a number in %(unit)s."),
                point=f"{nominal:g}",
                n=n,
                value=raw.strip(),
                unit=unit,
            )
        readings.append(value)
    reference = _number(data.reference_value)
    if reference is None or reference.is_nan():
        raise ReadingError(
            N_("Point %(point)s: the reference value %(value)s is not a number in %(unit)s."),
            point=f"{nominal:g}",
            value=data.reference_value.strip() or "—",
            unit=unit,
        )
    environment: dict[str, list[Decimal]] = {}
    for quantity, raw in data.environment.items():
        values = []
        for part in raw.replace(";", " ").split():
            value = _number(part)
            if value is None or value.is_nan():
                raise ReadingError(
                    N_("Point %(point)s: %(quantity)s %(value)s is not a number."),
                    point=f"{nominal:g}",
                    quantity=quantity,
                    value=part,
                )
            values.append(value)
        if values:
            environment[quantity] = values
    return readings, reference, environment


def save_point(
    session: Session,
    job_id: int,
    data: PointInput,
    *,
    user: User,
    expected_version: int | None,
    on: date | None = None,
    now: datetime | None = None,
) -> Measurement:
    """Validate, compute and store one point; nothing is stored when anything is refused.

    Refused: a stale ``expected_version`` (:class:`JobConflict`), a job not in progress (a signed job
    cannot be edited), a technician not authorised to perform the procedure, a standard the traceability
    guard refuses, a reading that is not a number, a point outside the instrument's range, a U below the CMC.
    """
    now = now or datetime.now(UTC)
    job = get_job(session, job_id)
    check_version(job, expected_version)
    if job.state != JobState.IN_PROGRESS:
        raise JobLocked(number=job.number, state=job.state.value)
    if job.procedure is None:
        raise no_procedure(job)
    on = on or job.measured_on or now.date()
    authorisations.require(session, user, job.procedure.code, AuthorisedRole.PERFORM, on)
    legal.check_transition(session, job, user, perform_or_sign=True, starting=False, on=on)
    points = test_points(job)
    if not 0 <= data.point_index < len(points):
        raise ReadingError(N_("The job has no test point number %(n)s."), n=data.point_index + 1)
    nominal = points[data.point_index]
    frequency = point_frequencies(job)[data.point_index]
    unit = domain_procedure(job.procedure).unit
    readings, reference, environment = _parse(data, unit, nominal)
    weighing = _parse_weighing(data, nominal, unit)
    guard_standards(session, [std.id for _link, std in job_standards(session, job.id)], on)
    used_ids = bench_readings.claim_used(session, job.id, data.point_index, data.bench_reading_ids, readings)
    # the room's logged conditions over the measurement interval; the technician's entry only as a fallback
    logged, record = rooms.point_conditions(session, job.id, () if data.as_found else used_ids, now)
    sources = dict.fromkeys(environment, "manual")
    environment = {**environment, **logged}
    sources.update(dict.fromkeys(logged, "logger"))
    if record is None and sources:
        record = {"sources": sources}
    elif record is not None:
        record["sources"] = sources
    point, budget = compute_point(
        session,
        job,
        nominal,
        readings,
        reference,
        environment,
        on,
        as_found=data.as_found,
        bench_reading_ids=() if data.as_found else used_ids,
        weighing=weighing,
        frequency_hz=frequency,
    )
    stored = point_codec.encode(point, budget=budget)
    texts = [str(r) for r in readings]  # the decimal text as typed or sent, never a float
    env_texts = {q: [str(v) for v in values] for q, values in environment.items()}
    row = session.scalar(
        select(Measurement).where(Measurement.job_id == job.id, Measurement.point_index == data.point_index)
    )
    if row is None:
        row = Measurement(
            job_id=job.id,
            point_index=data.point_index,
            nominal=decimal_of(nominal),
            unit=unit,
            readings=[],
            environment={},
            result={},
            as_found={},
        )
        session.add(row)
    if data.as_found:
        row.as_found = {
            "readings": texts,
            "reference_value": str(reference),
            "environment": env_texts,
            "environment_record": record,
            "result": stored,
        }
    else:
        row.readings, row.reference_value = texts, reference
        row.environment, row.result = env_texts, stored
        row.environment_record = record
        bench_readings.mark_used(session, job.id, data.point_index, used_ids)
    if domain_procedure(job.procedure).weighing is not None:
        bench_weighing.store_entries(
            session,
            job,
            domain_procedure(job.procedure),
            data.point_index,
            nominal,
            weighing,
            as_found=data.as_found,
            user_id=user.id,
        )
    row.saved_by_id, row.updated_at = user.id, now
    job.measured_on = on
    job.updated_at = now
    if nominal == 0 and not data.as_found and domain_procedure(job.procedure).sequence_settings is not None:
        session.flush()
        # The zero point's series give f0 for every point (DKD-R 6-1): points saved before it was
        # (re-)measured are computed again, so none keeps a zero deviation that no longer holds.
        recompute_points(session, job, on, skip=row.id)
    try:
        session.flush()
    except StaleDataError:
        raise JobConflict(number=job.number, current="?", seen=expected_version) from None
    return row


def flags(session: Session, job: Job) -> dict[str, list[str]]:
    """What a reviewer must see: environmental deviations and results outside the accredited scope."""
    out: dict[str, list[str]] = {"environment": [], "outside_scope": []}
    for m in measurements(session, job.id).values():
        for point in (m.point, m.as_found_point):
            if point is None:
                continue
            out["environment"].extend(point.deviations)
            if not point.within_scope:
                out["outside_scope"].append(f"{point.nominal.normalize():f} {point.unit}")
    return out


def recompute_points(session: Session, job: Job, on: date, *, skip: int | None = None) -> int:
    """Recompute every as-left point of ``job`` (but the row ``skip``) from its stored entries, after what
    its budgets share changed: a weighing test's repeatability or eccentricity, a gauge's zero point;
    returns the number of points recomputed."""
    points = test_points(job)
    frequencies = point_frequencies(job)
    count = 0
    for index, row in measurements(session, job.id).items():
        if row.id == skip or not row.result or index >= len(points) or row.reference_value is None:
            continue
        stored = row.point
        point, budget = compute_point(
            session,
            job,
            points[index],
            [Decimal(str(r)) for r in row.readings],
            Decimal(str(row.reference_value)),
            {q: [Decimal(str(v)) for v in vs] for q, vs in (row.environment or {}).items()},
            on,
            bench_reading_ids=stored.bench_reading_ids if stored else (),
            weighing=bench_weighing.entries_of(session, job.id, index),
            frequency_hz=frequencies[index],
        )
        row.result = point_codec.encode(point, budget=budget)
        count += 1
    session.flush()
    return count

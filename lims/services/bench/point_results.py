"""The live result of one test point: the procedure's budget template instantiated for the point
(:func:`lims.domain.procedures.instantiate_budget`) with the job's standards, evaluated by the uncertainty engine
with the law of propagation (JCGM 100 5.1.2, 6.2; k from ν_eff, G.4) and validated by Monte Carlo (JCGM 101
clause 8), judged under the decision rule agreed at contract review or the procedure's (ILAC-G8:09/2019 4.2) and
compared with the lab's CMC (ILAC-P14: a U below the CMC is refused; outside the scope the result is flagged
non-accredited). :mod:`lims.services.bench.measurements` parses the bench's entries and stores the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

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
from lims.domain import procedures as dp
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
from lims.models import Job, StandardCalibration
from lims.services.bench import weighing as bench_weighing
from lims.services.jobs.errors import ReadingError, no_procedure
from lims.services.jobs.jobs import job_standards
from lims.services.jobs.points import instrument_under_test, measurements, test_points
from lims.services.jobs.procedures import domain_procedure
from lims.services.standards.traceability import lab_scope, stored_point


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

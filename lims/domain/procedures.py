"""Versioned calibration and verification procedures, read from JSON files.

A procedure (ISO/IEC 17025:2017 7.2 selection and verification of methods) fixes the measured quantity
and unit,
the test points, the repetitions, the environmental limits, the acceptance criterion (maximum permissible
error),
the decision rule and the uncertainty budget template. The files shipped with the application are in
``lims/domain/procedures/``; the format is documented in ``docs/procedures.md``.
The files are read by :mod:`lims.domain.procedure_files`.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from certificates.metrology.decision import DEFAULT_MINIMUM_TUR, DecisionRule, Verdict, judge
from certificates.metrology.decision import rule_from_dict as decision_rule_from_dict
from certificates.metrology.errors import MetrologyError
from certificates.metrology.point import IndicationKind
from lims.domain import pressure as dkd
from lims.domain.budget_template import (
    SEQUENCE_SOURCES,
    BudgetError,
    BudgetTemplate,
    InstrumentUnderTest,
    PointContext,
    StandardUsed,
    instantiate,
    template_from_dict,
)
from lims.domain.environment import EnvironmentLimit, limit_from_dict
from lims.domain.errors import DomainError
from lims.domain.mpe import Criterion, criterion_from_dict, mpe_at
from lims.domain.test_points import (
    PercentAtFrequencyRule,
    PercentOfRangeRule,
    PointRule,
    check_in_range,
    generate_points,
    rule_from_dict,
)
from lims.domain.weighing import r76
from lims.domain.weighing.method import WeighingMethod, WeighingMethodKind, method_from_dict

__all__ = [
    "InstrumentUnderTest",
    "PointResult",
    "Procedure",
    "ProcedureError",
    "ProcedureKind",
    "StandardUsed",
    "instantiate_budget",
    "point_result",
    "procedure_from_dict",
]


class ProcedureError(DomainError, ValueError):
    """A procedure file is invalid, or data given to a procedure does not fit it."""


class ProcedureKind(StrEnum):
    """Calibration (hiệu chuẩn, ISO/IEC 17025) or legal verification (kiểm định, pass/fail against MPE)."""

    CALIBRATION = "calibration"
    VERIFICATION = "verification"


@dataclass(frozen=True, slots=True)
class Procedure:
    """One version of a procedure."""

    code: str
    version: str
    title_vi: str
    title_en: str
    quantity: str
    unit: str
    kind: ProcedureKind
    test_points: PointRule
    repetitions: int
    environment: tuple[EnvironmentLimit, ...]
    acceptance: Criterion
    decision_rule: DecisionRule
    budget: BudgetTemplate
    sources: tuple[str, ...] = ()
    standards: tuple[str, ...] = ()  # the roles of the standards the budget needs, e.g. ("weights",)
    sequence_settings: dkd.SequenceSettings | None = None  # a DKD-R 6-1 procedure's calibration sequence
    minimum_tur: float = DEFAULT_MINIMUM_TUR  # least MPE/U for simple acceptance (ILAC-G8 4.2.1)
    #: roles of the standards whose usable range must hold every test point (e.g. the bath's working range)
    usable_range: tuple[str, ...] = ()
    weighing: WeighingMethod | None = None  # balances and scales: EURAMET cg-18 or OIML R 76-1 annex A
    #: the newer version of the same code that replaces this one: withdrawn for new work, kept for the jobs
    #: done with it (ISO/IEC 17025:2017 8.3.2 c, d: current versions available, obsolete ones identified)
    superseded_by: str | None = None

    @property
    def indication_kind(self) -> IndicationKind:
        """What the point results' indication holds: an OIML R 76 verification with change-point weights
        states P = I + ½e − ΔL − E₀, free of rounding and corrected for zero (R 76-1 A.4.4.3, A.4.2.3.2),
        which the instrument cannot display; every other procedure the item's indication."""
        if self.weighing is not None and self.weighing.kind is WeighingMethodKind.R76:
            return IndicationKind.ROUNDING_FREE
        return IndicationKind.MEAN

    def sequence_for(self, instrument: InstrumentUnderTest) -> dkd.CalibrationSequence | None:
        """The DKD-R 6-1 sequence the gauge's accuracy class selects; ``None`` without a sequence.

        >>> from lims.domain.procedure_files import find_procedure, load_procedures
        >>> pg = find_procedure(load_procedures(), "CAL-PG-DKD")
        >>> pg.sequence_for(InstrumentUnderTest("bar", 0, 16, 0.1, accuracy_class="1.6"))
        <CalibrationSequence.C: 'C'>
        """
        if self.sequence_settings is None:
            return None
        try:
            return dkd.sequence_for_class(instrument.accuracy_class)
        except dkd.PressureError as exc:
            raise ProcedureError(f"instrument.{exc}") from None

    def readings_per_point(self, instrument: InstrumentUnderTest) -> int:
        """How many readings a point needs: the sequence's series, else the procedure's repetitions."""
        sequence = self.sequence_for(instrument)
        return self.repetitions if sequence is None else sequence.series

    def reading_labels(self, instrument: InstrumentUnderTest) -> tuple[str, ...]:
        """What each reading of a point is: ``M1 ↑``, ``M2 ↓`` … for a sequence, else ``1``, ``2`` …

        >>> from lims.domain.procedure_files import find_procedure, load_procedures
        >>> pg = find_procedure(load_procedures(), "CAL-PG-DKD")
        >>> pg.reading_labels(InstrumentUnderTest("bar", 0, 16, 0.1, accuracy_class="0.25"))
        ('M1 ↑', 'M2 ↓', 'M3 ↑')
        """
        sequence = self.sequence_for(instrument)
        if sequence is None:
            return tuple(str(i + 1) for i in range(self.repetitions))
        return tuple(f"M{i + 1} {'↑' if d == 'up' else '↓'}" for i, d in enumerate(sequence.directions))

    @property
    def title(self) -> str:
        """The English title (Vietnamese is :attr:`title_vi`)."""
        return self.title_en

    def summary(self) -> dict[str, str]:
        """The fields a listing shows (``lims procedures list --json``).

        >>> from lims.domain.procedure_files import find_procedure, load_procedures
        >>> find_procedure(load_procedures(), "CAL-PG-DKD").summary()["quantity"]
        'pressure'
        """
        return {
            "code": self.code,
            "version": self.version,
            "quantity": self.quantity,
            "unit": self.unit,
            "kind": self.kind.value,
            "title": self.title_en,
            "title_vi": self.title_vi,
        }

    @property
    def reference_frequency_hz(self) -> float | None:
        """An AC procedure's reference frequency (its first point's, 1 kHz for CAL-DMM-ACV): the frequency of
        points agreed by value only at contract review. ``None`` for a DC procedure.

        >>> from lims.domain.procedure_files import find_procedure, load_procedures
        >>> find_procedure(load_procedures(), "CAL-DMM-ACV").reference_frequency_hz
        1000.0
        """
        if isinstance(self.test_points, PercentAtFrequencyRule):
            return self.test_points.frequencies_hz[0]
        return None

    def frequencies_for(self, points: Sequence[float], *, agreed: bool = False) -> tuple[float | None, ...]:
        """The frequency of each of ``points``: the procedure's own, in order, or with ``agreed`` (points the
        customer agreed by value at contract review) the reference frequency for each; all ``None`` for a DC
        procedure.

        >>> from lims.domain.procedure_files import find_procedure, load_procedures
        >>> acv = find_procedure(load_procedures(), "CAL-DMM-ACV")
        >>> acv.frequencies_for(acv.points_for(InstrumentUnderTest("V", 0.0, 6.0, 0.0001)))
        (1000.0, 1000.0, 1000.0, 50.0, 10000.0)
        >>> acv.frequencies_for((2.0, 4.0), agreed=True)
        (1000.0, 1000.0)
        """
        rule = self.test_points
        if not isinstance(rule, PercentAtFrequencyRule):
            return tuple(None for _ in points)
        if agreed:
            return tuple(rule.frequencies_hz[0] for _ in points)
        if len(points) != len(rule.points):
            raise ProcedureError(
                f"test points: {self.code} gives {len(rule.points)} points, not {len(points)}"
            )
        return rule.frequencies_hz

    def points_for(self, instrument: InstrumentUnderTest) -> tuple[float, ...]:
        """The nominal test points for ``instrument`` (rounded to its resolution, inside its range).

        An OIML R 76 verification adds Min and the table 6 change points (500 e, 2 000 e for class III) to
        the percentages of Max its rule names (R 76-1 A.4.4.1).
        """
        _check_instrument(self, instrument)
        if self.weighing is not None and self.weighing.kind is WeighingMethodKind.R76:
            if instrument.accuracy_class is None:
                raise ProcedureError(f"instrument.accuracy_class: {self.code} needs the OIML R 76 class")
            rule = self.test_points
            percents = rule.percents if isinstance(rule, PercentOfRangeRule) else (50.0, 100.0)
            e = instrument.verification_interval or instrument.resolution
            try:
                return r76.load_plan(
                    instrument.accuracy_class, e, instrument.range_max, percents_of_max=percents
                )
            except DomainError as exc:
                raise ProcedureError(str(exc)) from exc
        return generate_points(
            self.test_points,
            range_min=instrument.range_min,
            range_max=instrument.range_max,
            resolution=instrument.resolution,
            unit=self.unit,
        )


def _text(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ProcedureError(f"{where}.{key}: expected a non-empty text")
    return value.strip()


def procedure_from_dict(data: Any, where: str = "procedure") -> Procedure:
    """Build and check a procedure from its JSON form; every error names the field at fault."""
    if not isinstance(data, Mapping):
        raise ProcedureError(f"{where}: expected a JSON object")
    code = _text(data, "code", where)
    where = f"{where} {code}"
    title = data.get("title")
    if not isinstance(title, Mapping):
        raise ProcedureError(f'{where}.title: expected {{"vi": ..., "en": ...}}')
    try:
        kind = ProcedureKind(str(data.get("kind")))
    except ValueError:
        raise ProcedureError(
            f"{where}.kind: {data.get('kind')!r} is not calibration or verification"
        ) from None
    repetitions = data.get("repetitions")
    if isinstance(repetitions, bool) or not isinstance(repetitions, int) or repetitions < 1:
        raise ProcedureError(f"{where}.repetitions: expected a whole number ≥ 1, got {repetitions!r}")
    env = data.get("environment", [])
    if not isinstance(env, list):
        raise ProcedureError(f"{where}.environment: expected a list of limits")
    sources = data.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise ProcedureError(f"{where}.sources: expected a list of citations")
    sequence = None
    if data.get("calibration_sequence") is not None:
        try:
            sequence = dkd.settings_from_dict(
                data.get("calibration_sequence"), f"{where}.calibration_sequence"
            )
        except dkd.PressureError as exc:
            raise ProcedureError(str(exc)) from None
    usable_range = data.get("usable_range", [])
    if not isinstance(usable_range, list) or not all(isinstance(r, str) and r for r in usable_range):
        raise ProcedureError(f'{where}.usable_range: expected a list of standard roles, e.g. ["bath"]')
    minimum_tur = data.get("minimum_tur", DEFAULT_MINIMUM_TUR)
    superseded_by = data.get("superseded_by")
    if superseded_by is not None and (not isinstance(superseded_by, str) or not superseded_by.strip()):
        raise ProcedureError(
            f'{where}.superseded_by: expected the version that replaces this one, e.g. "2.0"'
        )
    if isinstance(minimum_tur, bool) or not isinstance(minimum_tur, int | float) or not minimum_tur >= 1:
        raise ProcedureError(f"{where}.minimum_tur: expected a ratio ≥ 1, got {minimum_tur!r}")
    try:
        budget = template_from_dict(data.get("uncertainty_budget"), f"{where}.uncertainty_budget")
        if sequence is None and any(i.source in SEQUENCE_SOURCES for i in budget.inputs):
            raise ProcedureError(
                f"{where}.uncertainty_budget: hysteresis, repeatability, zero and head inputs need a "
                "calibration_sequence"
            )
        procedure = Procedure(
            code=code,
            version=_text(data, "version", where),
            title_vi=_text(title, "vi", f"{where}.title"),
            title_en=_text(title, "en", f"{where}.title"),
            quantity=_text(data, "quantity", where),
            unit=_text(data, "unit", where),
            kind=kind,
            test_points=rule_from_dict(data.get("test_points"), f"{where}.test_points"),
            repetitions=repetitions,
            environment=tuple(limit_from_dict(e, f"{where}.environment[{i}]") for i, e in enumerate(env)),
            acceptance=criterion_from_dict(data.get("acceptance"), f"{where}.acceptance"),
            decision_rule=_decision_rule(data.get("decision_rule"), f"{where}.decision_rule"),
            budget=budget,
            sources=tuple(sources),
            standards=tuple(sorted({i.standard for i in budget.inputs if i.standard is not None})),
            sequence_settings=sequence,
            minimum_tur=float(minimum_tur),
            usable_range=tuple(usable_range),
            weighing=None
            if data.get("weighing") is None
            else method_from_dict(data["weighing"], f"{where}.weighing"),
            superseded_by=superseded_by,
        )
        unknown = set(procedure.usable_range) - set(procedure.standards)
        if unknown:
            raise ProcedureError(
                f"{where}.usable_range: {', '.join(sorted(unknown))} is not a standard the budget uses"
            )
    except ProcedureError:
        raise
    except DomainError as exc:
        raise ProcedureError(str(exc)) from exc
    supplied = [i.name for i in budget.inputs if i.source.value == "supplied"]
    if supplied and procedure.weighing is None:
        raise ProcedureError(
            f"{where}.uncertainty_budget: {', '.join(supplied)} need a method that supplies them"
        )
    indication = budget.input_with_role("indication")
    if procedure.repetitions < 2 and indication.source.value == "readings":
        # A type A evaluation of the readings needs n ≥ 2 (GUM 4.2.3); a weighing method takes the
        # indication's repeatability from its own repeatability test (EURAMET cg-18 7.1.1.3).
        raise ProcedureError(f"{where}.repetitions: a type A evaluation from the readings needs at least 2")
    return procedure


def _decision_rule(data: Any, where: str) -> DecisionRule:
    """The procedure's decision rule (ILAC-G8:09/2019 4.2); a bad one is a :class:`ProcedureError`."""
    try:
        return decision_rule_from_dict(data, where)
    except MetrologyError as exc:
        raise ProcedureError(str(exc)) from None


def _check_instrument(procedure: Procedure, instrument: InstrumentUnderTest) -> None:
    if instrument.unit != procedure.unit:
        raise ProcedureError(
            f"instrument.unit: {instrument.unit!r} does not match the procedure {procedure.code} unit "
            f"{procedure.unit!r}"
        )
    if not (
        math.isfinite(instrument.range_min)
        and math.isfinite(instrument.range_max)
        and instrument.range_max > instrument.range_min
    ):
        raise ProcedureError(
            f"instrument.range: {instrument.range_min:g} to {instrument.range_max:g} is not a valid range"
        )
    if not (math.isfinite(instrument.resolution) and instrument.resolution > 0):
        raise ProcedureError(f"instrument.resolution: {instrument.resolution} must be a positive number")


def _context(
    procedure: Procedure,
    point: float,
    readings: Sequence[float],
    standards: Mapping[str, StandardUsed],
    instrument: InstrumentUnderTest,
    environment: Mapping[str, float | Sequence[float]],
    zero_readings: Sequence[float] | None = None,
    supplied: Mapping[str, Mapping[str, Any]] | None = None,
    frequency_hz: float | None = None,
) -> PointContext:
    _check_instrument(procedure, instrument)
    if (procedure.reference_frequency_hz is None) != (frequency_hz is None):
        raise ProcedureError(
            f"frequency: {procedure.code} is an AC procedure, give the point's frequency"
            if frequency_hz is None
            else f"frequency: {procedure.code} is a DC procedure, a point has no frequency"
        )
    if frequency_hz is not None and not (math.isfinite(frequency_hz) and frequency_hz > 0):
        raise ProcedureError(f"frequency: {frequency_hz} must be a frequency above 0 Hz")
    check_in_range(point, range_min=instrument.range_min, range_max=instrument.range_max, unit=procedure.unit)
    values: list[float] = []
    for i, r in enumerate(readings):
        if isinstance(r, bool) or not isinstance(r, int | float) or not math.isfinite(r):
            raise ProcedureError(f"readings[{i}]: {r!r} is not a number in {procedure.unit}")
        values.append(float(r))
    sequence = procedure.sequence_for(instrument)
    if sequence is not None:
        if len(values) != sequence.series:
            labels = ", ".join(procedure.reading_labels(instrument))
            raise ProcedureError(
                f"readings: {procedure.code} with sequence {sequence.value} (DKD-R 6-1) needs {sequence.series} "
                f"readings at each point ({labels}), got {len(values)}"
            )
        if zero_readings is not None and len(zero_readings) != sequence.series:
            raise ProcedureError(f"zero point: needs {sequence.series} readings, got {len(zero_readings)}")
    elif len(values) < procedure.repetitions:
        raise ProcedureError(
            f"readings: {procedure.code} needs {procedure.repetitions} readings at each point, "
            f"got {len(values)}"
        )
    for role in procedure.standards:
        std = standards.get(role)
        if std is None:
            raise ProcedureError(f"standards.{role}: {procedure.code} needs the {role} standard's data")
        if std.unit != procedure.unit:
            raise ProcedureError(
                f"standards.{role}.unit: {std.unit!r} does not match the procedure unit {procedure.unit!r}"
            )
        for name in ("value", "expanded_uncertainty", "coverage_factor", "drift_limit"):
            if not math.isfinite(getattr(std, name)):
                raise ProcedureError(f"standards.{role}.{name}: {getattr(std, name)} is not a finite number")
        if std.expanded_uncertainty < 0 or std.coverage_factor <= 0 or std.drift_limit < 0:
            raise ProcedureError(
                f"standards.{role}: expanded_uncertainty and drift_limit must be ≥ 0 and coverage_factor > 0"
            )
        if role in procedure.usable_range:
            _check_usable_range(procedure, role, std, point)
    return PointContext(
        point,
        procedure.unit,
        tuple(values),
        dict(standards),
        instrument,
        dict(environment),
        sequence=sequence,
        sequence_settings=procedure.sequence_settings,
        zero_readings=None if zero_readings is None else tuple(float(z) for z in zero_readings),
        supplied=dict(supplied or {}),
        frequency_hz=frequency_hz,
    )


class OutsideUsableRange(ProcedureError):
    """A test point outside the usable range of a standard that must hold it (a bath used outside its range)."""

    def __init__(self, role: str, identifier: str, point: float, low: float, high: float, unit: str) -> None:
        self.role, self.identifier, self.point = role, identifier, point
        super().__init__(
            f"standards.{role}: test point {point:g} {unit} is outside the usable range of {identifier} "
            f"({low:g} {unit} to {high:g} {unit})"
        )


def _check_usable_range(procedure: Procedure, role: str, std: StandardUsed, point: float) -> None:
    """Refuse a point the standard cannot realise (e.g. a bath's working range, from its characterisation).

    >>> from lims.domain.procedure_files import find_procedure, load_procedures
    >>> th = find_procedure(load_procedures(), "CAL-TH-BATH", "2.0")
    >>> bath = StandardUsed("B7340", 180.0, "°C", 0.0, 2.0, range_min=-40.0, range_max=150.0)
    >>> _check_usable_range(th, "bath", bath, 180.0)
    Traceback (most recent call last):
    ...
    lims.domain.procedures.OutsideUsableRange: standards.bath: test point 180 °C is outside the usable range \
of B7340 (-40 °C to 150 °C)
    """
    if std.range_min is None or std.range_max is None:
        raise ProcedureError(
            f"standards.{role}: {procedure.code} needs the usable range of {std.identifier}; record it"
        )
    tol = 1e-12 * max(abs(std.range_min), abs(std.range_max), 1.0)
    if point < std.range_min - tol or point > std.range_max + tol:
        raise OutsideUsableRange(role, std.identifier, point, std.range_min, std.range_max, procedure.unit)


def instantiate_budget(
    procedure: Procedure,
    point: float,
    readings: Sequence[float],
    standards: Mapping[str, StandardUsed],
    instrument: InstrumentUnderTest,
    environment: Mapping[str, float | Sequence[float]],
    *,
    zero_readings: Sequence[float] | None = None,
    supplied: Mapping[str, Mapping[str, Any]] | None = None,
    frequency_hz: float | None = None,
) -> dict[str, Any]:
    """The uncertainty budget of one test point, in the uncertainty engine's JSON format.

    ``standards`` maps the roles the procedure names (:attr:`Procedure.standards`) to each standard's data at
    this point; ``environment`` maps quantities (``temperature`` …) to a value or the values logged;
    ``frequency_hz`` is an AC point's frequency (an AC procedure needs it, a DC one refuses it).

    >>> from lims.domain.procedure_files import find_procedure, load_procedures
    >>> dmm = find_procedure(load_procedures(), "CAL-DMM-DCV")
    >>> cal = StandardUsed("5522A", 10.0, "V", 4e-5, 2.0, years_since_calibration=0.25, characteristics={
    ...     "stability_relative_per_year": 8e-6, "stability_floor_per_year": 2e-6})
    >>> b = instantiate_budget(dmm, 10.0, [10.002, 10.003, 10.002, 10.002, 10.003], {"calibrator": cal},
    ...                        InstrumentUnderTest("V", -20.0, 20.0, 0.001), {"temperature": 23.5})
    >>> [(i["name"], i["distribution"]["kind"]) for i in b["inputs"]][:4]
    [('V_ix', 'type_a'), ('dV_res', 'rectangular'), ('V_s', 'normal'), ('dV_S', 'rectangular')]
    """
    ctx = _context(
        procedure, point, readings, standards, instrument, environment, zero_readings, supplied, frequency_hz
    )
    try:
        return instantiate(procedure.budget, ctx)
    except BudgetError as exc:
        raise ProcedureError(f"{procedure.code}: {exc}") from exc


@dataclass(frozen=True, slots=True)
class PointResult:
    """Result at one test point, all in the procedure's unit.

    error = mean indication − reference value; correction = −error; ``verdict`` is ``None`` when the decision
    rule needs the expanded uncertainty and none was given.
    """

    nominal: float
    mean_indication: float
    reference_value: float
    error: float
    correction: float
    mpe: float
    verdict: Verdict | None
    hysteresis: float | None = None  # DKD-R 6-1 h, for a procedure with a calibration sequence


def point_result(
    procedure: Procedure,
    point: float,
    readings: Sequence[float],
    standards: Mapping[str, StandardUsed],
    instrument: InstrumentUnderTest,
    *,
    expanded_uncertainty: float | None = None,
    criterion: Criterion | None = None,
    indication: float | None = None,
    frequency_hz: float | None = None,
) -> PointResult:
    """Mean, error, correction and MPE at a test point, and the verdict under the procedure's decision rule.

    ``criterion`` overrides the procedure's acceptance criterion (a customer's or manufacturer's specification
    agreed at contract review, ISO/IEC 17025 7.1.3). ``indication`` replaces the mean of the readings when the
    procedure's method computes it (a weighing method: load less no-load indication, or the change-point
    indication corrected for zero, :mod:`lims.domain.weighing`).

    >>> from lims.domain.procedure_files import find_procedure, load_procedures
    >>> th = find_procedure(load_procedures(), "CAL-TH-BATH", "1.0")
    >>> r = point_result(th, 50.0, [50.1, 50.2, 50.1, 50.1, 50.2],
    ...                  {"reference": StandardUsed("PRT", 50.012, "°C", 0.02, 2.0), "bath": StandardUsed(
    ...                      "bath", 50.0, "°C", 0.0, 2.0, range_min=-40.0, range_max=150.0),
    ...                   "readout": StandardUsed("1594A", 50.0, "°C", 0.0, 2.0)},
    ...                  InstrumentUnderTest("°C", -50.0, 200.0, 0.1))
    >>> (r.mean_indication, r.error, r.correction, r.mpe, r.verdict.value if r.verdict else None)
    (50.14, 0.128, -0.128, 0.5, 'pass')
    """
    ctx = _context(procedure, point, readings, standards, instrument, {}, frequency_hz=frequency_hz)
    reference_role = procedure.budget.input_with_role("reference").standard
    assert reference_role is not None
    mean = statistics.fmean(ctx.readings) if indication is None else float(indication)
    reference = standards[reference_role].value
    # The difference of the two decimals (the mean to 15 significant digits, which drops the binary noise of a
    # mean of readings in A such as 0.009000124000000002; the reference by its shortest repr), so
    # 220.0003 − 220.00002 is 0.00028 exactly.
    error = float(Decimal(f"{mean:.15g}") - Decimal(repr(float(reference))))
    mpe = mpe_at(
        criterion or procedure.acceptance,
        point,
        range_min=instrument.range_min,
        range_max=instrument.range_max,
        resolution=instrument.resolution,
        accuracy_class=instrument.accuracy_class,
        verification_interval=instrument.verification_interval,
    )
    verdict = None
    if expanded_uncertainty is not None or not procedure.decision_rule.needs_uncertainty:
        try:
            verdict = judge(error, mpe, expanded_uncertainty, procedure.decision_rule)
        except MetrologyError as exc:
            raise ProcedureError(str(exc)) from None
    sequence = procedure.sequence_for(instrument)
    hysteresis = None if sequence is None else dkd.characteristic_values(sequence, ctx.readings).hysteresis
    return PointResult(
        point, float(f"{mean:.12g}"), reference, error, -error if error else 0.0, mpe, verdict, hysteresis
    )

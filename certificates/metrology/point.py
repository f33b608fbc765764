"""The point result: the typed record of one calibration point, from the bench to the certificate.

Everything shown about a point — on the bench page, the job and portal pages, the API, ``lims jobs show``,
the certificate PDF and the DCC — is read from one :class:`PointResult` and rounded by one function,
:meth:`PointResult.reported` (JCGM 100:2008 7.2.6; ILAC-P14:09/2020 6.3; see :mod:`.rounding`).

Values are exact decimals in the point's unit: the engine's floats enter as their shortest ``repr``; the
instrument's readings stay the decimal text it sent (the record lists the ids of the bench readings used).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from certificates.metrology.coverage import CoverageDistribution, coverage_statement
from certificates.metrology.decision import DecisionRule, NoStatementReason, Verdict
from certificates.metrology.errors import MetrologyError
from certificates.metrology.numbers import decimal_of
from certificates.metrology.rounding import round_to, round_uncertainty

__all__ = ["Deviation", "IndicationKind", "IntervalMethod", "PointResult", "ReportedPoint", "report"]


class IntervalMethod(StrEnum):
    """How the coverage interval of a point was obtained (JCGM 101:2008 clause 8).

    ``lpu``: law of propagation (JCGM 100), not checked by Monte Carlo (records of earlier releases);
    ``lpu_validated``: law of propagation, validated by Monte Carlo (JCGM 101 8.2);
    ``mcm``: the propagation result was not validated, so U is the Monte Carlo interval's
    (the larger half-width of the probabilistically symmetric interval about y).
    """

    LPU = "lpu"
    LPU_VALIDATED = "lpu_validated"
    MCM = "mcm"

    def text(self, language: str) -> str:
        """The method as stated beside U.

        >>> IntervalMethod.MCM.text("en")
        'coverage interval by the Monte Carlo method (JCGM 101:2008), the law of propagation was not validated'
        """
        vi, en = _METHOD_TEXT[self]
        return vi if language.startswith("vi") else en


_METHOD_TEXT = {
    IntervalMethod.LPU: (
        "luật lan truyền độ không đảm bảo đo (JCGM 100:2008)",
        "law of propagation (JCGM 100:2008)",
    ),
    IntervalMethod.LPU_VALIDATED: (
        "luật lan truyền độ không đảm bảo đo (JCGM 100:2008), đã được xác nhận bằng phương pháp Monte Carlo "
        "(JCGM 101:2008 mục 8)",
        "law of propagation (JCGM 100:2008), validated by the Monte Carlo method (JCGM 101:2008 clause 8)",
    ),
    IntervalMethod.MCM: (
        "khoảng phủ theo phương pháp Monte Carlo (JCGM 101:2008), luật lan truyền không được xác nhận",
        "coverage interval by the Monte Carlo method (JCGM 101:2008), the law of propagation was not validated",
    ),
}


class Deviation(StrEnum):
    """The deviation a certificate states: error = indication − reference; correction = reference − indication."""

    ERROR = "error"
    CORRECTION = "correction"


class IndicationKind(StrEnum):
    """What a series' "indication" column holds: the label follows it wherever the series is shown.

    ``mean``: the indication as the item showed it (the mean of its readings);
    ``rounding_free``: OIML R 76-1:2006 A.4.4.3 with change-point weights, the indication free of rounding
    and corrected for the zero, P = I + ½e − ΔL − E₀ (A.4.2.3.2): a value the instrument cannot display,
    so it must not be called its indication. The column's wording is ``certificates.results.INDICATION_LABEL``.
    """

    MEAN = "mean"
    ROUNDING_FREE = "rounding_free"


@dataclass(frozen=True, slots=True)
class ReportedPoint:
    """The figures of a point as every report prints them: U to two significant digits, the rest to U's place."""

    reference_value: Decimal
    indication: Decimal
    error: Decimal
    correction: Decimal
    expanded_uncertainty: Decimal
    mpe: Decimal | None


def report(
    *,
    reference_value: Decimal | float,
    indication: Decimal | float,
    error: Decimal | float,
    expanded_uncertainty: Decimal | float,
    mpe: Decimal | float | None = None,
) -> ReportedPoint:
    """The one rounding of a point for every report (JCGM 100:2008 7.2.6; ILAC-P14:09/2020 6.3).

    U to two significant digits (:func:`round_uncertainty`), then the reference value, indication, error,
    correction (= −error) and MPE to U's last decimal place.

    >>> r = report(reference_value=20, indication=19.98651, error=-0.01349, expanded_uncertainty=0.0819466,
    ...            mpe=0.5)
    >>> [str(x) for x in (r.reference_value, r.indication, r.error, r.correction, r.expanded_uncertainty, r.mpe)]
    ['20.000', '19.987', '-0.013', '0.013', '0.082', '0.500']
    """
    u = round_uncertainty(expanded_uncertainty)
    exact_error = decimal_of(error, field="error")
    return ReportedPoint(
        reference_value=round_to(reference_value, u, field="reference_value"),
        indication=round_to(indication, u, field="indication"),
        error=round_to(exact_error, u, field="error"),
        correction=round_to(-exact_error, u, field="correction"),
        expanded_uncertainty=u,
        mpe=None if mpe is None else round_to(mpe, u, field="mpe"),
    )


@dataclass(frozen=True, slots=True)
class PointResult:
    """One calibration point (ISO/IEC 17025:2017 7.8.2, 7.8.4; EA-4/02 M:2022 section 5; ILAC-G8:09/2019).

    :ivar nominal: the test point as planned.
    :ivar reference_value: the value applied by the reference standard.
    :ivar indication: the mean indication of the item.
    :ivar error: indication − reference value; ``correction`` = −error.
    :ivar standard_uncertainty: u_c of the error (JCGM 100 5.1.2).
    :ivar effective_dof: ν_eff (Welch–Satterthwaite, JCGM 100 G.4.1); ``None`` = infinite.
    :ivar coverage_factor: k; ``distribution`` says whether it came from the normal or the t-distribution.
    :ivar coverage_probability: p as a fraction (0.9545).
    :ivar expanded_uncertainty: U = k·u_c as the engine computed it (exact; :meth:`reported` rounds it).
    :ivar mpe: maximum permissible error's half-width at the point, when a specification applies.
    :ivar decision_rule, guard_band, probability_of_conformance, verdict: the statement of conformity
        (ILAC-G8:09/2019 4.2; JCGM 106:2012 7.4); all ``None`` without an MPE.
    :ivar cmc: the lab's CMC at the point; ``cmc_applied`` is true when U was raised to the CMC
        (ILAC-P14:09/2020 5.4: a U smaller than the CMC cannot be reported).
    :ivar within_scope: false when the point is outside the accredited scope.
    :ivar as_found: true for results before adjustment (ISO/IEC 17025:2017 7.8.4.1 d), false for as left.
    :ivar bench_reading_ids: the bench readings the result used.
    :ivar deviations: environmental conditions outside the procedure's limits (ISO/IEC 17025 6.3.3).
    :ivar interval_method: how U was obtained (:class:`IntervalMethod`).
    :ivar hysteresis: h = largest |down − up| of the point's series (DKD-R 6-1), for pressure gauges.
    :ivar no_statement_reason: why a point with an MPE has no statement of conformity.
    :ivar probability_of_false_acceptance: 1 − p_c for an accepted point under a guarded rule (JCGM 106).
    :ivar notes: what a reader must know about the point (e.g. a small ν_eff and why).
    """

    quantity: str
    unit: str
    nominal: Decimal
    reference_value: Decimal
    indication: Decimal
    error: Decimal
    standard_uncertainty: Decimal
    effective_dof: Decimal | None
    coverage_factor: Decimal
    coverage_probability: Decimal
    distribution: CoverageDistribution
    expanded_uncertainty: Decimal
    deviation: Deviation = Deviation.ERROR
    mpe: Decimal | None = None
    decision_rule: DecisionRule | None = None
    guard_band: Decimal | None = None
    probability_of_conformance: Decimal | None = None
    verdict: Verdict | None = None
    cmc: Decimal | None = None
    cmc_applied: bool = False
    within_scope: bool = True
    as_found: bool = False
    bench_reading_ids: tuple[int, ...] = ()
    deviations: tuple[str, ...] = field(default=())
    interval_method: IntervalMethod = IntervalMethod.LPU
    hysteresis: Decimal | None = None
    no_statement_reason: NoStatementReason | None = None
    probability_of_false_acceptance: Decimal | None = None
    notes: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        for name in (
            "nominal",
            "reference_value",
            "indication",
            "error",
            "standard_uncertainty",
            "coverage_factor",
            "coverage_probability",
            "expanded_uncertainty",
        ):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite():
                raise MetrologyError(f"must be a finite Decimal, not {value!r}", field=f"point.{name}")
        if self.expanded_uncertainty <= 0:
            raise MetrologyError("must be positive", field="point.expanded_uncertainty")
        if self.coverage_factor < 1:
            raise MetrologyError("must be at least 1", field="point.coverage_factor")
        if not 0 < self.coverage_probability < 1:
            raise MetrologyError("must be a fraction between 0 and 1", field="point.coverage_probability")
        if self.mpe is not None and self.mpe < 0:
            raise MetrologyError("must be ≥ 0", field="point.mpe")
        if (self.distribution is CoverageDistribution.T) != (self.effective_dof is not None):
            raise MetrologyError(
                "k comes from the t-distribution exactly when ν_eff is finite", field="point.distribution"
            )
        object.__setattr__(self, "bench_reading_ids", tuple(int(i) for i in self.bench_reading_ids))
        object.__setattr__(self, "deviations", tuple(str(d) for d in self.deviations))
        object.__setattr__(self, "notes", tuple(str(d) for d in self.notes))
        if self.hysteresis is not None and (not self.hysteresis.is_finite() or self.hysteresis < 0):
            raise MetrologyError("must be a finite Decimal ≥ 0", field="point.hysteresis")

    @property
    def correction(self) -> Decimal:
        """reference value − indication = −error."""
        return -self.error

    def reported(self) -> ReportedPoint:
        """The point's figures rounded for every report (JCGM 100:2008 7.2.6; ILAC-P14:09/2020 6.3).

        Hand calculation: U = 0.0819466 °C → 0.082 °C; error −0.01349 °C → −0.013 °C; reference 20 °C →
        20.000 °C; MPE 0.5 °C → 0.500 °C.
        """
        return report(
            reference_value=self.reference_value,
            indication=self.indication,
            error=self.error,
            expanded_uncertainty=self.expanded_uncertainty,
            mpe=self.mpe,
        )

    def coverage_text(self, language: str) -> str:
        """The coverage statement for this point (EA-4/02 M:2022 section 5), see :func:`coverage_statement`;
        for a Monte Carlo interval, the method and k = U/u (JCGM 101:2008 clause 8)."""
        return coverage_statement(
            coverage_factor=self.coverage_factor,
            coverage_probability=self.coverage_probability,
            distribution=self.distribution,
            effective_dof=self.effective_dof,
            language=language,
            monte_carlo=self.interval_method is IntervalMethod.MCM,
        )

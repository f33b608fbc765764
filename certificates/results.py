"""Results: points, series (one table and chart per quantity) and the statement of conformity.

Every value of a point is in the unit of its series (D-SI notation). Clause references are to
ISO/IEC 17025:2017.
"""

from __future__ import annotations

from dataclasses import dataclass

from certificates.checks import check_finite, check_type, clean_text, normalise_strings
from certificates.errors import CertificateDataError
from certificates.formatting import validate_dsi_unit
from certificates.metrology.coverage import CoverageDistribution, coverage_statement, distribution_for
from certificates.metrology.decision import Verdict
from certificates.metrology.numbers import decimal_of
from certificates.metrology.point import Deviation, ReportedPoint, report
from certificates.wording import Text

# The verdict (7.8.6, ILAC-G8:09/2019 4.2) and the deviation kind are the metrology vocabulary's.
__all__ = ["DecisionStatement", "Deviation", "ResultPoint", "ResultSeries", "Verdict"]


@dataclass(frozen=True, slots=True)
class ResultPoint:
    """One calibration point; every value is in the unit of its :class:`ResultSeries`."""

    nominal: float  # reference value applied by the standard
    indication: float  # reading of the item, as left (after any adjustment)
    error: float  # deviation as the series states it (error or correction), as left
    expanded_uncertainty: float  # U of ``error``, same unit
    coverage_factor: float = 2.0  # k (EA-4/02 5.1)
    coverage_probability: float = 0.95  # p as a fraction, e.g. 0.95
    mpe: float | None = None  # maximum permissible error (±), when a specification applies
    conformity: Verdict | None = None  # no_statement prints as "—"
    as_found_indication: float | None = None  # reading before adjustment (7.8.4.1 d)
    as_found_error: float | None = None
    effective_dof: float | None = None  # ν_eff; None = infinite: k came from the normal distribution

    def __post_init__(self) -> None:
        for name in ("nominal", "indication", "error"):
            check_finite("point", name, getattr(self, name))
        check_finite("point", "expanded_uncertainty", self.expanded_uncertainty, positive=True)
        check_finite("point", "coverage_factor", self.coverage_factor)
        if self.coverage_factor < 1:
            raise CertificateDataError(
                "point.coverage_factor", f"must be at least 1, not {self.coverage_factor!r}"
            )
        check_finite("point", "coverage_probability", self.coverage_probability)
        if not 0 < self.coverage_probability < 1:
            raise CertificateDataError(
                "point.coverage_probability",
                f"must be a fraction between 0 and 1, not {self.coverage_probability!r}",
            )
        check_finite("point", "mpe", self.mpe, positive=True, optional=True)
        check_finite("point", "as_found_indication", self.as_found_indication, optional=True)
        check_finite("point", "as_found_error", self.as_found_error, optional=True)
        if (self.as_found_indication is None) != (self.as_found_error is None):
            raise CertificateDataError(
                "point.as_found_error", "give the as-found indication and error together"
            )
        if self.conformity is not None:
            object.__setattr__(self, "conformity", Verdict(self.conformity))
        check_finite("point", "effective_dof", self.effective_dof, positive=True, optional=True)

    @property
    def has_as_found(self) -> bool:
        """Whether results before adjustment are reported for this point."""
        return self.as_found_indication is not None

    @property
    def distribution(self) -> CoverageDistribution:
        """The distribution k was taken from (EA-4/02 M:2022 section 5)."""
        return distribution_for(self.effective_dof)

    def reported(self) -> ReportedPoint:
        """The figures as printed: the one rounding of :func:`certificates.metrology.point.report`."""
        return report(
            reference_value=self.nominal,
            indication=self.indication,
            error=self.error,
            expanded_uncertainty=self.expanded_uncertainty,
            mpe=self.mpe,
        )

    def coverage_text(self, language: str) -> str:
        """The coverage statement of this point, naming its distribution truthfully."""
        return coverage_statement(
            coverage_factor=decimal_of(self.coverage_factor),
            coverage_probability=decimal_of(self.coverage_probability),
            distribution=self.distribution,
            effective_dof=None if self.effective_dof is None else decimal_of(self.effective_dof),
            language=language,
        )


@dataclass(frozen=True, slots=True)
class ResultSeries:
    """The results for one measured quantity (7.8.2.1 m), shown as one table and one chart."""

    quantity: Text  # e.g. Text("Khối lượng", "Mass")
    unit: str  # D-SI, e.g. "\\gram", "\\kilo\\pascal", "\\degreecelsius"
    points: tuple[ResultPoint, ...]
    deviation: Deviation = Deviation.ERROR
    external_provider: str = ""  # set when an external provider produced these results (7.8.2.1 p)
    customer_supplied: bool = False  # the values were supplied by the customer (7.8.2.2)

    def __post_init__(self) -> None:
        check_type("results", "quantity", self.quantity, Text)
        try:
            object.__setattr__(self, "unit", validate_dsi_unit(self.unit))
        except ValueError as exc:
            raise CertificateDataError("results.unit", str(exc)) from None
        object.__setattr__(self, "points", tuple(self.points))
        if not self.points:
            raise CertificateDataError("results.points", f"{self.quantity.en}: needs at least one point")
        for index, point in enumerate(self.points):
            check_type("results", f"points[{index}]", point, ResultPoint)
        object.__setattr__(self, "deviation", Deviation(self.deviation))
        object.__setattr__(
            self,
            "external_provider",
            clean_text("results", "external_provider", self.external_provider, required=False),
        )

    @property
    def has_as_found(self) -> bool:
        """Whether any point reports results before adjustment."""
        return any(p.has_as_found for p in self.points)


@dataclass(frozen=True, slots=True)
class DecisionStatement:
    """Decision rule and statement of conformity (7.8.6), present only when the customer asked for one."""

    rule: Text  # the rule applied, e.g. ILAC-G8:09/2019 4.2.1 simple acceptance (w = 0)
    specification: Text  # what the results are compared with, e.g. the MPE of ĐLVN 16:2009 class III
    conformity: Verdict  # the overall statement
    norm: str = "ILAC-G8:09/2019"

    def __post_init__(self) -> None:
        check_type("decision", "rule", self.rule, Text)
        check_type("decision", "specification", self.specification, Text)
        object.__setattr__(self, "conformity", Verdict(self.conformity))
        normalise_strings(self, "decision")

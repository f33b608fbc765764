"""Results: series (one table and chart per quantity) of point results, and the statement of conformity.

A series holds the metrology vocabulary's :class:`~certificates.metrology.point.PointResult` itself, the
record the bench computed and stored: there is no second, float-valued copy of a point on the certificate
path. Every value of a point is in the unit of its series (D-SI notation); what is printed comes from
:meth:`PointResult.reported` (JCGM 100:2008 7.2.6; ILAC-P14:09/2020 6.3). Clause references are to
ISO/IEC 17025:2017.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from certificates.checks import check_type, clean_text, normalise_strings
from certificates.errors import CertificateDataError
from certificates.formatting import validate_dsi_unit
from certificates.metrology.decision import Verdict
from certificates.metrology.point import Deviation, IndicationKind, PointResult
from certificates.wording import Text

# The point result, the verdict (7.8.6, ILAC-G8:09/2019 4.2) and the deviation kind are the metrology
# vocabulary's.
__all__ = [
    "INDICATION_LABEL",
    "INDICATION_NOTE",
    "DecisionStatement",
    "Deviation",
    "IndicationKind",
    "PointResult",
    "ResultSeries",
    "Verdict",
]


#: The one wording of the indication column (PDF, DCC quantity name, failure notice, job and portal pages).
INDICATION_LABEL: dict[IndicationKind, Text] = {
    IndicationKind.MEAN: Text("Số chỉ", "Indication"),
    IndicationKind.ROUNDING_FREE: Text(
        "Số chỉ đã loại sai số làm tròn P", "Indication free of rounding error P"
    ),
}

#: The line under the table saying how the column was obtained (none for a plain indication).
INDICATION_NOTE: dict[IndicationKind, Text] = {
    IndicationKind.ROUNDING_FREE: Text(
        "P = I + ½e − ΔL − E₀ (OIML R 76-1 A.4.4.3, A.4.2.3.2): I số chỉ, ΔL quả cân thêm vào đến khi số chỉ "
        "tăng một e, E₀ sai số tại điểm không.",
        "P = I + ½e − ΔL − E₀ (OIML R 76-1 A.4.4.3, A.4.2.3.2): I indication, ΔL weights added until the "
        "indication increases by e, E₀ error at zero.",
    ),
}


@dataclass(frozen=True, slots=True)
class ResultSeries:
    """The results for one measured quantity (7.8.2.1 m), shown as one table and one chart."""

    quantity: Text  # e.g. Text("Khối lượng", "Mass")
    unit: str  # D-SI, e.g. "\\gram", "\\kilo\\pascal", "\\degreecelsius"
    points: tuple[PointResult, ...]  # the as-left results (as_found=False), one per calibration point
    external_provider: str = ""  # set when an external provider produced these results (7.8.2.1 p)
    customer_supplied: bool = False  # the values were supplied by the customer (7.8.2.2)
    # results before adjustment (7.8.4.1 d): empty, or one entry per point (None where none was measured)
    as_found: tuple[PointResult | None, ...] = ()
    # what the indication column holds (OIML R 76-1 A.4.4.3 rounding-free P, or the item's indication)
    indication_kind: IndicationKind = IndicationKind.MEAN

    def __post_init__(self) -> None:
        check_type("results", "quantity", self.quantity, Text)
        try:
            object.__setattr__(self, "indication_kind", IndicationKind(self.indication_kind))
        except ValueError:
            raise CertificateDataError(
                "results.indication_kind",
                f"{self.indication_kind!r} is not one of {[k.value for k in IndicationKind]}",
            ) from None
        try:
            object.__setattr__(self, "unit", validate_dsi_unit(self.unit))
        except ValueError as exc:
            raise CertificateDataError("results.unit", str(exc)) from None
        object.__setattr__(self, "points", tuple(self.points))
        if not self.points:
            raise CertificateDataError("results.points", f"{self.quantity.en}: needs at least one point")
        unit = None
        for index, point in enumerate(self.points):
            check_type("results", f"points[{index}]", point, PointResult)
            if point.as_found:
                raise CertificateDataError(
                    f"results.points[{index}]", "is an as-found result; give it in as_found (7.8.4.1 d)"
                )
            if unit is not None and point.unit != unit:
                raise CertificateDataError(
                    f"results.points[{index}].unit",
                    f"{point.unit!r} differs from the series' {unit!r}: a series has one unit",
                )
            if point.deviation is not self.points[0].deviation:
                raise CertificateDataError(
                    f"results.points[{index}].deviation",
                    "a series states either errors or corrections, not both",
                )
            unit = point.unit
        object.__setattr__(self, "as_found", tuple(self.as_found))
        if self.as_found and len(self.as_found) != len(self.points):
            raise CertificateDataError(
                "results.as_found",
                f"give one entry per point ({len(self.points)}), None where none was measured, "
                f"not {len(self.as_found)}",
            )
        for index, found in enumerate(self.as_found):
            check_type("results", f"as_found[{index}]", found, PointResult, optional=True)
            if found is not None and not found.as_found:
                raise CertificateDataError(
                    f"results.as_found[{index}]", "is an as-left result (as_found is false)"
                )
            if found is not None and found.unit != unit:
                raise CertificateDataError(
                    f"results.as_found[{index}].unit", f"{found.unit!r} differs from the series' {unit!r}"
                )
        object.__setattr__(
            self,
            "external_provider",
            clean_text("results", "external_provider", self.external_provider, required=False),
        )

    @property
    def deviation(self) -> Deviation:
        """What the series states (error or correction): its points' own :attr:`PointResult.deviation`."""
        return self.points[0].deviation

    @property
    def indication_label(self) -> Text:
        """The indication column's name (:data:`INDICATION_LABEL`)."""
        return INDICATION_LABEL[self.indication_kind]

    @property
    def indication_note(self) -> Text | None:
        """How the indication column was obtained, printed under the table; None for a plain indication."""
        return INDICATION_NOTE.get(self.indication_kind)

    @property
    def has_as_found(self) -> bool:
        """Whether any point reports results before adjustment."""
        return any(found is not None for found in self.as_found)

    def rows(self) -> Iterator[tuple[PointResult, PointResult | None]]:
        """Each point with its result before adjustment (None when there is none), in order."""
        found = self.as_found or (None,) * len(self.points)
        return zip(self.points, found, strict=True)


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

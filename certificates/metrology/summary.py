"""The statement under a results table: how U was obtained, k and the coverage probability, each method once.

EA-4/02 M:2022 section 5 and ILAC-P14:09/2020 6 ask that the expanded uncertainty be stated with its coverage
factor and coverage probability, and that k taken from a t-distribution name its effective degrees of
freedom. A table of several points gives k in its own column, so the statement names each way of obtaining
U once (normal distribution, t-distribution, Monte Carlo interval of JCGM 101:2008 clause 8) and, where
the points of one method differ in k, refers to the column instead of repeating the method per k value.
The job page, the customer's portal page and the certificate print this one sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from certificates.metrology.coverage import (
    MONTE_CARLO,
    CoverageDistribution,
    coverage_factor_text,
    dof_text,
    probability_text,
)
from certificates.metrology.numbers import decimal_sign
from certificates.metrology.point import IntervalMethod, PointResult

__all__ = ["coverage_summary", "point_labels_text"]


def point_labels_text(labels: Sequence[str], language: str) -> str:
    """The points a part of the statement covers; runs of whole numbers are joined.

    >>> point_labels_text(["1", "2", "3", "5"], "en"), point_labels_text(["4"], "vi")
    ('points 1–3, 5', 'điểm 4')
    >>> point_labels_text(["1.1", "1.2"], "vi")
    'các điểm 1.1, 1.2'
    """
    parts: list[str] = []
    if all(label.isdigit() for label in labels):
        numbers = [int(label) for label in labels]
        start = previous = numbers[0]
        for n in [*numbers[1:], None]:
            if n is not None and n == previous + 1:
                previous = n
                continue
            parts.append(str(start) if start == previous else f"{start}–{previous}")
            if n is not None:
                start = previous = n
    else:
        parts = list(labels)
    vi = decimal_sign(language) == ","
    if len(labels) == 1:
        return f"điểm {parts[0]}" if vi else f"point {parts[0]}"
    return ("các điểm " if vi else "points ") + ", ".join(parts)


def _basis(point: PointResult) -> str:
    if point.interval_method is IntervalMethod.MCM:
        return "mcm"
    return "t" if point.distribution is CoverageDistribution.T else "normal"


def _group_text(basis: str, members: list[tuple[str, PointResult]], language: str, *, tagged: bool) -> str:
    """One method's part of the statement; ``tagged``: name its points (more than one part)."""
    vi = decimal_sign(language) == ","
    sign = decimal_sign(language)
    labels = [label for label, _ in members]
    if basis == "t":
        # ν_eff is in no table column, so each (ν_eff, k) is stated with its points
        pairs: dict[tuple[str, str], list[str]] = {}
        for label, p in members:
            key = (dof_text(p.effective_dof), coverage_factor_text(p.coverage_factor, decimal_separator=sign))
            pairs.setdefault(key, []).append(label)
        head = "phân bố t với" if vi else "t-distribution with"
        if len(pairs) == 1:
            ((nu, k),) = pairs
            text = f"{head} ν_eff = {nu}, k = {k}"
        else:
            return f"{head} " + ", ".join(
                f"ν_eff = {nu}, k = {k} ({point_labels_text(where, language)})"
                for (nu, k), where in pairs.items()
            )
    else:
        ks = {p.coverage_factor for _, p in members}
        symbol = "k = U/u" if basis == "mcm" else "k"
        if basis == "mcm":
            head = MONTE_CARLO[0] if vi else MONTE_CARLO[1]
        else:
            head = "phân bố chuẩn" if vi else "normal distribution"
        if len(ks) == 1:
            text = f"{head}, {symbol} = {coverage_factor_text(next(iter(ks)), decimal_separator=sign)}"
        else:
            per_point = "ghi cho từng điểm đo" if vi else "as given for each point"
            text = f"{head}, {'hệ số phủ' if vi else 'coverage factor'} {symbol} {per_point}"
    return f"{text} ({point_labels_text(labels, language)})" if tagged else text


def coverage_summary(points: Sequence[tuple[str, PointResult]], language: str) -> str:
    """How U, k and p were obtained for the labelled ``points``, each method named once (EA-4/02 M:2022 5).

    >>> from decimal import Decimal as D
    >>> def mc(k: str) -> PointResult:
    ...     return PointResult("mass", "kg", D(1), D(1), D(1), D(0), D("0.0003"), None, D(k), D("0.9545"),
    ...                        CoverageDistribution.NORMAL, D("0.00067"), interval_method=IntervalMethod.MCM)
    >>> job = [("1", mc("2.0")), ("2", mc("2.0")), ("3", mc("2.01"))]
    >>> coverage_summary(job, "en")
    'Monte Carlo method (JCGM 101:2008), coverage factor k = U/u as given for each point, coverage probability approximately 95 %'
    >>> coverage_summary(job[:2], "vi")
    'phương pháp Monte Carlo (JCGM 101:2008), k = U/u = 2, xác suất phủ xấp xỉ 95 %'
    >>> from dataclasses import replace
    >>> coverage_summary([*job[:2], ("3", replace(mc("2"), interval_method=IntervalMethod.LPU_VALIDATED))], "en")
    'Monte Carlo method (JCGM 101:2008), k = U/u = 2 (points 1–2); normal distribution, k = 2 (point 3); coverage probability approximately 95 %'
    """
    if not points:
        return ""
    probabilities: set[Decimal] = {p.coverage_probability for _, p in points}
    shared = len(probabilities) == 1
    groups: dict[tuple[str, Decimal], list[tuple[str, PointResult]]] = {}
    for label, p in points:
        groups.setdefault((_basis(p), p.coverage_probability), []).append((label, p))
    tagged = len(groups) > 1
    parts = [
        _group_text(basis, members, language, tagged=tagged)
        + ("" if shared else f", {probability_text(probability, language)}")
        for (basis, probability), members in groups.items()
    ]
    if not shared:
        return "; ".join(parts)
    tail = probability_text(next(iter(probabilities)), language)
    return f"{parts[0]}, {tail}" if len(parts) == 1 else "; ".join(parts) + f"; {tail}"

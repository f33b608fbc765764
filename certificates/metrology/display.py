"""The one display of a point result, for every page, the API, the CLI and the certificates.

Numbers take the language's decimal sign (Vietnamese comma, English point; ISO 80000-1:2009 7.3.2), units
are always printed, and U with the values beside it are the rounded figures of
:meth:`~certificates.metrology.point.PointResult.reported` (JCGM 100:2008 7.2.6; ILAC-P14:09/2020 6.3), so
every reader sees the digits the certificate prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from certificates.metrology.coverage import coverage_factor_text, dof_text
from certificates.metrology.numbers import decimal_sign, format_compact, format_decimal
from certificates.metrology.point import IntervalMethod, PointResult
from certificates.metrology.rounding import round_to

__all__ = ["PointText", "decimal_text", "note_text", "point_json", "point_text"]


@dataclass(frozen=True, slots=True)
class PointText:
    """A point's figures as text in one language; ``*_with_unit`` fields end in the unit symbol."""

    reference: str
    indication: str
    error: str
    correction: str
    expanded_uncertainty: str
    coverage_factor: str
    coverage_probability: str  # percent, e.g. "95,45"
    effective_dof: str  # integer or ∞
    standard_uncertainty: str
    mpe: str | None  # "±0,500"
    verdict: str | None
    decision_rule: str | None
    coverage: str  # the coverage statement
    unit: str
    hysteresis: str | None = None  # DKD-R 6-1 h, to U's decimal place
    interval_method: str = ""  # how U was obtained (JCGM 100 or JCGM 101)
    no_statement_reason: str | None = None
    probability_of_false_acceptance: str | None = None  # "probability of false acceptance 0,3 %"
    flags: tuple[str, ...] = ()  # what the reader must know about U, in the language (the stored notes' gist)

    def with_unit(self, text: str) -> str:
        """``text`` followed by the unit (no space for an empty unit)."""
        return f"{text} {self.unit}" if self.unit else text


def decimal_text(value: Decimal) -> str:
    """A decimal in plain positional notation with a point, the machine-readable form (API, JSON).

    >>> decimal_text(Decimal("1.2E+2")), decimal_text(Decimal("-0.0130"))
    ('120', '-0.0130')
    """
    return format(value, "f")


def point_text(point: PointResult, language: str) -> PointText:
    """Every figure of ``point`` as printed in ``language`` (``vi`` or ``en``).

    >>> from decimal import Decimal as D
    >>> from certificates.metrology.coverage import CoverageDistribution
    >>> p = PointResult("temperature", "°C", D("20"), D("20"), D("19.98651"), D("-0.01349"), D("0.0337"),
    ...                 D("7.4"), D("2.43"), D("0.9545"), CoverageDistribution.T, D("0.0819466"), mpe=D("0.5"))
    >>> t = point_text(p, "vi")
    >>> t.error, t.expanded_uncertainty, t.coverage_factor, t.mpe, t.with_unit(t.reference)
    ('-0,013', '0,082', '2,43', '±0,500', '20,000 °C')
    >>> point_text(p, "en").coverage
    't-distribution with ν_eff = 7, k = 2.43, coverage probability approximately 95 %'
    """
    sign = decimal_sign(language)
    rep = point.reported()

    def num(value: Decimal) -> str:
        return format_decimal(value, decimal_separator=sign)

    return PointText(
        reference=num(rep.reference_value),
        indication=num(rep.indication),
        error=num(rep.error),
        correction=num(rep.correction),
        expanded_uncertainty=num(rep.expanded_uncertainty),
        coverage_factor=coverage_factor_text(point.coverage_factor, decimal_separator=sign),
        coverage_probability=format_compact(point.coverage_probability * 100, decimal_separator=sign),
        effective_dof=dof_text(point.effective_dof),
        standard_uncertainty=format_compact(
            point.standard_uncertainty.quantize(Decimal(1).scaleb(point.standard_uncertainty.adjusted() - 2)),
            decimal_separator=sign,
        ),
        mpe=None if rep.mpe is None else "±" + num(rep.mpe),
        verdict=None if point.verdict is None else point.verdict.text(language),
        decision_rule=None if point.decision_rule is None else point.decision_rule.describe(language),
        coverage=point.coverage_text(language),
        unit=point.unit,
        hysteresis=None
        if point.hysteresis is None
        else num(round_to(point.hysteresis, rep.expanded_uncertainty)),
        interval_method=point.interval_method.text(language),
        no_statement_reason=None
        if point.no_statement_reason is None
        else point.no_statement_reason.text(language),
        probability_of_false_acceptance=_pfa(point, language),
        flags=_flags(point, language),
    )


#: Above this k the point's ν_eff is called small (issue 16: k ≤ 3 unless explained).
SMALL_DOF_K = Decimal("2.5")


def note_text(note: str, language: str) -> str:
    """A stored note of a point (English, as the bench wrote it) in the reader's language.

    >>> note_text("inputs[0] 'I': Type A from 3 readings ... (JCGM 101:2008 6.4.9.4) ...", "vi")[:30]
    'đánh giá loại A từ ít hơn 4 số'
    >>> note_text("inputs[0] 'P': t distribution with ν = 2 degrees of freedom, no finite variance for ν ≤ 2; "
    ...           "Monte Carlo is refused (JCGM 101:2008 6.4.9.4) ...", "en")[:33]
    'an input has ν ≤ 2 degrees of fre'
    """
    vi = decimal_sign(language) == ","
    if "6.4.9.4" in note and "no finite variance" in note:
        return (
            "một đại lượng đầu vào có ν ≤ 2 bậc tự do: phân bố t của nó không có phương sai hữu hạn, Monte Carlo "
            "không dùng được; U theo định luật lan truyền với k từ ν_eff (JCGM 101:2008 6.4.9.4)"
            if vi
            else "an input has ν ≤ 2 degrees of freedom: its t distribution has no finite variance, so Monte Carlo "
            "cannot use it; U by the law of propagation with k from ν_eff (JCGM 101:2008 6.4.9.4)"
        )
    if "6.4.9.4" in note:
        return (
            "đánh giá loại A từ ít hơn 4 số đọc và không có độ lệch chuẩn gộp: không kiểm tra được bằng Monte Carlo "
            "(JCGM 101:2008 6.4.9.4)"
            if vi
            else "Type A from fewer than 4 readings without a pooled standard deviation: Monte Carlo cannot check "
            "it (JCGM 101:2008 6.4.9.4)"
        )
    if "ISO 386" in note:
        return (
            "số chỉ đã được hiệu chính phần cột chất lỏng nhô ra khỏi bể (ISO 386)"
            if vi
            else "the indication is corrected for the emergent stem (ISO 386)"
        )
    if "not validated" in note or "not applicable" in note:
        return IntervalMethod.MCM.text(language)
    if note.startswith("ν_eff"):
        return (
            "ν_eff nhỏ nên k lớn: thành phần loại A có ít bậc tự do"
            if vi
            else "ν_eff is small, hence the large k: a Type A input has few degrees of freedom"
        )
    return note


def _flags(point: PointResult, language: str) -> tuple[str, ...]:
    """The stored notes in the reader's language (:func:`note_text`), except the Monte Carlo one, which the
    interval method already says; a small ν_eff is named even on a point stored without its note."""
    vi = decimal_sign(language) == ","
    out = [
        note_text(n, language) for n in point.notes if "not validated" not in n and "not applicable" not in n
    ]
    if (
        point.effective_dof is not None
        and point.coverage_factor > SMALL_DOF_K
        and not any(n.startswith("ν_eff") for n in point.notes)
    ):
        nu = dof_text(point.effective_dof)
        out.append(
            f"ν_eff = {nu} nhỏ nên k lớn: thành phần loại A có ít bậc tự do"
            if vi
            else f"ν_eff = {nu} is small, hence the large k: a Type A input has few degrees of freedom"
        )
    return tuple(dict.fromkeys(out))


def _pfa(point: PointResult, language: str) -> str | None:
    """The probability of false acceptance of an accepted point, in percent to two significant digits."""
    pfa = point.probability_of_false_acceptance
    if pfa is None:
        return None
    percent = format_compact(
        (pfa * 100).quantize(Decimal(1).scaleb(min((pfa * 100).adjusted() - 1, -1))) if pfa else Decimal(0),
        decimal_separator=decimal_sign(language),
    )
    vi = decimal_sign(language) == ","
    return f"xác suất chấp nhận sai {percent} %" if vi else f"probability of false acceptance {percent} %"


def point_json(point: PointResult, index: int) -> dict[str, Any]:
    """The machine-readable point of ``lims jobs show --json`` and the API: decimal strings with a point.

    Each number has exactly the digits the certificate prints (no digit-group separator).
    """
    rep = point.reported()
    return {
        "index": index,
        "quantity": point.quantity,
        "unit": point.unit,
        "reference": decimal_text(rep.reference_value),
        "indication": decimal_text(rep.indication),
        "error": decimal_text(rep.error),
        "expanded_uncertainty": decimal_text(rep.expanded_uncertainty),
        "coverage_factor": coverage_factor_text(point.coverage_factor, decimal_separator="."),
        "dof_eff": None if point.effective_dof is None else dof_text(point.effective_dof),
        "coverage_probability": format_compact(point.coverage_probability, decimal_separator="."),
        "mpe": None if rep.mpe is None else decimal_text(rep.mpe),
        "decision_rule": None if point.decision_rule is None else point.decision_rule.kind.value,
        "verdict": None if point.verdict is None else point.verdict.value,
        "interval_method": point.interval_method.value,
        "hysteresis": None
        if point.hysteresis is None
        else decimal_text(round_to(point.hysteresis, rep.expanded_uncertainty)),
        "no_statement_reason": None if point.no_statement_reason is None else point.no_statement_reason.value,
        "probability_of_false_acceptance": None
        if point.probability_of_false_acceptance is None
        else decimal_text(point.probability_of_false_acceptance),
        "notes": list(point.notes),
    }

"""The metrology vocabulary shared by ``lims`` and the certificate renderers (stdlib only; no lims, Flask,
SQLAlchemy or reportlab; nothing else from :mod:`certificates`).

One implementation each of: the decision rule and verdict (ILAC-G8:09/2019, JCGM 106:2012), the reported
value (JCGM 100:2008 7.2.6, ILAC-P14:09/2020 6.3), the coverage statement (EA-4/02 M:2022 section 5), the
point result and its versioned stored form, and the display of a point in a language.
"""

from certificates.metrology.coverage import CoverageDistribution, coverage_statement, distribution_for
from certificates.metrology.decision import (
    Decision,
    DecisionRule,
    NoAcceptanceInterval,
    NoStatementReason,
    RuleKind,
    Specification,
    Verdict,
    decide,
    judge,
    probability_of_conformance,
    rule_from_dict,
    statement,
)
from certificates.metrology.errors import MetrologyError
from certificates.metrology.numbers import decimal_of, decimal_sign, format_compact, format_decimal
from certificates.metrology.point import Deviation, IndicationKind, IntervalMethod, PointResult, ReportedPoint
from certificates.metrology.rounding import ReportedValue, round_result, round_to, round_uncertainty

__all__ = [
    "CoverageDistribution",
    "Decision",
    "DecisionRule",
    "Deviation",
    "IndicationKind",
    "IntervalMethod",
    "MetrologyError",
    "NoAcceptanceInterval",
    "NoStatementReason",
    "PointResult",
    "ReportedPoint",
    "ReportedValue",
    "RuleKind",
    "Specification",
    "Verdict",
    "coverage_statement",
    "decide",
    "decimal_of",
    "decimal_sign",
    "distribution_for",
    "format_compact",
    "format_decimal",
    "judge",
    "probability_of_conformance",
    "round_result",
    "round_to",
    "round_uncertainty",
    "rule_from_dict",
    "statement",
]

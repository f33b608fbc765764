"""Uncertainty engine: GUM law of propagation, Monte Carlo (GUM Supplement 1), units, reporting.

The API the rest of the application calls::

    spec = parse_budget(json.load(f))                   # the format of docs/budget-format.md
    result = evaluate_budget(spec, method="both", trials=10**6, seed=1)
    result_to_dict(result)                              # the JSON of `lims budget evaluate`

Conformity on its own is :func:`certificates.metrology.decide`; the reported value is
:func:`certificates.metrology.round_result` (the one GUM 7.2.6 rounding).
"""

from lims.domain.uncertainty.budget import (
    BudgetSpec,
    Correlation,
    FunctionModel,
    InputQuantity,
)
from lims.domain.uncertainty.distributions import Arcsine, Normal, Rectangular, StudentT, Triangular, TypeA
from lims.domain.uncertainty.errors import (
    BudgetFormatError,
    CorrelationError,
    DimensionError,
    ModelSyntaxError,
    MonteCarloError,
    NonFiniteResultError,
    UncertaintyError,
    UnknownQuantityError,
)
from lims.domain.uncertainty.evaluation import BudgetResult, Method, evaluate_budget
from lims.domain.uncertainty.expression import parse_expression
from lims.domain.uncertainty.io import parse_budget, result_to_dict
from lims.domain.uncertainty.montecarlo import MonteCarloResult, Validation, monte_carlo, monte_carlo_adaptive
from lims.domain.uncertainty.propagation import (
    PropagationResult,
    coverage_factor,
    propagate,
    welch_satterthwaite,
)

__all__ = [
    "Arcsine",
    "BudgetFormatError",
    "BudgetResult",
    "BudgetSpec",
    "Correlation",
    "CorrelationError",
    "DimensionError",
    "FunctionModel",
    "InputQuantity",
    "Method",
    "ModelSyntaxError",
    "MonteCarloError",
    "MonteCarloResult",
    "NonFiniteResultError",
    "Normal",
    "PropagationResult",
    "Rectangular",
    "StudentT",
    "Triangular",
    "TypeA",
    "UncertaintyError",
    "UnknownQuantityError",
    "Validation",
    "coverage_factor",
    "evaluate_budget",
    "monte_carlo",
    "monte_carlo_adaptive",
    "parse_budget",
    "parse_expression",
    "propagate",
    "result_to_dict",
    "welch_satterthwaite",
]

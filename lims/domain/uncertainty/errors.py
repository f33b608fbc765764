"""Errors of the uncertainty engine.

Every error names the field of the budget at fault (``inputs[2].distribution.half_width``) so that the
command line, a web form or a job can point the user at the value to correct.
"""

from __future__ import annotations

from lims.domain.errors import DomainError


class UncertaintyError(DomainError, ValueError):
    """Root of the engine's errors: the budget cannot be evaluated as given.

    >>> str(UncertaintyError("must be a finite number >= 0", field="inputs[2].distribution.half_width"))
    'inputs[2].distribution.half_width: must be a finite number >= 0'
    """

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        self.field = field
        self.detail = detail
        super().__init__(f"{field}: {detail}" if field else detail)


class BudgetFormatError(UncertaintyError):
    """A value of the budget is missing, of the wrong type or outside its allowed range."""


class ModelSyntaxError(UncertaintyError):
    """The measurement model uses syntax outside the allowed arithmetic (never evaluated)."""


class UnknownQuantityError(UncertaintyError):
    """The model or a correlation refers to a quantity that no input defines."""

    def __init__(self, name: str, *, field: str | None = None) -> None:
        self.name = name
        super().__init__(f"unknown quantity {name!r}", field=field)


class CorrelationError(UncertaintyError):
    """Correlation coefficients outside [-1, 1] or a matrix that is not positive semi-definite."""


class NonFiniteResultError(UncertaintyError, ArithmeticError):
    """The model evaluates to a non-finite value (division by zero, log of a negative number, overflow)."""


class DimensionError(UncertaintyError):
    """The model is dimensionally inconsistent, or a unit label is not understood."""


class MonteCarloError(UncertaintyError):
    """The Monte Carlo method cannot be run with the requested settings."""


class PropagationNotApplicable(UncertaintyError):
    """Every first-order sensitivity coefficient is zero at the estimates: the law of propagation would give
    u_c = 0, which is not the uncertainty (JCGM 100:2008 5.1.2 Note; JCGM 101:2008 5.8)."""

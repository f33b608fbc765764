"""The uncertainty budget as a value object: model, input quantities, correlations, coverage settings.

A :class:`BudgetSpec` is checked when it is built, so that every later step (propagation, Monte Carlo,
units, decision) can trust it. Errors name the field as in the JSON format (``inputs[1].name``).
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from certificates.metrology.decision import DecisionRule, Specification
from lims.domain.uncertainty.distributions import Distribution, check_number
from lims.domain.uncertainty.errors import BudgetFormatError, CorrelationError, UnknownQuantityError
from lims.domain.uncertainty.expression import RESERVED_NAMES, Expression, Functions, parse_expression

DEFAULT_COVERAGE_PROBABILITY = 0.9545


class Model(Protocol):
    """A measurement model Y = f(X_1, …, X_N) (JCGM 100 4.1.1)."""

    @property
    def source(self) -> str: ...

    @property
    def names(self) -> tuple[str, ...]: ...

    def evaluate(self, values: Mapping[str, Any], functions: Functions) -> Any: ...


@dataclass(frozen=True, slots=True)
class FunctionModel:
    """A model written in Python: ``function(math, **inputs)``.

    ``math`` is a namespace with ``sqrt exp log log10 sin cos tan asin acos atan`` suited to the arithmetic
    in use (``uncertainties.umath`` for the sensitivity coefficients, nested dual numbers for second-order
    terms, numpy for Monte Carlo); the function must use those and the operators only, so that the same code
    serves every method.

    >>> model = FunctionModel(lambda m, a, b: a * m.sqrt(b), names=("a", "b"))
    >>> model.evaluate({"a": 2.0, "b": 9.0}, {"sqrt": math.sqrt})
    6.0
    """

    function: Callable[..., Any]
    names: tuple[str, ...]
    source: str = "<python function>"

    def evaluate(self, values: Mapping[str, Any], functions: Functions) -> Any:
        return self.function(types.SimpleNamespace(**functions), **{n: values[n] for n in self.names})


@dataclass(frozen=True, slots=True)
class InputQuantity:
    """An input quantity X_i with its estimate x_i, unit label and distribution.

    :ivar value: estimate x_i; ``None`` only for a Type A input, whose estimate is the mean of its readings.
    :ivar dof: degrees of freedom ν_i for Welch–Satterthwaite; ``None`` uses the distribution's own
        (n − 1 for Type A, infinite otherwise).
    """

    name: str
    distribution: Distribution
    value: float | None = None
    unit: str | None = None
    dof: float | None = None

    @property
    def estimate(self) -> float:
        own = self.distribution.estimate
        if own is not None:
            return own
        assert self.value is not None
        return self.value

    @property
    def standard_uncertainty(self) -> float:
        return self.distribution.standard_uncertainty

    @property
    def degrees_of_freedom(self) -> float:
        return self.distribution.degrees_of_freedom if self.dof is None else self.dof


@dataclass(frozen=True, slots=True)
class Correlation:
    """Correlation coefficient r(x_i, x_j) between two inputs (JCGM 100 5.2.2)."""

    first: str
    second: str
    r: float


@dataclass(frozen=True, slots=True)
class BudgetSpec:
    """A complete, checked uncertainty budget."""

    model: Model
    inputs: tuple[InputQuantity, ...]
    measurand_name: str = "Y"
    measurand_unit: str | None = None
    correlations: tuple[Correlation, ...] = ()
    coverage_probability: float = DEFAULT_COVERAGE_PROBABILITY
    coverage_factor: float | None = None
    specification: Specification | None = None
    decision_rule: DecisionRule | None = None  # ILAC-G8 4.2, the one engine of certificates.metrology
    _index: Mapping[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, int] = {}
        for i, quantity in enumerate(self.inputs):
            _check_input(quantity, i, index)
            index[quantity.name] = i
        object.__setattr__(self, "_index", index)
        if not self.inputs:
            raise BudgetFormatError("must list at least one input quantity", field="inputs")
        for name in self.model.names:
            if name not in index:
                raise UnknownQuantityError(name, field="model")
        p = check_number(self.coverage_probability, "coverage_probability", minimum=0, strict=True)
        if p >= 1:
            raise BudgetFormatError("must be a number in (0, 1)", field="coverage_probability")
        if self.coverage_factor is not None:
            check_number(self.coverage_factor, "coverage_factor", minimum=0, strict=True)
        self.correlation_matrix()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(q.name for q in self.inputs)

    def correlation_matrix(self) -> NDArray[np.float64]:
        """Correlation matrix R of the inputs, checked to be positive semi-definite (JCGM 101 6.4.8.2).

        >>> from lims.domain.uncertainty.distributions import Normal
        >>> spec = BudgetSpec(parse_expression("a + b"), (InputQuantity("a", Normal(1.0), 0.0),
        ...     InputQuantity("b", Normal(1.0), 0.0)), correlations=(Correlation("a", "b", 0.5),))
        >>> spec.correlation_matrix().tolist()
        [[1.0, 0.5], [0.5, 1.0]]
        """
        size = len(self.inputs)
        matrix = np.eye(size)
        seen: set[frozenset[str]] = set()
        for k, corr in enumerate(self.correlations):
            where = f"correlations[{k}]"
            for part, name in (("between[0]", corr.first), ("between[1]", corr.second)):
                if name not in self._index:
                    raise UnknownQuantityError(name, field=f"{where}.{part}")
            if corr.first == corr.second:
                raise CorrelationError("an input cannot be correlated with itself", field=f"{where}.between")
            pair = frozenset((corr.first, corr.second))
            if pair in seen:
                raise CorrelationError("this pair is given twice", field=f"{where}.between")
            seen.add(pair)
            r = check_number(corr.r, f"{where}.r")
            if not -1.0 <= r <= 1.0:
                raise CorrelationError("must be within [-1, 1]", field=f"{where}.r")
            i, j = self._index[corr.first], self._index[corr.second]
            matrix[i, j] = matrix[j, i] = r
        if self.correlations:
            smallest = float(np.linalg.eigvalsh(matrix)[0])
            if smallest < -1e-10:
                raise CorrelationError(
                    "the correlation matrix is not positive semi-definite "
                    f"(smallest eigenvalue {smallest:.3g})",
                    field="correlations",
                )
        return matrix


def _check_input(quantity: InputQuantity, i: int, seen: Mapping[str, int]) -> None:
    where = f"inputs[{i}]"
    name = quantity.name
    if not isinstance(name, str) or not name.isidentifier():
        raise BudgetFormatError("must be an identifier (letters, digits, underscores)", field=f"{where}.name")
    if name in RESERVED_NAMES:
        raise BudgetFormatError(f"{name!r} is reserved for a function or constant", field=f"{where}.name")
    if name in seen:
        raise BudgetFormatError(
            f"{name!r} is defined twice (first at inputs[{seen[name]}])", field=f"{where}.name"
        )
    if quantity.distribution.estimate is not None:
        if quantity.value is not None:
            raise BudgetFormatError(
                "must be left out for type_a: the estimate is the mean of the readings",
                field=f"{where}.value",
            )
    elif quantity.value is None:
        raise BudgetFormatError("is required", field=f"{where}.value")
    else:
        check_number(quantity.value, f"{where}.value")
    if quantity.dof is not None and quantity.dof != math.inf:
        check_number(quantity.dof, f"{where}.dof", minimum=0, strict=True)
    if quantity.unit is not None and not isinstance(quantity.unit, str):
        raise BudgetFormatError("must be a string", field=f"{where}.unit")


def parse_model(source: str) -> Expression:
    """Parse a model text (see :mod:`lims.domain.uncertainty.expression`)."""
    return parse_expression(source, field_name="model")

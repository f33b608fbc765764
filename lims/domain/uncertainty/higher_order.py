"""Second-order terms of the law of propagation (JCGM 100:2008 5.1.2, Note).

When the model is significantly non-linear and the inputs are independent and symmetrically distributed,
JCGM 100 5.1.2 Note adds to u_c²(y)

    Σ_i Σ_j [½ (∂²f/∂x_i∂x_j)² + (∂f/∂x_i)(∂³f/∂x_i∂x_j²)] u²(x_i) u²(x_j).

The mixed derivatives up to third order are exact: the model is evaluated with nested dual numbers
(a dual number whose parts are themselves dual numbers), one evaluation per pair (i, j).

Why this module keeps its own arithmetic while the first-order coefficients come from the ``uncertainties``
package (:mod:`~lims.domain.uncertainty.sensitivity`): a number of ``uncertainties`` is a value and a linear
part only (its documentation calls it "linear error propagation theory"), so no second or third derivative
can be read from it, and its ``umath`` functions only know their first derivative. Numerical differentiation
of its first derivatives would bring back the step-size problem that exact derivatives avoid.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Union

from lims.domain.uncertainty.budget import BudgetSpec
from lims.domain.uncertainty.errors import BudgetFormatError, NonFiniteResultError

Number = Union[float, "Nested"]


class Nested:
    """a + b·ε with ε² = 0, where a and b may themselves be :class:`Nested` (hyper-dual by nesting).

    >>> x = Nested(Nested(3.0, 1.0), Nested(1.0, 0.0))   # x + ε1 + ε2
    >>> y = x * x * x
    >>> y.b.b                                            # ∂²(x³)/∂x² = 6x
    18.0
    """

    __slots__ = ("a", "b")

    def __init__(self, a: Number, b: Number) -> None:
        self.a = a
        self.b = b

    def __add__(self, other: Number) -> Nested:
        if isinstance(other, Nested):
            return Nested(self.a + other.a, self.b + other.b)
        return Nested(self.a + other, self.b)

    __radd__ = __add__

    def __sub__(self, other: Number) -> Nested:
        if isinstance(other, Nested):
            return Nested(self.a - other.a, self.b - other.b)
        return Nested(self.a - other, self.b)

    def __rsub__(self, other: Number) -> Nested:
        return Nested(other - self.a, -self.b)

    def __mul__(self, other: Number) -> Nested:
        if isinstance(other, Nested):
            return Nested(self.a * other.a, self.a * other.b + self.b * other.a)
        return Nested(self.a * other, self.b * other)

    __rmul__ = __mul__

    def __truediv__(self, other: Number) -> Nested:
        if isinstance(other, Nested):
            return self * _reciprocal(other)
        return Nested(self.a / other, self.b / other)

    def __rtruediv__(self, other: Number) -> Nested:
        return _reciprocal(self) * other

    def __pow__(self, other: Number) -> Nested:
        if isinstance(other, Nested):
            result: Nested = _exp(other * _log(self))
            return result
        if other == 0:
            return Nested(1.0, 0.0 * self.b)
        return Nested(self.a**other, other * self.a ** (other - 1) * self.b)

    def __rpow__(self, other: float) -> Nested:
        result: Nested = _exp(self * math.log(other))
        return result

    def __neg__(self) -> Nested:
        return Nested(-self.a, -self.b)

    def __pos__(self) -> Nested:
        return self


def _reciprocal(x: Nested) -> Nested:
    inverse = 1.0 / x.a
    return Nested(inverse, -x.b * inverse * inverse)


def _chain(function: Callable[[Any], Any], derivative: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def lifted(x: Any) -> Any:
        if isinstance(x, Nested):
            return Nested(lifted(x.a), derivative(x.a) * x.b)
        return function(x)

    return lifted


def _exp(x: Any) -> Any:
    return Nested(_exp(x.a), _exp(x.a) * x.b) if isinstance(x, Nested) else math.exp(x)


def _log(x: Any) -> Any:
    return Nested(_log(x.a), x.b / x.a) if isinstance(x, Nested) else math.log(x)


def _sqrt(x: Any) -> Any:
    return Nested(_sqrt(x.a), 0.5 / _sqrt(x.a) * x.b) if isinstance(x, Nested) else math.sqrt(x)


def _sin(x: Any) -> Any:
    return Nested(_sin(x.a), _cos(x.a) * x.b) if isinstance(x, Nested) else math.sin(x)


def _cos(x: Any) -> Any:
    return Nested(_cos(x.a), -_sin(x.a) * x.b) if isinstance(x, Nested) else math.cos(x)


NESTED_FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "sqrt": _sqrt,
    "exp": _exp,
    "log": _log,
    "log10": _chain(math.log10, lambda a: 1.0 / (a * math.log(10.0))),
    "sin": _sin,
    "cos": _cos,
    "tan": _chain(math.tan, lambda a: 1.0 / (_cos(a) * _cos(a))),
    "asin": _chain(math.asin, lambda a: 1.0 / _sqrt(1.0 - a * a)),
    "acos": _chain(math.acos, lambda a: -1.0 / _sqrt(1.0 - a * a)),
    "atan": _chain(math.atan, lambda a: 1.0 / (1.0 + a * a)),
}


def _seed(value: float, first: bool, second: bool, third: bool) -> Nested:
    """x + [first]·ε1 + [second]·ε2 + [third]·ε3 as three nested levels (ε3 innermost)."""

    def level3(v: float, d: float) -> Nested:
        return Nested(v, d)

    inner_value = Nested(level3(value, float(third)), level3(float(second), 0.0))
    inner_slope = Nested(level3(float(first), 0.0), level3(0.0, 0.0))
    return Nested(inner_value, inner_slope)


def second_order_variance(spec: BudgetSpec) -> float:
    """The higher-order terms of JCGM 100 5.1.2 Note, in the measurand's unit squared.

    >>> from lims.domain.uncertainty.io import parse_budget
    >>> spec = parse_budget({"model": "a * b", "inputs": [
    ...     {"name": "a", "value": 0, "distribution": {"kind": "normal", "u": 2}},
    ...     {"name": "b", "value": 0, "distribution": {"kind": "normal", "u": 3}}]})
    >>> second_order_variance(spec)                      # u²(a)·u²(b) for y = a·b at (0, 0)
    36.0
    """
    if spec.correlations and any(c.r != 0 for c in spec.correlations):
        raise BudgetFormatError(
            "second-order terms need uncorrelated inputs (JCGM 100 5.1.2 Note)", field="correlations"
        )
    inputs = spec.inputs
    variances = [q.standard_uncertainty**2 for q in inputs]
    active = [i for i, v in enumerate(variances) if v > 0]
    total = 0.0
    for i in active:
        for j in active:
            # ε1 along x_i, ε2 and ε3 along x_j: the ε1·ε2 part is ∂²f/∂x_i∂x_j, the ε1·ε2·ε3 part
            # ∂³f/∂x_i∂x_j².
            values = {q.name: _seed(q.estimate, k == i, k == j, k == j) for k, q in enumerate(inputs)}
            try:
                y = spec.model.evaluate(values, NESTED_FUNCTIONS)
            except (ZeroDivisionError, OverflowError, ValueError, TypeError) as exc:
                raise NonFiniteResultError(
                    f"its higher derivatives cannot be evaluated ({exc})", field="model"
                ) from None
            if not isinstance(y, Nested):
                continue
            first = _part(y, 1, 0, 0)
            mixed = _part(y, 1, 1, 0)
            third = _part(y, 1, 1, 1)
            total += (0.5 * mixed * mixed + first * third) * variances[i] * variances[j]
    if not math.isfinite(total):
        raise NonFiniteResultError("its second-order terms are not finite", field="model")
    return total


def _part(y: Nested, *takes: int) -> float:
    """Coefficient of ε1^t1·ε2^t2·ε3^t3 (ε1 outermost); parts that collapsed to floats have no ε terms."""
    node: Any = y
    for take in takes:
        if isinstance(node, Nested):
            node = node.b if take else node.a
        elif take:
            return 0.0
    return float(node)

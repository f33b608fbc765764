"""Forward-mode automatic differentiation for the law of propagation of uncertainty.

The sensitivity coefficients c_i = ∂f/∂x_i of JCGM 100:2008 5.1.3 are computed exactly (to rounding) by
carrying the gradient with respect to every input through the model, instead of by finite differences whose
step would have to follow the scale of each input.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Union

import numpy as np
from numpy.typing import NDArray

Scalar = Union[float, "Dual"]


class Dual:
    """A value with its gradient with respect to the model's inputs.

    >>> x = Dual.variable(3.0, 0, 2)
    >>> y = Dual.variable(2.0, 1, 2)
    >>> z = x * y + x ** 2
    >>> z.value, z.gradient.tolist()
    (15.0, [8.0, 3.0])
    """

    __slots__ = ("gradient", "value")

    def __init__(self, value: float, gradient: NDArray[np.float64]) -> None:
        self.value = value
        self.gradient = gradient

    @classmethod
    def variable(cls, value: float, index: int, size: int) -> Dual:
        """The ``index``-th of ``size`` independent inputs: its gradient is a unit vector."""
        gradient = np.zeros(size)
        gradient[index] = 1.0
        return cls(float(value), gradient)

    def __repr__(self) -> str:
        return f"Dual({self.value!r}, {self.gradient.tolist()!r})"

    def __add__(self, other: Scalar) -> Dual:
        if isinstance(other, Dual):
            return Dual(self.value + other.value, self.gradient + other.gradient)
        return Dual(self.value + other, self.gradient)

    __radd__ = __add__

    def __sub__(self, other: Scalar) -> Dual:
        if isinstance(other, Dual):
            return Dual(self.value - other.value, self.gradient - other.gradient)
        return Dual(self.value - other, self.gradient)

    def __rsub__(self, other: float) -> Dual:
        return Dual(other - self.value, -self.gradient)

    def __mul__(self, other: Scalar) -> Dual:
        if isinstance(other, Dual):
            return Dual(self.value * other.value, self.gradient * other.value + other.gradient * self.value)
        return Dual(self.value * other, self.gradient * other)

    __rmul__ = __mul__

    def __truediv__(self, other: Scalar) -> Dual:
        if isinstance(other, Dual):
            quotient = self.value / other.value
            return Dual(quotient, (self.gradient - other.gradient * quotient) / other.value)
        return Dual(self.value / other, self.gradient / other)

    def __rtruediv__(self, other: float) -> Dual:
        quotient = other / self.value
        return Dual(quotient, self.gradient * (-quotient / self.value))

    def __pow__(self, other: Scalar) -> Dual:
        if isinstance(other, Dual):
            value = self.value**other.value
            if isinstance(value, complex):
                raise ValueError("negative base raised to a non-integer power")
            gradient = self.gradient * (other.value * self.value ** (other.value - 1))
            if other.gradient.any():
                gradient = gradient + other.gradient * (value * math.log(self.value))
            return Dual(value, gradient)
        value = self.value**other
        if isinstance(value, complex):
            raise ValueError("negative base raised to a non-integer power")
        if other == 0:
            return Dual(1.0, np.zeros_like(self.gradient))
        return Dual(value, self.gradient * (other * self.value ** (other - 1)))

    def __rpow__(self, other: float) -> Dual:
        value = other**self.value
        if isinstance(value, complex):
            raise ValueError("negative base raised to a non-integer power")
        return Dual(value, self.gradient * (value * math.log(other)))

    def __neg__(self) -> Dual:
        return Dual(-self.value, -self.gradient)

    def __pos__(self) -> Dual:
        return self


def _lift(
    function: Callable[[float], float], derivative: Callable[[float], float]
) -> Callable[[Scalar], Scalar]:
    def lifted(x: Scalar) -> Scalar:
        if isinstance(x, Dual):
            return Dual(function(x.value), x.gradient * derivative(x.value))
        return function(x)

    lifted.__name__ = function.__name__
    return lifted


def _dsqrt(x: float) -> float:
    return 0.5 / math.sqrt(x)


#: Functions allowed in a model, acting on floats and on :class:`Dual` numbers (JCGM 100 5.1.3 needs ∂f/∂x_i).
FUNCTIONS: dict[str, Callable[[Scalar], Scalar]] = {
    "sqrt": _lift(math.sqrt, _dsqrt),
    "exp": _lift(math.exp, math.exp),
    "log": _lift(math.log, lambda x: 1.0 / x),
    "log10": _lift(math.log10, lambda x: 1.0 / (x * math.log(10.0))),
    "sin": _lift(math.sin, math.cos),
    "cos": _lift(math.cos, lambda x: -math.sin(x)),
    "tan": _lift(math.tan, lambda x: 1.0 / math.cos(x) ** 2),
    "asin": _lift(math.asin, lambda x: 1.0 / math.sqrt(1.0 - x * x)),
    "acos": _lift(math.acos, lambda x: -1.0 / math.sqrt(1.0 - x * x)),
    "atan": _lift(math.atan, lambda x: 1.0 / (1.0 + x * x)),
}

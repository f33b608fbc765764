"""First-order sensitivity coefficients c_i = ∂f/∂x_i at the input estimates (JCGM 100:2008 5.1.3), taken
from the `uncertainties <https://uncertainties.readthedocs.io>`_ package.

The model is evaluated once with one :class:`uncertainties.core.Variable` per input quantity, tagged with the
input's name, and the functions of :data:`UMATH_FUNCTIONS` (``uncertainties.umath``, which carry the analytic
derivative of each function). ``uncertainties`` propagates the linear part of every operation, so the result's
``derivatives`` mapping holds the exact partial derivative (to rounding) with respect to each input, with no
finite-difference step to choose.

The inputs are given to ``uncertainties`` as independent variables on purpose: c_i is the derivative with
respect to X_i itself, whatever the correlations. Correlations (JCGM 100 5.2.2, equation (16)) enter u_c²(y)
in :func:`~lims.domain.uncertainty.propagation.propagate` through the correlation matrix; building the inputs
with ``uncertainties.correlated_values_norm`` instead would give derivatives with respect to hidden
independent variables, not the c_i of the budget table.

``uncertainties`` is a first-order (linear) method only: its numbers hold a value and a linear part, never a
second derivative. The higher-order terms of JCGM 100 5.1.2 Note therefore keep their own nested dual numbers
in :mod:`~lims.domain.uncertainty.higher_order`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from uncertainties import umath
from uncertainties.core import AffineScalarFunc, Variable

from lims.domain.uncertainty.budget import Model
from lims.domain.uncertainty.errors import NonFiniteResultError
from lims.domain.uncertainty.expression import FUNCTION_NAMES

#: The functions a model may call, from ``uncertainties.umath``: on plain floats they are the ``math``
#: functions, on numbers of ``uncertainties`` they also carry the derivative (JCGM 100 5.1.3 needs ∂f/∂x_i).
UMATH_FUNCTIONS: Mapping[str, Callable[[Any], Any]] = {name: getattr(umath, name) for name in FUNCTION_NAMES}


@dataclass(frozen=True, slots=True)
class Linearisation:
    """The model at the input estimates: y = f(x_1, …, x_N) and c_i = ∂f/∂x_i there (JCGM 100 5.1.3).

    :ivar value: y, in the measurand's unit.
    :ivar sensitivity_coefficients: c_i in the order of the inputs, in unit of y per unit of x_i; 0 for an
        input the model does not depend on.
    """

    value: float
    sensitivity_coefficients: tuple[float, ...]


def linearise(model: Model, names: Sequence[str], estimates: Sequence[float]) -> Linearisation:
    """Evaluate ``model`` at ``estimates`` and its first partial derivatives there (JCGM 100 5.1.3).

    Arithmetic failures (division by zero, overflow, a domain error such as ``log`` of a negative number)
    raise :class:`~lims.domain.uncertainty.errors.NonFiniteResultError` naming the model. A derivative that
    does not exist where the value does (√x at x = 0) comes back as NaN, which the caller refuses.

    JCGM 100 H.2, R = V/I·cos φ at V = 4.999 V, I = 19.661 mA, φ = 1.04446 rad (R = 127.732 Ω, Table H.3):
    ∂R/∂V = cos φ / I, ∂R/∂I = −V cos φ / I² = −R/I, ∂R/∂φ = −V sin φ / I = −X (X = 219.847 Ω, Table H.3).

    >>> from lims.domain.uncertainty.expression import parse_expression
    >>> r = linearise(parse_expression("V / I * cos(phi)"), ("V", "I", "phi"), (4.999, 19.661e-3, 1.04446))
    >>> round(r.value, 3), [round(c, 3) for c in r.sensitivity_coefficients]
    (127.732, [25.552, -6496.728, -219.847])
    """
    # The standard deviation given to uncertainties is irrelevant to a derivative, and the budget combines
    # the u(x_i) itself (with correlations), so every variable is exact (0) and tagged with its input's name.
    variables = [Variable(x, 0.0, name) for name, x in zip(names, estimates, strict=True)]
    y = evaluate_model(model, dict(zip(names, variables, strict=True)), UMATH_FUNCTIONS)
    if not isinstance(y, AffineScalarFunc):
        # The model does not depend on any input (a constant): every derivative is zero.
        return Linearisation(float(y), (0.0,) * len(variables))
    # One expansion of the linear part gives every ∂f/∂x_i; an input the result does not depend on is absent.
    derivative = y.derivatives.get
    return Linearisation(float(y.nominal_value), tuple([float(derivative(v, 0.0)) for v in variables]))


def evaluate_model(model: Model, values: Mapping[str, Any], functions: Mapping[str, Any]) -> Any:
    """Evaluate ``model``, turning arithmetic failures into :class:`NonFiniteResultError`.

    >>> from lims.domain.uncertainty.expression import parse_expression
    >>> evaluate_model(parse_expression("a / b"), {"a": 1.0, "b": 0.0}, UMATH_FUNCTIONS)
    Traceback (most recent call last):
    ...
    lims.domain.uncertainty.errors.NonFiniteResultError: model: evaluates to a non-finite value (division \
by zero)
    """
    try:
        return model.evaluate(values, functions)
    except ZeroDivisionError:
        raise NonFiniteResultError(
            "evaluates to a non-finite value (division by zero)", field="model"
        ) from None
    except OverflowError:
        raise NonFiniteResultError("evaluates to a non-finite value (overflow)", field="model") from None
    except ValueError as exc:
        raise NonFiniteResultError(f"evaluates to a non-finite value ({exc})", field="model") from None

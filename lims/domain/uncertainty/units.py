"""Dimensional check of a model with pint, and the measurand's unit.

The model is walked node by node with pint quantities at the input estimates, so an inconsistency is
reported with the offending term. Beyond dimensions, the numbers of the budget are used as given, so terms
that are added must be in the *same* unit (mm and nm are both lengths but cannot be added as plain numbers),
angles given to trigonometric functions must be in radians, and the model's unit must be the measurand's.
A bare number added to a quantity takes that quantity's unit (``t - 20`` with t in °C). Celsius labels are
read as temperature differences, as they appear in budgets (deviations from 20 °C, coefficients per °C).
"""

from __future__ import annotations

import ast
import functools
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from lims.domain.uncertainty.budget import BudgetSpec
from lims.domain.uncertainty.errors import DimensionError
from lims.domain.uncertainty.expression import CONSTANTS, Expression

_CELSIUS = re.compile(r"°C|℃|\bdegC\b|\bdegree_Celsius\b|\bcelsius\b")
_ANGLE_FUNCTIONS = {"sin", "cos", "tan"}
MAX_UNIT_CHARS = 100
_NUMPY = {
    "sqrt": np.sqrt,
    "exp": np.exp,
    "log": np.log,
    "log10": np.log10,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "asin": np.arcsin,
    "acos": np.arccos,
    "atan": np.arctan,
}


@functools.lru_cache(maxsize=1)
def registry() -> Any:
    """The pint unit registry (built once: it takes a fraction of a second)."""
    import pint

    return pint.UnitRegistry()


def parse_unit(label: str, field: str) -> Any:
    """Parse a unit label; ``"1"`` or ``""`` is dimensionless.

    >>> str(parse_unit("1/°C", "inputs[0].unit"))
    '1 / delta_degree_Celsius'
    >>> parse_unit("furlongs per fortnightx", "inputs[0].unit")
    Traceback (most recent call last):
    ...
    lims.domain.uncertainty.errors.DimensionError: inputs[0].unit: unknown unit 'furlongs per fortnightx'
    """
    if len(label) > MAX_UNIT_CHARS:
        raise DimensionError(f"longer than {MAX_UNIT_CHARS} characters", field=field)
    ureg = registry()
    text = _CELSIUS.sub("delta_degC", label.strip())
    if text in ("", "1"):
        return ureg.dimensionless
    try:
        return ureg.parse_units(text)
    except Exception:  # pint raises several unrelated types for bad labels
        raise DimensionError(f"unknown unit {label!r}", field=field) from None


@dataclass(frozen=True, slots=True)
class _Term:
    quantity: Any
    literal: bool


def _same_scale(a: Any, b: Any) -> bool:
    ureg = registry()
    try:
        factor = float(ureg.Quantity(1.0, a).to(b).magnitude)
    except Exception:
        return False
    return math.isclose(factor, 1.0, rel_tol=1e-9)


def _unit_text(unit: Any) -> str:
    text = f"{unit:~}"
    return text or "1"


class _Walker:
    def __init__(self, spec: BudgetSpec, units: dict[str, Any]) -> None:
        ureg = registry()
        self.values = {q.name: ureg.Quantity(q.estimate, units[q.name]) for q in spec.inputs}
        self.ureg = ureg

    def walk(self, node: ast.AST) -> _Term:
        ureg = self.ureg
        if isinstance(node, ast.Constant):
            number = node.value
            assert isinstance(number, int | float)  # guaranteed by parse_expression
            return _Term(ureg.Quantity(float(number), ureg.dimensionless), True)
        if isinstance(node, ast.Name):
            if node.id in CONSTANTS:
                return _Term(ureg.Quantity(CONSTANTS[node.id], ureg.dimensionless), True)
            return _Term(self.values[node.id], False)
        if isinstance(node, ast.UnaryOp):
            inner = self.walk(node.operand)
            return _Term(-inner.quantity if isinstance(node.op, ast.USub) else inner.quantity, inner.literal)
        if isinstance(node, ast.BinOp):
            return self._binary(node)
        if isinstance(node, ast.Call):
            return self._call(node)
        # Unreachable for a parsed Expression, whose syntax is already restricted.
        raise DimensionError(f"cannot check {ast.unparse(node)!r}", field="model")

    def _binary(self, node: ast.BinOp) -> _Term:
        left, right = self.walk(node.left), self.walk(node.right)
        a, b = left.quantity, right.quantity
        with np.errstate(all="ignore"):
            if isinstance(node.op, ast.Add | ast.Sub):
                if left.literal and not right.literal:
                    a = self.ureg.Quantity(a.magnitude, b.units)
                elif right.literal and not left.literal:
                    b = self.ureg.Quantity(b.magnitude, a.units)
                elif not _same_scale(a.units, b.units):
                    sign = "+" if isinstance(node.op, ast.Add) else "-"
                    raise DimensionError(
                        f"cannot compute {ast.unparse(node.left)!r} {sign} {ast.unparse(node.right)!r}: "
                        f"units {_unit_text(a.units)} and {_unit_text(b.units)} differ "
                        "(express both terms in one unit)",
                        field="model",
                    )
                b = self.ureg.Quantity(b.magnitude, a.units)
                result = a + b if isinstance(node.op, ast.Add) else a - b
            elif isinstance(node.op, ast.Mult):
                result = a * b
            elif isinstance(node.op, ast.Div):
                quotient = np.float64(a.magnitude) / np.float64(b.magnitude)
                result = self.ureg.Quantity(quotient, a.units / b.units)
            else:
                if not b.dimensionless:
                    raise DimensionError(
                        f"the exponent {ast.unparse(node.right)!r} must be dimensionless, "
                        f"it is in {_unit_text(b.units)}",
                        field="model",
                    )
                exponent = float(b.to(self.ureg.dimensionless).magnitude)
                if not math.isfinite(exponent):
                    raise DimensionError(
                        f"the exponent {ast.unparse(node.right)!r} is not finite", field="model"
                    )
                result = self.ureg.Quantity(np.abs(np.float64(a.magnitude)) ** exponent, a.units**exponent)
        return _Term(result, left.literal and right.literal)

    def _call(self, node: ast.Call) -> _Term:
        assert isinstance(node.func, ast.Name)
        name = node.func.id
        argument = self.walk(node.args[0])
        q = argument.quantity
        if name == "sqrt":
            root = np.sqrt(np.abs(np.float64(q.magnitude)))
            return _Term(self.ureg.Quantity(root, q.units**0.5), argument.literal)
        allowed = [self.ureg.dimensionless]
        if name in _ANGLE_FUNCTIONS:
            allowed.append(self.ureg.radian)
        if not any(_same_scale(q.units, unit) for unit in allowed):
            need = "a dimensionless number"
            if name in _ANGLE_FUNCTIONS:
                need = "an angle in rad or a dimensionless number"
            raise DimensionError(
                f"{name}() needs {need}; {ast.unparse(node.args[0])!r} is in {_unit_text(q.units)}",
                field="model",
            )
        out_unit = self.ureg.radian if name in ("asin", "acos", "atan") else self.ureg.dimensionless
        return _Term(self.ureg.Quantity(1.0, out_unit), argument.literal)


def check_units(spec: BudgetSpec) -> str | None:
    """Check the model's dimensions and return the measurand's unit label (``None`` when no units are given).

    >>> from lims.domain.uncertainty.io import parse_budget
    >>> def budget(model, unit_b):
    ...     return parse_budget({"model": model, "measurand": {"unit": "g"}, "inputs": [
    ...         {"name": "a", "value": 1, "unit": "g", "distribution": {"kind": "normal", "u": 1}},
    ...         {"name": "b", "value": 1, "unit": unit_b, "distribution": {"kind": "normal", "u": 1}}]})
    >>> check_units(budget("a + b", "gram"))
    'g'
    >>> check_units(budget("a + b", "m"))
    Traceback (most recent call last):
    ...
    lims.domain.uncertainty.errors.DimensionError: model: cannot compute 'a' + 'b': units g and m differ \
(express both terms in one unit)
    """
    given = [q.unit is not None and q.unit.strip() != "" for q in spec.inputs]
    if not any(given):
        return spec.measurand_unit
    for i, has_unit in enumerate(given):
        if not has_unit:
            raise DimensionError(
                'is required when other inputs carry units (use "1" for a dimensionless quantity)',
                field=f"inputs[{i}].unit",
            )
    units = {q.name: parse_unit(q.unit or "", f"inputs[{i}].unit") for i, q in enumerate(spec.inputs)}
    if not isinstance(spec.model, Expression):
        return spec.measurand_unit
    result = _Walker(spec, units).walk(spec.model.tree.body).quantity
    if spec.measurand_unit is None:
        return _unit_text(result.units)
    expected = parse_unit(spec.measurand_unit, "measurand.unit")
    if not _same_scale(result.units, expected):
        raise DimensionError(
            f"the model gives {_unit_text(result.units)}, not {spec.measurand_unit}", field="measurand.unit"
        )
    return spec.measurand_unit

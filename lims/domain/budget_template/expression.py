"""The model expression of a budget template: only + − × ÷ **, numbers and the allowed functions."""

from __future__ import annotations

import ast

from lims.domain.budget_template.records import BudgetError

#: Functions and constants a model expression may use (shared with the uncertainty engine).
MODEL_FUNCTIONS = frozenset({"sqrt", "exp", "log", "log10", "sin", "cos", "tan", "asin", "acos", "atan"})
MODEL_CONSTANTS = frozenset({"pi"})
_ALLOWED_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.UAdd, ast.USub)


def model_names(expression: str, where: str = "budget.model") -> set[str]:
    """Input names used by a model, after checking it uses only + − × ÷ **, numbers and allowed functions.

    >>> sorted(model_names("I + dI_digL - dI_dig0 - m_ref"))
    ['I', 'dI_dig0', 'dI_digL', 'm_ref']
    >>> model_names("__import__('os')")
    Traceback (most recent call last):
    ...
    lims.domain.budget_template.records.BudgetError: budget.model: function '__import__' is not allowed
    """
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as exc:
        raise BudgetError(f"{where}: {expression!r} is not a valid expression ({exc.msg})") from None
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in MODEL_FUNCTIONS:
                shown = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
                raise BudgetError(f"{where}: function {shown!r} is not allowed")
            if node.keywords or len(node.args) != 1:
                raise BudgetError(f"{where}: {node.func.id}() takes exactly one argument")
        elif isinstance(node, ast.Name):
            if node.id not in MODEL_FUNCTIONS and node.id not in MODEL_CONSTANTS:
                names.add(node.id)
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise BudgetError(f"{where}: constant {node.value!r} is not a number")
        elif isinstance(node, ast.BinOp | ast.UnaryOp):
            if not isinstance(node.op, _ALLOWED_OPS):
                raise BudgetError(f"{where}: operator {type(node.op).__name__} is not allowed")
        elif not isinstance(node, ast.Expression | ast.Load | ast.operator | ast.unaryop):
            raise BudgetError(f"{where}: {type(node).__name__} is not allowed in a model")
    return names

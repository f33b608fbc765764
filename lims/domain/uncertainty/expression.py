"""Measurement models written as text, parsed safely with :mod:`ast` and a whitelist (never ``eval``).

A model is an arithmetic expression over named input quantities (JCGM 100:2008 4.1.1, Y = f(X_1, …, X_N)):
``+ - * / **``, parentheses, numbers, the constant ``pi`` and the functions ``sqrt exp log log10 sin cos
tan asin acos atan``. The parsed model is compiled once into a tree of closures that is evaluated with
whatever arithmetic the caller supplies: numbers of the ``uncertainties`` package for the sensitivity
coefficients of the law of propagation (:mod:`~lims.domain.uncertainty.sensitivity`), nested dual numbers for
its second-order terms, numpy arrays for Monte Carlo (JCGM 101:2008 7.5), pint quantities for the dimensional
check.
"""

from __future__ import annotations

import ast
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lims.domain.uncertainty.errors import ModelSyntaxError

#: Names of the functions a model may call.
FUNCTION_NAMES: frozenset[str] = frozenset(
    {"sqrt", "exp", "log", "log10", "sin", "cos", "tan", "asin", "acos", "atan"}
)
#: Names with a fixed value.
CONSTANTS: Mapping[str, float] = {"pi": math.pi}
#: Reserved words that can never name an input quantity.
RESERVED_NAMES: frozenset[str] = FUNCTION_NAMES | frozenset(CONSTANTS)

MAX_MODEL_CHARS = 10_000

Functions = Mapping[str, Callable[[Any], Any]]
Compiled = Callable[[Mapping[str, Any], Functions], Any]

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: lambda a: -a,
    ast.UAdd: lambda a: +a,
}
_DESCRIPTION: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access",
    ast.Lambda: "lambda",
    ast.Subscript: "subscript",
    ast.Compare: "comparison",
    ast.BoolOp: "boolean operator",
    ast.IfExp: "conditional expression",
    ast.NamedExpr: "assignment expression",
    ast.ListComp: "comprehension",
    ast.GeneratorExp: "comprehension",
    ast.List: "list",
    ast.Tuple: "tuple",
    ast.Dict: "dict",
    ast.Set: "set",
    ast.JoinedStr: "string",
    ast.Starred: "starred expression",
    ast.Await: "await",
}


@dataclass(frozen=True, slots=True)
class Expression:
    """A parsed measurement model.

    :ivar source: the text as given.
    :ivar names: input quantities the model refers to, in order of first appearance.

    >>> model = parse_expression("m_S + dm * sqrt(k)")
    >>> model.names
    ('m_S', 'dm', 'k')
    >>> model.evaluate({"m_S": 1.0, "dm": 2.0, "k": 4.0}, {"sqrt": math.sqrt})
    5.0
    """

    source: str
    names: tuple[str, ...]
    tree: ast.Expression = field(repr=False, compare=False)
    _compiled: Compiled = field(repr=False, compare=False)

    def evaluate(self, values: Mapping[str, Any], functions: Functions) -> Any:
        """Evaluate with ``values`` for the inputs and ``functions`` for the allowed function names."""
        return self._compiled(values, functions)


def parse_expression(source: str, *, field_name: str = "model") -> Expression:
    """Parse and check a model; raise :class:`ModelSyntaxError` naming ``field_name`` if it is not allowed.

    >>> parse_expression("__import__('os').system('true')")
    Traceback (most recent call last):
    ...
    lims.domain.uncertainty.errors.ModelSyntaxError: model: forbidden syntax: attribute access \
"__import__('os').system"
    >>> parse_expression("a + * b")
    Traceback (most recent call last):
    ...
    lims.domain.uncertainty.errors.ModelSyntaxError: model: invalid syntax at column 5
    """
    if not isinstance(source, str) or not source.strip():
        raise ModelSyntaxError("must be a non-empty expression", field=field_name)
    if len(source) > MAX_MODEL_CHARS:
        raise ModelSyntaxError(f"longer than {MAX_MODEL_CHARS} characters", field=field_name)
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        where = f" at column {exc.offset}" if exc.offset else ""
        raise ModelSyntaxError(f"invalid syntax{where}", field=field_name) from None
    except (RecursionError, MemoryError):
        raise ModelSyntaxError("nested too deeply", field=field_name) from None
    names: list[str] = []
    try:
        compiled = _compile(tree.body, names, field_name)
    except RecursionError:
        raise ModelSyntaxError("nested too deeply", field=field_name) from None
    return Expression(source=source, names=tuple(names), tree=tree, _compiled=compiled)


def _forbidden(node: ast.AST, field_name: str) -> ModelSyntaxError:
    kind = _DESCRIPTION.get(type(node), type(node).__name__)
    text = json.dumps(ast.unparse(node), ensure_ascii=False)
    return ModelSyntaxError(f"forbidden syntax: {kind} {text}", field=field_name)


def _compile(node: ast.AST, names: list[str], field_name: str) -> Compiled:
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        op = _BINARY[type(node.op)]
        left = _compile(node.left, names, field_name)
        right = _compile(node.right, names, field_name)
        return lambda env, fns: op(left(env, fns), right(env, fns))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        unary = _UNARY[type(node.op)]
        operand = _compile(node.operand, names, field_name)
        return lambda env, fns: unary(operand(env, fns))
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ModelSyntaxError(f"forbidden constant {ast.unparse(node)}", field=field_name)
        # Integer constants become floats so that "9**9**9" overflows instead of building a huge integer.
        number = float(value)
        return lambda env, fns: number
    if isinstance(node, ast.Name):
        name = node.id
        if name in CONSTANTS:
            constant = CONSTANTS[name]
            return lambda env, fns: constant
        if name in FUNCTION_NAMES:
            raise ModelSyntaxError(f"function {name!r} used without an argument", field=field_name)
        if name not in names:
            names.append(name)
        return lambda env, fns: env[name]
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            raise _forbidden(node.func, field_name)
        function_name = node.func.id
        if function_name not in FUNCTION_NAMES:
            allowed = " ".join(sorted(FUNCTION_NAMES))
            raise ModelSyntaxError(
                f"call to {function_name!r} is not allowed (allowed: {allowed})", field=field_name
            )
        if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
            raise ModelSyntaxError(f"{function_name}() takes exactly one argument", field=field_name)
        argument = _compile(node.args[0], names, field_name)
        return lambda env, fns: fns[function_name](argument(env, fns))
    raise _forbidden(node, field_name)

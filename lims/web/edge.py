"""Input normalisation at the edge: what no view should ever have to think about (issue 21, finding 3).

* Control characters (NUL and the other C0/C1 controls) in the path, the query or a form field are refused
  with a 400 and a message in the user's language before any view runs; form fields may hold tab and line
  breaks (text areas). The database cannot store NUL (PostgreSQL rejects it in text) and no field needs one.
* Integer route converters are bounded to the database's key range: ``<int:…>`` beyond 2³¹ − 1 is a 404,
  never an overflow in the database driver.
* JSON bodies are limited in nesting depth: ``[`` × 100 000 used to raise RecursionError (a 500).
"""

from __future__ import annotations

import builtins
import json
import unicodedata
from collections.abc import Iterable
from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter, Map, ValidationError

MAX_DATABASE_ID = 2**31 - 1  # INTEGER keys on PostgreSQL and SQLite's rowids in use
MAX_JSON_DEPTH = 32
FORM_WHITESPACE = frozenset("\t\n\r")


class BoundedInt(IntegerConverter):
    """``<int:…>`` that never yields a number the database's INTEGER key cannot hold (404 beyond)."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        upper = MAX_DATABASE_ID if max is None else builtins.min(max, MAX_DATABASE_ID)
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=upper, signed=signed)

    def to_python(self, value: str) -> Any:
        if len(value) > len(str(MAX_DATABASE_ID)) + 1:  # also spares int() a 10 000-digit string
            raise ValidationError()
        return super().to_python(value)


def has_control(text: str, *, allowed: frozenset[str] = frozenset()) -> bool:
    """True when ``text`` holds a control character (Unicode category Cc) other than ``allowed``.

    >>> has_control("Cân\\x00"), has_control("a\\r\\nb", allowed=FORM_WHITESPACE), has_control("Đ")
    (True, False, False)
    """
    return any(unicodedata.category(c) == "Cc" and c not in allowed for c in text)


def _offending_parameter() -> str | None:
    """The name of the first path segment, query parameter or form field holding a control character."""
    if has_control(request.path):
        return "path"
    pairs: Iterable[tuple[str, str]] = request.args.items(multi=True)
    for name, value in pairs:
        if has_control(name) or has_control(value):
            return name
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in request.form.items(multi=True):
            if has_control(name) or has_control(value, allowed=FORM_WHITESPACE):
                return name
        for name, upload in request.files.items(multi=True):
            if has_control(name) or has_control(upload.filename or ""):
                return name
    return None


def _refuse_control_characters() -> ResponseReturnValue | None:
    where = _offending_parameter()
    if where is None:
        return None
    if request.path.startswith("/api/"):
        from lims.web.api.framework import error_response

        return error_response(
            400,
            code="invalid_characters",
            message="Text may not contain NUL or other control characters.",
            details={"parameter": where},
        )
    from lims.web.errors import error_page

    return error_page(400, _("The request contains a control character (such as NUL) that is not allowed."))


def json_depth(value: Any) -> int:
    """Nesting depth of a parsed JSON value, without recursion.

    >>> json_depth(1), json_depth([]), json_depth({"a": [1, {"b": 2}]})
    (0, 1, 3)
    """
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
            deepest = max(deepest, depth + 1)
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
            deepest = max(deepest, depth + 1)
    return deepest


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing documents nested deeper than :data:`MAX_JSON_DEPTH` as malformed
    (``request.get_json`` then answers 400 like any other invalid body)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            value = json.loads(s, **kwargs)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        if json_depth(value) > MAX_JSON_DEPTH:
            raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        return value


def install_converters(app: Flask) -> None:
    """Before any blueprint is registered: every ``<int:…>`` rule is built with :class:`BoundedInt`."""
    app.url_map.converters["int"] = BoundedInt
    app.json = BoundedJSONProvider(app)


def init_edge(app: Flask) -> None:
    install_converters(app)
    app.before_request(_refuse_control_characters)

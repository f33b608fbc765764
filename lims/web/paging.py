"""Reading keyset-pagination parameters from the query string."""

from __future__ import annotations

from flask import request


def after_arg() -> int | None:
    raw = request.args.get("after", "")
    return int(raw) if raw.isdigit() else None

"""Showing the application's errors in the user's language."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext

from lims.errors import LimsError
from lims.web.templating import SOURCE_LABELS, datetime_filter


def _readable(name: str, value: Any) -> Any:
    if isinstance(value, date):
        return datetime_filter(value)
    if name == "state" and isinstance(value, str):
        # a job state's name ("issued" → "đã cấp giấy chứng nhận"); that module imports this one
        from lims.web.domain_messages import _state

        return _state(value)
    if name == "driver" and value in SOURCE_LABELS:
        return gettext(SOURCE_LABELS[value])
    return value


def readable_params(params: dict[str, Any]) -> dict[str, Any]:
    """A message's parameters for the page: dates and instants in the reader's language and the lab's zone,
    a job state by its name and a bench source driver by its label (never the stored value)."""
    return {name: _readable(name, v) for name, v in params.items()}


def error_text(exc: LimsError) -> str:
    """Translate the error's template, then fill in its parameters (domain errors have their own wording)."""
    from lims.web.domain_messages import localise

    localised = localise(exc)
    if localised is not None:
        return localised
    translated = gettext(exc.template)  # the catalogue holds the raw template with its %(name)s fields
    try:
        return translated % readable_params(exc.params) if exc.params else translated
    except (KeyError, TypeError, ValueError):
        return str(exc)

"""Showing the application's errors in the user's language."""

from __future__ import annotations

from flask_babel import gettext

from lims.errors import LimsError


def error_text(exc: LimsError) -> str:
    """Translate the error's template, then fill in its parameters."""
    translated = gettext(exc.template)  # the catalogue holds the raw template with its %(name)s fields
    try:
        return translated % exc.params if exc.params else translated
    except (KeyError, TypeError, ValueError):
        return str(exc)

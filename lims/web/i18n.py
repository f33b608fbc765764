"""Showing the application's errors in the user's language."""

from __future__ import annotations

from flask_babel import gettext

from lims.errors import LimsError


def error_text(exc: LimsError) -> str:
    """Translate the error's template, then fill in its parameters (domain errors have their own wording)."""
    from lims.web.domain_messages import localise

    localised = localise(exc)
    if localised is not None:
        return localised
    translated = gettext(exc.template)  # the catalogue holds the raw template with its %(name)s fields
    try:
        return translated % exc.params if exc.params else translated
    except (KeyError, TypeError, ValueError):
        return str(exc)

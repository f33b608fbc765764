"""Form helpers shared by the blueprints."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from lims.errors import LimsError
from lims.web.i18n import error_text


def flash_error(exc: LimsError) -> None:
    flash(error_text(exc), "error")


def form_error(form: FlaskForm, exc: LimsError, field: str | None = None) -> None:
    """Attach a service error to a field (or to the form) so the page shows it beside the input."""
    message = error_text(exc)
    target = getattr(form, field, None) if field else None
    if target is not None:
        target.errors = [*target.errors, message]
    else:
        form.form_errors.append(message)

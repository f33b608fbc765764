"""Form helpers shared by the blueprints."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from flask import flash, redirect
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from lims.errors import LimsError
from lims.web.dbsession import db_session
from lims.web.i18n import error_text

T = TypeVar("T")


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


def save_form(
    form: FlaskForm,
    action: Callable[[Session], T],
    *,
    success: str,
    then: Callable[[T], str],
    fields: Mapping[type[LimsError], str] | None = None,
) -> ResponseReturnValue | None:
    """The POST of a form page: validate the form, call the service, commit, flash ``success``, redirect.

    ``action`` receives the request's session and does the work; ``then`` turns its result into the URL to
    go to. When the form does not validate, or the service raises a :class:`LimsError`, the session is rolled
    back (nothing half-saved), the error is attached to the field that ``fields`` names for its class (the
    first that matches) or to the form, and ``None`` is returned: the view renders the form again.
    """
    if not form.validate_on_submit():
        return None
    db = db_session()
    try:
        result = action(db)
    except LimsError as exc:
        db.rollback()
        field = next((name for kind, name in (fields or {}).items() if isinstance(exc, kind)), None)
        form_error(form, exc, field)
        return None
    db.commit()
    flash(success, "success")
    return redirect(then(result))

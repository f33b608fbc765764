"""How a view calls a service that changes data: the one place that commits, rolls back and reports.

Two shapes of page share it (:func:`call_service` is their common core):

- a form page (:func:`save_form`): a refusal is shown beside the field and the page is rendered again;
- an action button (:func:`run_action`): a refusal is flashed and the browser is sent back.

Either way a :class:`~lims.errors.LimsError` rolls the request's session back (nothing half-saved) and is
shown in the user's language; only a success is committed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlsplit

from flask import abort, flash, redirect
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from lims.errors import LimsError, NotFound
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


def flash_refusal(exc: LimsError) -> None:
    """A refusal of an action button: 404 for a record that does not exist (or that the user may not know
    exists), else the error flashed in the user's language."""
    if isinstance(exc, NotFound):
        abort(404)
    flash_error(exc)


@dataclass(frozen=True, slots=True)
class Done(Generic[T]):
    """A service call that succeeded and was committed, with what the service returned."""

    result: T


def call_service(action: Callable[[Session], T], *, refused: Callable[[LimsError], None]) -> Done[T] | None:
    """Call ``action`` with the request's session and commit; on a :class:`LimsError` roll back, hand the
    error to ``refused`` (which may abort) and return ``None``."""
    db = db_session()
    try:
        result = action(db)
    except LimsError as exc:
        db.rollback()
        refused(exc)
        return None
    db.commit()
    return Done(result)


def _flash_success(success: str | Callable[[T], str | Sequence[str]], result: T) -> None:
    messages = success(result) if callable(success) else success
    for message in [messages] if isinstance(messages, str) else messages:
        flash(message, "success")


def save_form(
    form: FlaskForm,
    action: Callable[[Session], T],
    *,
    success: str | Callable[[T], str],
    then: Callable[[T], str],
    fields: Mapping[type[LimsError], str] | None = None,
) -> ResponseReturnValue | None:
    """The POST of a form page: validate the form, call the service, commit, flash ``success``, redirect.

    ``action`` receives the request's session and does the work; ``then`` turns its result into the URL to
    go to (``success`` may be worded from it too). When the form does not validate, or the service raises a
    :class:`LimsError`, the session is rolled back (nothing half-saved), the error is attached to the field
    that ``fields`` names for its class (the first that matches) or to the form, and ``None`` is returned:
    the view renders the form again.
    """
    if not form.validate_on_submit():
        return None

    def refused(exc: LimsError) -> None:
        field = next((name for kind, name in (fields or {}).items() if isinstance(exc, kind)), None)
        form_error(form, exc, field)

    done = call_service(action, refused=refused)
    if done is None:
        return None
    _flash_success(success, done.result)
    return redirect(then(done.result))


def run_action(
    action: Callable[[Session], T],
    *,
    success: str | Callable[[T], str | Sequence[str]],
    then: str | Callable[[T], str],
    refused: str | None = None,
) -> ResponseReturnValue:
    """The POST of an action button (no form page of its own): call the service, commit, flash ``success``
    and redirect to ``then`` (a URL, or the URL made from the service's result).

    A refusal is rolled back and flashed (:func:`flash_refusal`: 404 for :class:`NotFound`) and the browser
    goes to ``refused``, by default the same URL as ``then``.
    """
    back = refused if refused is not None else then
    if not isinstance(back, str):
        raise TypeError("run_action needs a refused URL when then depends on the result")
    done = call_service(action, refused=flash_refusal)
    if done is None:
        return redirect(back)
    _flash_success(success, done.result)
    return redirect(then(done.result) if callable(then) else then)


def local_target(target: str | None, default: str) -> str:
    """``target`` when it is a path on this site, else ``default``: a redirect taken from a form or a query
    string never leaves the site (no open redirect through ``//host`` or ``https://host``)."""
    if target and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return default

"""In-app notifications: the bell in the header, the list, and marking as read (POST with CSRF)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.routing import BuildError

from lims.errors import NotFound
from lims.models import Notification, User
from lims.services.common import notifications
from lims.web.access import AUTHENTICATED, allow
from lims.web.dbsession import db_session
from lims.web.paging import after_arg
from lims.web.templating import date_filter

bp = Blueprint("notifications", __name__, url_prefix="/notifications")
BELL_WINDOW = 500  # the bell counts unread ones among the newest 500 of each kind of recipient


def _user() -> User:
    user: User = current_user._get_current_object()  # type: ignore[attr-defined]
    return user


def notification_text(n: Notification) -> str:
    """The message in the reader's language: the msgid translated, then its parameters filled in."""
    params: dict[str, Any] = {name: _shown(value) for name, value in (n.params or {}).items()}
    for name in n.translated_params or ():
        if isinstance(params.get(name), str):
            params[name] = gettext(params[name])
    translated = gettext(n.msgid)
    try:
        return translated % params if params else translated
    except (KeyError, TypeError, ValueError):
        return n.msgid % params if params else n.msgid


def _shown(value: Any) -> Any:
    """A stored parameter for the page: a tagged calendar date (notifications.stored_param) in the reader's
    language; older rows hold the date as Vietnamese-style text and show it as it is."""
    if isinstance(value, dict) and set(value) == {"date"}:
        try:
            return date_filter(date.fromisoformat(str(value["date"])))
        except ValueError:
            return str(value["date"])
    return value


def notification_link(n: Notification) -> str | None:
    if not n.link_endpoint:
        return None
    try:
        return url_for(n.link_endpoint, **(n.link_args or {}))
    except BuildError:
        return None


@bp.app_context_processor
def _bell() -> dict[str, Any]:
    def unread() -> int:
        if not current_user or not current_user.is_authenticated:
            return 0
        try:
            return notifications.unread_count(db_session(), _user(), recent=BELL_WINDOW)
        except SQLAlchemyError:  # an error page after a failed transaction must still render
            current_app.logger.warning("notification count unavailable on %s", request.path)
            return 0

    return {"unread_notifications": unread}


@bp.get("/")
@allow(AUTHENTICATED)
def index() -> ResponseReturnValue:
    unread_only = request.args.get("unread") == "1"
    page = notifications.list_for(db_session(), _user(), unread_only=unread_only, after=after_arg())
    return render_template(
        "notifications/index.html",
        page=page,
        unread_only=unread_only,
        text=notification_text,
        link=notification_link,
    )


@bp.post("/<int:notification_id>/read")
@allow(AUTHENTICATED)
def read(notification_id: int) -> ResponseReturnValue:
    """Mark one notification as read; with ``open`` set, follow its link."""
    db = db_session()
    try:
        found = notifications.get_for(db, _user(), notification_id)
    except NotFound:
        abort(404)
    notifications.mark_read(db, _user(), [found.id])
    db.commit()
    target = notification_link(found) if request.form.get("open") else None
    return redirect(target or url_for("notifications.index"))


@bp.post("/read-all")
@allow(AUTHENTICATED)
def read_all() -> ResponseReturnValue:
    db = db_session()
    notifications.mark_all_read(db, _user())
    db.commit()
    return redirect(url_for("notifications.index"))

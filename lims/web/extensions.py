"""Flask-Login, Flask-WTF's CSRF protection and Flask-Babel, initialised in one place."""

from __future__ import annotations

from flask import Flask, request, session
from flask_babel import Babel, get_translations
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from lims.models import User
from lims.services.access import login_sessions
from lims.services.records.audit import Actor, set_actor
from lims.web.dbsession import db_session

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
SESSION_KEY = "sid"  # the login's id in Flask's signed cookie; its SHA-256 is in login_session


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    ident, _, tail = user_id.partition(":")
    if not ident.isdigit():
        return None
    db = db_session()
    user = db.get(User, int(ident))
    if user is None or not user.is_active or user.password_hash[-12:] != tail:
        return None
    if not login_sessions.is_live(db, user.id, session.get(SESSION_KEY)):
        return None  # logged out, password changed or account disabled since: the cookie is a dead copy
    set_actor(db, Actor(user.id, user.username))
    return user


def select_locale() -> str:
    """The user's language, kept in the session at login and on every switch.

    It must not load the user: translations are needed while Flask-Login is still loading it,
    and touching ``current_user`` there recurses.
    """
    languages = ("vi", "en")
    chosen = session.get("language")
    if chosen in languages:
        return str(chosen)
    if request.args.get("lang") in languages:
        return str(request.args["lang"])
    return "vi"


class FormMessages:
    """WTForms' own messages ("This field is required.", "Not a valid date value." …) from the application's
    catalogue: Flask-WTF looks them up in WTForms' catalogues, which have no Vietnamese, so a Vietnamese page
    showed them in English. Flask-WTF takes the translations a request carries as ``wtforms_translations``;
    the lookup is lazy, so the page's language is the one chosen by :func:`select_locale`."""

    def ugettext(self, string: str) -> str:
        return str(get_translations().ugettext(string))

    def ungettext(self, singular: str, plural: str, n: int) -> str:
        return str(get_translations().ungettext(singular, plural, n))


def _form_messages() -> None:
    request.wtforms_translations = FormMessages()  # type: ignore[attr-defined]


def init_extensions(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = ""
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="web/translations")
    app.before_request(_form_messages)

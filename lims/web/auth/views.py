"""Log in, log out, language and own password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from lims.errors import LimsError
from lims.services.access import accounts, login_sessions
from lims.web.access import AUTHENTICATED, PUBLIC, allow
from lims.web.auth.forms import LanguageForm, LoginForm, PasswordChangeForm
from lims.web.dbsession import db_session, set_request_actor
from lims.web.extensions import SESSION_KEY
from lims.web.forms import flash_error, form_error, local_target

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        db = db_session()
        try:
            user = accounts.authenticate(
                db, form.username.data or "", form.password.data or "", address=request.remote_addr or "?"
            )
        except (accounts.LoginFailed, accounts.LoginLocked) as exc:
            db.commit()  # the failed attempt counts towards the lock-out
            form_error(form, exc)
            return render_template("auth/login.html", form=form), 401 if isinstance(
                exc, accounts.LoginFailed
            ) else 429
        session.clear()
        session[SESSION_KEY] = login_sessions.start(db, user)
        db.commit()
        login_user(user)
        session["language"] = user.language
        return redirect(local_target(form.next.data, url_for("main.dashboard")))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@allow(AUTHENTICATED)
def logout() -> ResponseReturnValue:
    db = db_session()
    login_sessions.end(db, session.get(SESSION_KEY))
    db.commit()
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/language")
@allow(PUBLIC)
def language() -> ResponseReturnValue:
    form = LanguageForm()
    if form.validate_on_submit():
        session["language"] = form.language.data
        if current_user.is_authenticated:
            db = db_session()
            set_request_actor(current_user.id, current_user.username)
            current_user.language = form.language.data
            db.commit()
    return redirect(
        local_target(
            form.next.data or (request.referrer and urlsplit(request.referrer).path),
            url_for("main.dashboard"),
        )
    )


@bp.route("/account", methods=["GET", "POST"])
@allow(AUTHENTICATED)
def account() -> ResponseReturnValue:
    form = PasswordChangeForm()
    if form.validate_on_submit():
        db = db_session()
        try:
            accounts.change_password(db, current_user, form.current.data or "", form.new.data or "")
        except LimsError as exc:
            db.rollback()
            flash_error(exc)
        else:
            # change_password ended every session of the user, this one included: start a fresh one here.
            session[SESSION_KEY] = login_sessions.start(db, current_user)
            db.commit()
            login_user(current_user._get_current_object())  # the session id follows the new password
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form)

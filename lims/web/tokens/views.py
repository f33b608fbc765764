"""The user's own API tokens: list, create (the secret is shown once) and revoke (``/account/tokens``)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from lims.errors import LimsError, NotFound
from lims.services.access import api_tokens
from lims.web.access import AUTHENTICATED, allow
from lims.web.dbsession import db_session
from lims.web.forms import form_error
from lims.web.tokens.forms import LIFETIMES_DAYS, TokenForm

bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")


def _form() -> TokenForm:
    form = TokenForm()
    form.scopes.choices = [
        SelectChoice(str(s), _(api_tokens.SCOPE_LABELS[s])) for s in api_tokens.scopes_for(current_user.role)
    ]
    form.days.choices = [SelectChoice(str(d), _("%(days)s days", days=d)) for d in LIFETIMES_DAYS]
    if request.method == "GET":
        form.scopes.data = [str(api_tokens.Scope.READ)]
    return form


@bp.route("", methods=["GET", "POST"])
@allow(AUTHENTICATED)
def index() -> ResponseReturnValue:
    db = db_session()
    form = _form()
    created = None
    status = 200
    if form.validate_on_submit():
        try:
            created = api_tokens.create_token(
                db,
                current_user,
                api_tokens.NewToken(
                    form.name.data or "", int(form.days.data or 0), tuple(form.scopes.data or ())
                ),
            )
        except LimsError as exc:
            db.rollback()
            form_error(form, exc)
            status = 422
        else:
            db.commit()
            form = _form()
            form.name.data = ""
            status = 201
    elif request.method == "POST":
        status = 422
    return render_template(
        "tokens/index.html",
        form=form,
        created=created,
        tokens=api_tokens.tokens_of(db, current_user),
        now=datetime.now(UTC),
    ), status


@bp.post("/<int:token_id>/revoke")
@allow(AUTHENTICATED)
def revoke(token_id: int) -> ResponseReturnValue:
    db = db_session()
    try:
        api_tokens.revoke_token(db, current_user, token_id)
    except NotFound:
        db.rollback()
        return render_template("error.html", code=404, message=_("This page does not exist.")), 404
    db.commit()
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("tokens.index"))

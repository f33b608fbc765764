"""User administration."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from lims.models import Role
from lims.services.access import accounts
from lims.services.customers.enterprises import enterprise_names
from lims.web.access import allow
from lims.web.admin.forms import ROLE_LABELS, UserForm
from lims.web.dbsession import db_session, set_request_actor
from lims.web.forms import save_form
from lims.web.paging import after_arg

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@allow(Role.ADMIN)
def users() -> ResponseReturnValue:
    page = accounts.list_users(db_session(), after=after_arg(), size=50)
    return render_template("admin/users.html", page=page, role_labels=ROLE_LABELS)


@bp.route("/users/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def new_user() -> ResponseReturnValue:
    db = db_session()
    form = UserForm()
    form.enterprise_id.choices = [
        SelectChoice("0", "—"),
        *(SelectChoice(str(ident), name) for ident, name in enterprise_names(db)),
    ]
    done = save_form(
        form,
        lambda db: accounts.create_user(
            db,
            accounts.NewUser(
                username=form.username.data or "",
                full_name=form.full_name.data or "",
                role=Role(form.role.data),
                password=form.password.data or "",
                email=form.email.data or None,
                function_title=form.function_title.data or None,
                enterprise_id=form.enterprise_id.data or None,
                language=form.language.data or "vi",
                is_enterprise_admin=bool(form.is_enterprise_admin.data),
            ),
        ),
        success=_("User %(name)s created.", name=form.username.data),
        then=lambda _user: url_for("admin.users"),
        fields={accounts.WeakPassword: "password", accounts.DuplicateUser: "username"},
    )
    if done is not None:
        return done
    status = 422 if request.method == "POST" else 200
    return render_template("admin/user_form.html", form=form), status


@bp.get("/throttles")
@allow(Role.ADMIN)
def login_throttles() -> ResponseReturnValue:
    """Who is being slowed down at login, from where, until when (issue 21, finding 7)."""
    now = datetime.now(UTC)
    return render_template(
        "admin/login_throttles.html", throttles=accounts.throttles(db_session(), now=now), now=now
    )


@bp.post("/throttles/clear")
@allow(Role.ADMIN)
def clear_login_throttle() -> ResponseReturnValue:
    address = request.form.get("address", "").strip()
    if not address:
        flash(_("Choose the address whose failed logins are to be forgiven."), "error")
        return redirect(url_for("admin.login_throttles"))
    db = db_session()
    set_request_actor(current_user.id, current_user.username)
    accounts.clear_throttle(
        db, username=request.form.get("username") or None, address=address, by=current_user
    )
    db.commit()
    flash(_("The failed logins from %(address)s were forgiven.", address=address), "success")
    return redirect(url_for("admin.login_throttles"))

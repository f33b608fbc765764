"""User administration."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from wtforms import SelectChoice

from lims.models import Role
from lims.services.access import accounts
from lims.services.customers.enterprises import enterprise_names
from lims.web.access import allow
from lims.web.admin.forms import ROLE_LABELS, UserForm
from lims.web.dbsession import db_session
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

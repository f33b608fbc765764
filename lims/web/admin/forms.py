from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from lims.models import Role

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.TECHNICIAN: _l("Technician"),
    Role.REVIEWER: _l("Reviewer"),
    Role.SIGNATORY: _l("Authorised signatory"),
    Role.AUDITOR: _l("Auditor"),
    Role.CUSTOMER: _l("Customer"),
}


class UserForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=100)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=200)])
    function_title = StringField(_l("Function"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()])
    enterprise_id = SelectField(_l("Enterprise (customers only)"), coerce=int, validate_choice=False)
    language = SelectField(
        _l("Language"), choices=[SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")]
    )
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    is_enterprise_admin = BooleanField(_l("Enterprise administrator (customers only: may invite colleagues)"))

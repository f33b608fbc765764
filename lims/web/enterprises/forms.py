from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField
from wtforms.validators import DataRequired, Length, Optional


class EnterpriseForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    tax_code = StringField(
        _l("Tax code"),
        validators=[DataRequired(), Length(max=20)],
        description=_l("10 digits, or 10 digits, '-' and 3 digits for a branch"),
    )
    address = StringField(_l("Address"), validators=[DataRequired(), Length(max=500)])
    province = StringField(_l("Province or city"), validators=[Optional(), Length(max=200)])
    sector = StringField(_l("Sector"), validators=[Optional(), Length(max=200)])
    contact_name = StringField(_l("Contact person"), validators=[Optional(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)])

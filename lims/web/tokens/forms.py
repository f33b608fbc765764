from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

LIFETIMES_DAYS = (7, 30, 90, 180, 365)


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=100)],
        description=_l("What the token is for, e.g. the bench PC or the ERP connector."),
    )
    days = SelectField(
        _l("Expires after"),
        choices=[SelectChoice(str(d), str(d)) for d in LIFETIMES_DAYS],
        default="90",
        validators=[DataRequired()],
    )
    scopes = SelectMultipleField(
        _l("Scopes"),
        validators=[DataRequired()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )

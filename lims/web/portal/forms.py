from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional


class InstrumentForm(FlaskForm):
    """Texts only: numbers, dates and units are checked by the service, as for an imported row."""

    instrument_type = StringField(_l("Instrument type"), validators=[Length(max=100)])
    manufacturer = StringField(_l("Manufacturer"), validators=[Optional(), Length(max=100)])
    model = StringField(_l("Model"), validators=[Optional(), Length(max=100)])
    serial_number = StringField(_l("Serial number"), validators=[Length(max=100)])
    range_min = StringField(_l("Range minimum"), validators=[Optional(), Length(max=40)])
    range_max = StringField(_l("Range maximum"), validators=[Optional(), Length(max=40)])
    unit = StringField(
        _l("Unit"), validators=[Length(max=20)], description=_l("for example g, kg, °C, MPa, V")
    )
    resolution = StringField(_l("Resolution"), validators=[Optional(), Length(max=40)])
    accuracy_class = StringField(_l("Accuracy class"), validators=[Optional(), Length(max=50)])
    legally_controlled = BooleanField(_l("Subject to legal verification"))
    location = StringField(_l("Location"), validators=[Optional(), Length(max=200)])
    last_calibrated_on = StringField(
        _l("Last calibrated"), validators=[Optional(), Length(max=20)], description=_l("dd/mm/yyyy")
    )
    next_due_on = StringField(
        _l("Next due"), validators=[Optional(), Length(max=20)], description=_l("dd/mm/yyyy")
    )


class InviteForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=100)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=200)])
    function_title = StringField(_l("Function"), validators=[Optional(), Length(max=200)])
    language = SelectField(
        _l("Language"), choices=[SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")]
    )
    password = PasswordField(
        _l("Initial password"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    is_enterprise_admin = BooleanField(_l("May invite colleagues too"))

"""The customer's service-request form (the chosen instruments are check boxes read from the request)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from lims.web.templating import REQUESTED_RULE_LABELS


class RequestForm(FlaskForm):
    kind = SelectField(
        _l("Service"),
        choices=[
            SelectChoice("calibration", _l("Calibration")),
            SelectChoice("verification", _l("Verification")),
        ],
    )
    place = SelectField(
        _l("Where"), choices=[SelectChoice("lab", _l("At the lab")), SelectChoice("site", _l("On site"))]
    )
    preferred_on = DateField(_l("Preferred date"), validators=[Optional()])
    decision_rule = SelectField(
        _l("Decision rule"),
        choices=[SelectChoice(value, _l(label)) for value, label in REQUESTED_RULE_LABELS.items()],
    )
    conformity_statement = BooleanField(_l("Statement of conformity wanted"))
    conformity_specification = StringField(
        _l("Specification the statement is made against (e.g. EN 837-1 class 1.6)"),
        validators=[Optional(), Length(max=200)],
    )
    # The customer's recalibration interval: the certificate states it and the instrument's next due date
    # follows from it when the certificate is issued (verifications follow their legal period instead).
    recalibration_months = SelectField(
        _l("Recalibration interval"),
        choices=[SelectChoice("", _l("Not stated")), *(SelectChoice(str(m), str(m)) for m in (6, 12, 24, 36))],
        validators=[Optional()],
    )
    notes = TextAreaField(_l("Other requirements"), validators=[Optional(), Length(max=2000)])
    # an instrument added in the same request (all optional; filled in when the serial number is given)
    new_instrument_type = StringField(_l("Instrument type"), validators=[Optional(), Length(max=100)])
    new_manufacturer = StringField(_l("Manufacturer"), validators=[Optional(), Length(max=100)])
    new_model = StringField(_l("Model"), validators=[Optional(), Length(max=100)])
    new_serial_number = StringField(_l("Serial number"), validators=[Optional(), Length(max=100)])
    new_range_min = StringField(_l("Range minimum"), validators=[Optional(), Length(max=40)])
    new_range_max = StringField(_l("Range maximum"), validators=[Optional(), Length(max=40)])
    new_unit = StringField(_l("Unit"), validators=[Optional(), Length(max=20)])
    new_resolution = StringField(_l("Resolution"), validators=[Optional(), Length(max=40)])
    new_points = StringField(
        _l("Test points"), validators=[Optional(), Length(max=400)], description=_l("for example 0; 50; 100")
    )

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional


class DecisionForm(FlaskForm):
    # Rendered by hand as two radio buttons: 'approve' or 'reject'.
    outcome = HiddenField(_l("Decision"), validators=[DataRequired(), AnyOf(["approve", "reject"])])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class CsrfOnlyForm(FlaskForm):
    """Forms whose fields come from the programme file (contents, checklist): only CSRF is declared."""


class CourseForm(FlaskForm):
    topic = StringField(_l("Topic"), validators=[DataRequired(), Length(max=500)])
    organiser = StringField(_l("Organiser"), validators=[DataRequired(), Length(max=200)])
    location = StringField(_l("Location"), validators=[Optional(), Length(max=200)])
    starts_on = DateField(_l("Starts on"), validators=[DataRequired()])
    ends_on = DateField(_l("Ends on"), validators=[DataRequired()])


class ParticipantForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    national_id = StringField(_l("National ID number"), validators=[Optional(), Length(max=20)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)])
    email = StringField(_l("E-mail"), validators=[Optional(), Length(max=200)])
    organisation = StringField(_l("Organisation"), validators=[Optional(), Length(max=200)])

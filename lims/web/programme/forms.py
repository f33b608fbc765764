from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional


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


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Reason for withdrawal"), validators=[DataRequired(), Length(max=2000)])


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV or XLSX file"),
        validators=[FileRequired(), FileAllowed(["csv", "xlsx"], _l("Choose a CSV or XLSX file."))],
    )


class SupportForm(FlaskForm):
    tax_code = StringField(_l("Enterprise tax code"), validators=[DataRequired(), Length(max=20)])
    supported_on = DateField(_l("Supported on"), validators=[DataRequired()])
    # the plan's own support contents (``support_contents`` of the programme file), chosen by the page
    content = SelectMultipleField(_l("Support content"), validators=[DataRequired()])
    provided_by = StringField(
        _l("Provided by (another body)"),
        validators=[Optional(), Length(max=200)],
        description=_l("Leave empty when the lab or the Department gave the support."),
    )


class AssessmentForm(FlaskForm):
    lab_name = StringField(_l("Laboratory"), validators=[DataRequired(), Length(max=200)])
    lab_code = StringField(
        _l("Registration or accreditation number"), validators=[DataRequired(), Length(max=50)]
    )
    assessed_on = DateField(_l("Assessed on"), validators=[DataRequired()])
    result = SelectField(
        _l("Result"),
        choices=[
            SelectChoice("met", _l("Criteria met")),
            SelectChoice("partially_met", _l("Criteria partly met")),
            SelectChoice("not_met", _l("Criteria not met")),
        ],
        validators=[DataRequired()],
    )
    accredited = BooleanField(_l("Accredited at the assessment"))
    accreditation_number = StringField(_l("Accreditation number"), validators=[Optional(), Length(max=50)])
    assessor = StringField(_l("Assessor"), validators=[Optional(), Length(max=200)])


class CertificationForm(FlaskForm):
    organisation_name = StringField(_l("Organisation"), validators=[DataRequired(), Length(max=200)])
    organisation_code = StringField(
        _l("Tax code of the organisation"), validators=[DataRequired(), Length(max=50)]
    )
    standard = SelectField(
        _l("Standard"),
        choices=[SelectChoice("iso_iec_17025", "ISO/IEC 17025"), SelectChoice("iso_9001", "ISO 9001")],
        validators=[DataRequired()],
    )
    certificate_number = StringField(_l("Certificate number"), validators=[DataRequired(), Length(max=100)])
    issued_on = DateField(_l("Issued on"), validators=[DataRequired()])
    expires_on = DateField(_l("Expires on"), validators=[Optional()])
    certification_body = StringField(_l("Certification body"), validators=[Optional(), Length(max=200)])


class DemandForm(FlaskForm):
    name = StringField(_l("Instrument type"), validators=[DataRequired(), Length(max=200)])
    quantity = SelectField(_l("Field of measurement"), validators=[DataRequired()])
    annual_demand = IntegerField(_l("Instruments a year"), validators=[DataRequired(), NumberRange(min=1)])
    legal_basis = StringField(_l("Legal basis"), validators=[Optional(), Length(max=200)])
    procedure_code = StringField(
        _l("Lab procedure that covers the type"), validators=[Optional(), Length(max=50)]
    )
    covered_since = DateField(_l("Covered since"), validators=[Optional()])
    surveyed_on = DateField(_l("Survey date"), validators=[Optional()])
    survey_source = StringField(_l("Survey"), validators=[Optional(), Length(max=200)])


class DevelopmentForm(FlaskForm):
    code = StringField(
        _l("Standard or reference material"),
        validators=[DataRequired(), Length(max=50)],
        description=_l("The asset number of a standard or the code of a reference material in the register."),
    )
    developed_on = DateField(_l("Put into service on"), validators=[DataRequired()])
    funding = StringField(_l("Funding"), validators=[DataRequired(), Length(max=200)])
    funding_vnd = IntegerField(_l("Amount (đồng)"), validators=[Optional(), NumberRange(min=0)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])


class ProgressForm(FlaskForm):
    task_id = SelectField(_l("Task"), validators=[DataRequired()])
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    done = TextAreaField(_l("What was done"), validators=[DataRequired(), Length(max=10000)])
    files = MultipleFileField(_l("Evidence files"))


class BaselineForm(FlaskForm):
    phase_id = HiddenField(validators=[DataRequired()])
    indicator = HiddenField(validators=[DataRequired()])
    value = StringField(_l("Figure of the previous phase"), validators=[DataRequired(), Length(max=30)])
    source = TextAreaField(_l("Source (report or decision)"), validators=[DataRequired(), Length(max=2000)])


class SubmitReportForm(FlaskForm):
    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])


class SectorForm(FlaskForm):
    tax_code = StringField(_l("Enterprise tax code"), validators=[DataRequired(), Length(max=20)])
    vsic_code = SelectField(_l("Sector (VSIC 2018)"), validators=[DataRequired()])
    evidence = TextAreaField(
        _l("Evidence"),
        validators=[DataRequired(), Length(max=2000)],
        description=_l(
            "The document showing the main business line, e.g. the business registration certificate."
        ),
    )
    confirmed_on = DateField(_l("Confirmed on"), validators=[DataRequired()])


class PrioritySectorForm(FlaskForm):
    name_vi = StringField(_l("Priority sector"), validators=[DataRequired(), Length(max=200)])
    codes = StringField(
        _l("VSIC 2018 codes"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("Division codes separated by commas, e.g. 26, 61."),
    )
    source = TextAreaField(_l("Issued by (decision)"), validators=[DataRequired(), Length(max=2000)])

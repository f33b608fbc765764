from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lims.domain.traceability import IssuerKind
from lims.models import StandardStatus

ISSUER_LABELS = {
    IssuerKind.NATIONAL_METROLOGY_INSTITUTE: _l("National metrology institute (VMI)"),
    IssuerKind.OTHER_NMI: _l("Another national metrology institute"),
    IssuerKind.ACCREDITED_LAB: _l("Accredited laboratory"),
    IssuerKind.THIS_LAB: _l("This laboratory"),
    IssuerKind.REFERENCE_MATERIAL_PRODUCER: _l("Reference material producer"),
}

STATUS_LABELS = {
    StandardStatus.IN_SERVICE: _l("In service"),
    StandardStatus.DUE: _l("Due"),
    StandardStatus.OVERDUE: _l("Overdue"),
    StandardStatus.QUARANTINED: _l("Quarantined"),
    StandardStatus.OUT_OF_SERVICE: _l("Out of service"),
    StandardStatus.RETIRED: _l("Retired"),
}


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"))
    effective_on = DateField(_l("Effective from"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class CalibrationForm(FlaskForm):
    calibrated_on = DateField(_l("Calibration date"), validators=[DataRequired()])
    certificate_number = StringField(
        _l("Certificate number"),
        validators=[Optional(), Length(max=100)],
        description=_l(
            "Leave empty for a calibration by this laboratory: the certificate register numbers it."
        ),
    )
    issuer_kind = SelectField(_l("Issuer"))
    issuer_name = StringField(_l("Issuer name"), validators=[DataRequired(), Length(max=200)])
    kcdb_cmc_reference = StringField(_l("BIPM KCDB CMC reference"), validators=[Optional(), Length(max=100)])
    accreditation_body = StringField(_l("Accreditation body"), validators=[Optional(), Length(max=200)])
    accreditation_number = StringField(_l("Accreditation number"), validators=[Optional(), Length(max=100)])
    issued_on = DateField(_l("Issue date"), validators=[DataRequired()])
    valid_until = DateField(_l("Valid until"), validators=[DataRequired()])
    points = TextAreaField(
        _l("Calibration points"),
        validators=[DataRequired(), Length(max=20000)],
        description=_l(
            "One per line: value, unit, expanded uncertainty, k and, if stated, the correction"
            " — e.g. 1000 g 0.0016 2 0.0004; an AC point ends with its frequency after @"
            " — e.g. AC 1 V 0.0001 2 @ 1 kHz"
        ),
    )
    sources = SelectMultipleField(
        _l("Standards used (calibrations by this laboratory)"), validate_choice=False
    )
    as_found_error = DecimalField(
        _l("Largest error as found (before adjustment)"),
        validators=[Optional()],
        places=None,
        description=_l("Against the standard's own limit; beyond it, a nonconforming-work record is opened"),
    )
    as_found_limit = DecimalField(_l("Limit of the error (±)"), validators=[Optional()], places=None)
    as_found_unit = StringField(_l("Unit of the error"), validators=[Optional(), Length(max=20)])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])
    certificate_file = FileField(
        _l("Certificate (PDF)"), description=_l("The issuer's certificate as a PDF file")
    )


class CheckForm(FlaskForm):
    checked_on = DateField(_l("Check date"), validators=[DataRequired()])
    value = DecimalField(_l("Value found"), validators=[DataRequired()], places=None)
    unit = StringField(_l("Unit"), validators=[DataRequired(), Length(max=20)])
    lower_limit = DecimalField(_l("Lower control limit"), validators=[Optional()], places=None)
    upper_limit = DecimalField(_l("Upper control limit"), validators=[Optional()], places=None)
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=2000)])


class StandardForm(FlaskForm):
    asset_number = StringField(_l("Asset number"), validators=[DataRequired(), Length(max=50)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    quantity = SelectField(_l("Quantity"))
    level = SelectField(_l("Level"))
    manufacturer = StringField(_l("Manufacturer"), validators=[Optional(), Length(max=100)])
    model = StringField(_l("Model"), validators=[Optional(), Length(max=100)])
    serial_number = StringField(_l("Serial number"), validators=[Optional(), Length(max=100)])
    firmware_version = StringField(_l("Firmware"), validators=[Optional(), Length(max=50)])
    range_min = DecimalField(_l("Range from"), validators=[Optional()], places=None)
    range_max = DecimalField(_l("Range to"), validators=[Optional()], places=None)
    unit = StringField(_l("Unit"), validators=[DataRequired(), Length(max=20)])
    accuracy = StringField(_l("Accuracy"), validators=[Optional(), Length(max=100)])
    custodian = StringField(_l("Custodian"), validators=[Optional(), Length(max=200)])
    location = StringField(_l("Location"), validators=[Optional(), Length(max=200)])
    calibration_interval_months = IntegerField(
        _l("Calibration interval (months)"), validators=[Optional(), NumberRange(min=1, max=120)]
    )


class MaterialForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=50)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    producer = StringField(_l("Producer"), validators=[DataRequired(), Length(max=200)])
    producer_accreditation = StringField(
        _l("Producer's ISO 17034 accreditation"), validators=[Optional(), Length(max=200)]
    )
    lot = StringField(_l("Lot"), validators=[DataRequired(), Length(max=100)])
    certified_value = DecimalField(_l("Certified value"), validators=[DataRequired()], places=None)
    expanded_uncertainty = DecimalField(_l("Expanded uncertainty"), validators=[DataRequired()], places=None)
    coverage_factor = DecimalField("k", default=2, validators=[DataRequired()], places=None)
    unit = StringField(_l("Unit"), validators=[DataRequired(), Length(max=20)])
    certificate_number = StringField(_l("Certificate number"), validators=[Optional(), Length(max=100)])
    certificate_issued_on = DateField(_l("Issue date"), validators=[Optional()])
    expiry_on = DateField(_l("Expiry"), validators=[DataRequired()])
    opened_on = DateField(_l("Opened"), validators=[Optional()])
    shelf_life_days_after_opening = IntegerField(_l("Shelf life once opened (days)"), validators=[Optional()])


class CmcForm(FlaskForm):
    quantity = StringField(_l("Quantity"), validators=[DataRequired(), Length(max=100)])
    unit = StringField(_l("Unit"), validators=[DataRequired(), Length(max=20)])
    range_min = DecimalField(_l("Range from"), validators=[InputRequired()], places=None)
    range_max = DecimalField(_l("Range to"), validators=[InputRequired()], places=None)
    fixed_uncertainty = DecimalField(_l("Fixed CMC (U, k = 2)"), validators=[Optional()], places=None)
    a = DecimalField(_l("a (in the unit)"), default=0, validators=[Optional()], places=None)
    b = DecimalField(_l("b (relative)"), default=0, validators=[Optional()], places=None)
    procedure_code = StringField(_l("Procedure"), validators=[DataRequired(), Length(max=50)])
    accredited = BooleanField(_l("Accredited"), default=True)

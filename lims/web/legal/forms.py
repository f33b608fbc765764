"""Forms of the legal metrology pages (designation, officer cards, stamp stock)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lims.domain.legal.catalogue import load_catalogue


def type_choices(language: str) -> list[tuple[str, str]]:
    """(code, name in ``language``) of every catalogue type."""
    return [(t.code, t.name.get(language)) for t in load_catalogue().types]


def type_select_choices(language: str) -> list[SelectChoice]:
    return [SelectChoice(code, name) for code, name in type_choices(language)]


class DesignationForm(FlaskForm):
    decision_number = StringField(_l("Decision number"), validators=[DataRequired(), Length(max=100)])
    decided_on = DateField(_l("Decision date"), validators=[DataRequired()])
    issued_by = StringField(_l("Issued by (authority)"), validators=[DataRequired(), Length(max=200)])
    instrument_types = SelectMultipleField(_l("Designated instrument types"), validators=[DataRequired()])
    valid_until = DateField(_l("Valid until"), validators=[DataRequired()])


class CardForm(FlaskForm):
    user_id = SelectField(_l("Verification officer"), coerce=int, validate_choice=False)
    card_number = StringField(_l("Card number"), validators=[DataRequired(), Length(max=50)])
    issued_by = StringField(_l("Issued by (authority)"), validators=[DataRequired(), Length(max=200)])
    instrument_types = SelectMultipleField(_l("Instrument types on the card"), validators=[DataRequired()])
    valid_from = DateField(_l("Valid from"), validators=[DataRequired()])
    valid_until = DateField(_l("Valid until"), validators=[DataRequired()])


class RevokeCardForm(FlaskForm):
    card_id = HiddenField(validators=[DataRequired()])
    revoked_on = DateField(_l("Revoked on"), validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class BatchForm(FlaskForm):
    series = StringField(_l("Series printed on the stamps"), validators=[DataRequired(), Length(max=20)])
    first_number = IntegerField(_l("First number"), validators=[DataRequired(), NumberRange(min=1)])
    last_number = IntegerField(_l("Last number"), validators=[DataRequired(), NumberRange(min=1)])
    digits = IntegerField(
        _l("Digits printed"), default=6, validators=[Optional(), NumberRange(min=4, max=12)]
    )
    received_on = DateField(_l("Received on"), validators=[DataRequired()])
    delivery_reference = StringField(_l("Delivery note"), validators=[DataRequired(), Length(max=200)])


class SpoilForm(FlaskForm):
    stamp_number = StringField(_l("Stamp number"), validators=[DataRequired(), Length(max=50)])
    outcome = SelectField(
        _l("What happened"),
        choices=[SelectChoice("damaged", _l("Damaged")), SelectChoice("voided", _l("Voided"))],
    )
    used_on = DateField(_l("Date"), validators=[DataRequired()])
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])

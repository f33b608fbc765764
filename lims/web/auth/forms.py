from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    username = StringField(
        _l("User name"),
        validators=[DataRequired(), Length(max=100)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class LanguageForm(FlaskForm):
    language = SelectField(
        _l("Language"), choices=[SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")]
    )
    next = HiddenField()


class PasswordChangeForm(FlaskForm):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    new = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )

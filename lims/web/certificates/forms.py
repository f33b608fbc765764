from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField
from wtforms.validators import Length


class NumberForm(FlaskForm):
    """The number typed by a visitor: a GET form, so it needs no CSRF token and can be bookmarked."""

    class Meta:
        csrf = False

    number = StringField(_l("Certificate number"), validators=[Length(max=50)])
    c = StringField(_l("Verification code"), validators=[Length(max=20)])


class PdfCheckForm(FlaskForm):
    """A PDF to compare with the issued file; its content decides, never its name."""

    file = FileField(_l("PDF file of the certificate"))

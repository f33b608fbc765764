from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length


class DecisionForm(FlaskForm):
    # Rendered by hand as two radio buttons: 'approve' or 'reject'.
    outcome = HiddenField(_l("Decision"), validators=[DataRequired(), AnyOf(["approve", "reject"])])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])


class CsrfOnlyForm(FlaskForm):
    """Forms whose fields come from the programme file (contents, checklist): only CSRF is declared."""

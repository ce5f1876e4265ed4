"""Privacy forms: accepting a new policy version and the marketing toggle."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField
from wtforms.validators import AnyOf, DataRequired

from ..i18n import _l


class AcceptForm(FlaskForm):
    accept = BooleanField(
        validators=[DataRequired(_l("Please tick the box to accept the privacy policy."))]
    )


class MarketingForm(FlaskForm):
    granted = HiddenField(validators=[AnyOf(["0", "1"])])

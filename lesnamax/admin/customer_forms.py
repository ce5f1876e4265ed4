"""Forms of the admin's customer pages: the search box and the disclosure record."""

from __future__ import annotations

import re
from datetime import datetime

from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, StopValidation, ValidationError

from ..forms import REQUIRED, TOO_LONG, no_hidden_characters
from ..i18n import _l

#: Control characters and invisible reordering marks; unlike the account forms' check, tabs
#: and line breaks are fine here (long texts typed in a text area).
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
SEARCH_MAX = 100


def no_control_characters(_form, field) -> None:
    if isinstance(field.data, str) and _CONTROL.search(field.data):
        raise ValidationError(_l("This field contains invisible or control characters."))


def _tidy_text(value):
    # Browsers send a text area's line breaks as CRLF; count and store them as one character.
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else value


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def line(label, maximum: int):
    """A required one-line text; DataRequired (after stripping) refuses a text of spaces."""
    validators = [DataRequired(REQUIRED), Length(max=maximum, message=TOO_LONG),
                  no_hidden_characters]
    return StringField(label, validators, filters=[_strip])


def long_text(label, maximum: int, required: bool = True):
    """A text area bounded to ``maximum`` characters, with translated messages only."""
    validators = [DataRequired(REQUIRED)] if required else []
    validators += [Length(max=maximum, message=TOO_LONG), no_control_characters]
    return TextAreaField(label, validators, filters=[_tidy_text])


class LocalDateField(DateField):
    """A date field whose parse error is ours (WTForms' own message is English only)."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None  # left to date_required, so one message only
            return
        try:
            self.data = datetime.strptime(valuelist[0].strip(), "%Y-%m-%d").date()
        except ValueError as error:
            self.data = None
            raise ValueError(_l("Enter a date like 2026-11-25.")) from error


def date_required(_form, field) -> None:
    """Require a date: one message, "required" or the parse error, never both."""
    if field.process_errors:
        raise StopValidation()  # keeps the parse error already listed
    if field.data is None:
        raise StopValidation(REQUIRED)


class CustomerSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField(_l("Name, e-mail or phone"),
                    [Length(max=SEARCH_MAX, message=TOO_LONG), no_hidden_characters],
                    filters=[lambda v: v.strip() if v else ""])


class DisclosureForm(FlaskForm):
    authority = line(_l("Authority"), 200)
    legal_basis = line(_l("Legal basis (law and article, or court order)"), 300)
    disclosed_on = LocalDateField(_l("Date the data was handed over"),
                                  [date_required])
    what = long_text(_l("What was disclosed"), 2000)

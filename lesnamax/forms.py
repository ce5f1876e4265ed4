"""The form toolkit every area's forms use: validators that keep what was typed, ``cleaned``,
``add_error``, text/e-mail/municipality fields and the address block.

Validators leave ``field.data`` as typed (shown again on errors) and put the stored form in
``field.clean``; ``cleaned(form)`` collects them. Area-specific forms live in their area.
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from wtforms import (
    EmailField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, ValidationError

from . import kosovo
from .i18n import _l

# Letters of any script, spaces, apostrophes, hyphens and dots: what names are made of.
_NAME = re.compile(r"^[^\W\d_]+(?:[ '’.\-][^\W\d_]*)*$")
_STREET = re.compile(r"^[\w .,'’\"/#()\-]+$")
# NUL and other control characters, and the invisible marks that reorder text.
_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def no_hidden_characters(_form, field) -> None:
    if isinstance(field.data, str) and _HIDDEN.search(field.data):
        raise ValidationError(_l("This field contains invisible or control characters."))


def name_characters(_form, field) -> None:
    if field.data and not _NAME.match(field.data.strip()):
        raise ValidationError(_l("Use letters only (spaces, apostrophes and hyphens are fine)."))


def street_characters(_form, field) -> None:
    if field.data and not _STREET.match(field.data.strip()):
        raise ValidationError(_l("The address contains characters that are not allowed."))


def email_address(_form, field) -> None:
    try:
        # No DNS lookups; the test suite's reserved .test domains are allowed only in testing.
        result = validate_email(
            field.data or "", check_deliverability=False, test_environment=current_app.testing
        )
    except EmailNotValidError as error:
        raise ValidationError(_l("Enter a valid e-mail address.")) from error
    field.clean = result.normalized.lower()


def kosovo_phone(_form, field) -> None:
    normalised = kosovo.normalise_phone(field.data)
    if normalised is None:
        raise ValidationError(
            _l("Enter a Kosovo phone number, e.g. 044 123 456 or +383 44 123 456.")
        )
    field.clean = normalised


def postal_code(_form, field) -> None:
    normalised = kosovo.normalise_postal_code(field.data)
    if normalised is None:
        raise ValidationError(_l("Enter a valid postal code (5 digits), or leave it empty."))
    field.clean = normalised


def cleaned(form) -> dict:
    """Return the form's values in their stored form (E.164 phone, lower-case e-mail).

    Validators put normalised values in ``field.clean`` and leave ``field.data`` as typed,
    so a form shown again with errors keeps exactly what the person entered.
    """
    return {name: getattr(field, "clean", field.data) for name, field in form._fields.items()}


def add_error(field, message) -> None:
    """Attach an error found after validation (wrong password, e-mail taken) to ``field``."""
    field.errors = [*field.errors, message]


REQUIRED = _l("This field is required.")
TOO_LONG = _l("This field is too long.")


def text(label, maximum, *extra, required=True):
    validators = [InputRequired(REQUIRED)] if required else []
    validators += [Length(max=maximum, message=TOO_LONG), no_hidden_characters, *extra]
    return StringField(label, validators, filters=[lambda v: v.strip() if v else v])


def municipality_field():
    choices = [SelectChoice("", _l("Choose the municipality"))]
    choices += [SelectChoice(slug, name) for slug, name in kosovo.BY_SLUG.items()]
    # Our own choice check: WTForms' built-in one speaks English only (no Albanian catalogue).
    known = AnyOf(list(kosovo.BY_SLUG), message=_l("Choose a municipality from the list."))
    return SelectField(
        _l("Municipality"),
        choices=choices,
        validators=[DataRequired(REQUIRED), known],
        validate_choice=False,
    )


def email_field(label, checked: bool = True):
    """An e-mail field; ``checked`` also validates the address (not on login, which only
    looks it up)."""
    validators = [InputRequired(REQUIRED), Length(max=254, message=TOO_LONG), no_hidden_characters]
    return EmailField(label, [*validators, email_address] if checked else validators)


class AddressFields:
    street = text(_l("Street and number"), 200, street_characters)
    municipality = municipality_field()
    postal_code = text(_l("Postal code (optional)"), 10, postal_code, required=False)

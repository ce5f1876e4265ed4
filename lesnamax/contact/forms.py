"""The contact form: a name, an e-mail or a phone (at least one), the message.

Two cheap checks stand in for a third-party captcha (which would send every visitor's data to
another company and load its scripts, refused by our Content-Security-Policy):

- a honeypot: a field hidden from people (and from screen readers) that form-filling robots
  fill in; a message with it is acknowledged like any other and dropped;
- a minimum fill time: the form carries the time it was shown, signed, and a message sent
  sooner than ``CONTACT_MIN_SECONDS`` later is refused with a translated 422 (nobody types a
  message that fast; a script that posts at once does). Both work without JavaScript.
"""

from __future__ import annotations

import time

import phonenumbers
from flask import current_app
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from .. import kosovo
from ..forms import (
    REQUIRED,
    TOO_LONG,
    email_address,
    name_characters,
    no_hidden_characters,
    text,
)
from ..i18n import _l

MESSAGE_MAX = 4000
_SALT = "contact-form-shown"


def any_phone(_form, field) -> None:
    """A Kosovo number as people write it here, or any valid number written with + or 00
    (customers abroad, the diaspora, write to the shop too)."""
    if not (field.data or "").strip():
        field.clean = ""
        return
    normalised = kosovo.normalise_phone(field.data)
    if normalised is None:
        raw = (field.data or "").strip()
        if raw.startswith("00"):
            raw = "+" + raw[2:]
        try:
            number = phonenumbers.parse(raw, None) if raw.startswith("+") else None
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise ValidationError(
                _l("Enter a phone number, e.g. 044 123 456 or +383 44 123 456."))
        normalised = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    field.clean = normalised


def shown_at_token(now: float | None = None) -> str:
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)
    return serializer.dumps(int(time.time() if now is None else now))


def seconds_since_shown(token: str | None, now: float | None = None) -> float | None:
    """Seconds since the form was shown, or None when the token is missing or forged."""
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)
    try:
        shown = serializer.loads(token or "")
    except BadSignature:
        return None
    if not isinstance(shown, int):
        return None
    return (time.time() if now is None else now) - shown


class ContactForm(FlaskForm):
    name = text(_l("Your name"), 100, name_characters)
    email = StringField(_l("E-mail"), [Optional(), Length(max=254, message=TOO_LONG),
                                       no_hidden_characters, email_address],
                        filters=[lambda v: v.strip() if v else v])
    phone = text(_l("Phone"), 40, any_phone, required=False)
    message = TextAreaField(
        _l("Message"),
        [InputRequired(REQUIRED), Length(max=MESSAGE_MAX, message=TOO_LONG),
         no_hidden_characters],
        filters=[lambda v: v.strip() if v else v])
    #: The honeypot: hidden from people; see the module docstring.
    website = StringField(_l("Leave this field empty"))
    shown_at = HiddenField()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.email.data and not self.phone.data:
            # On the e-mail field, the first of the two (an empty optional field stops its own
            # validators, so this cannot be one of them).
            self.email.errors = [*self.email.errors, _l(
                "Give an e-mail address or a phone number, so we can answer you.")]
            return False
        if not self.email.data:
            self.email.clean = ""
        return valid

    def validate_message(self, field) -> None:
        if field.data and len(field.data) < 10:
            raise ValidationError(_l("Please write a little more (at least 10 characters)."))

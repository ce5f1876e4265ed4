"""Account forms: registration, login, password reset and one small form per personal detail.

The generic pieces (validators, ``cleaned``, ``add_error``, fields) are the toolkit in
``lesnamax/forms.py``; the password rules are the account's own.
"""

from __future__ import annotations

from pathlib import Path

from flask_babel import lazy_ngettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..forms import (
    REQUIRED,
    TOO_LONG,
    AddressFields,
    email_address,
    email_field,
    kosovo_phone,
    name_characters,
    no_hidden_characters,
    text,
)
from ..i18n import _l

MIN_PASSWORD = 10
COMMON_PASSWORDS = frozenset(
    Path(__file__).with_name("common-passwords.txt").read_text(encoding="utf-8").split()
)


def strong_password(_form, field) -> None:
    password = field.data or ""
    if len(password) < MIN_PASSWORD:
        raise ValidationError(
            lazy_ngettext("The password must have at least %(num)d character.",
                          "The password must have at least %(num)d characters.", MIN_PASSWORD)
        )
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        raise ValidationError(_l("This password is too easy to guess. Choose another one."))


def password_field(label, new: bool = False):
    """A password field; a ``new`` one must also be strong."""
    validators = [InputRequired(REQUIRED), Length(max=200, message=TOO_LONG)]
    if new:
        validators += [no_hidden_characters, strong_password]
    return PasswordField(label, validators)


class RegisterForm(AddressFields, FlaskForm):
    first_name = text(_l("First name"), 100, name_characters)
    last_name = text(_l("Last name"), 100, name_characters)
    email = email_field(_l("E-mail"))
    phone = text(_l("Phone number"), 40, kosovo_phone)
    password = password_field(_l("Password"), new=True)
    accept_policy = BooleanField(
        validators=[DataRequired(_l("You must accept the privacy policy to register."))]
    )
    age_ok = BooleanField(
        validators=[
            DataRequired(_l("Please confirm your age or your parent's or guardian's permission."))
        ]
    )
    marketing = BooleanField()


class LoginForm(FlaskForm):
    email = email_field(_l("E-mail"), checked=False)
    password = password_field(_l("Password"))
    remember = BooleanField(_l("Remember me"))


class ResetRequestForm(FlaskForm):
    email = email_field(_l("E-mail"))


class NewPasswordForm(FlaskForm):
    password = password_field(_l("New password"), new=True)


class PasswordCheckForm(FlaskForm):
    password = password_field(_l("Your password"))


# One form per inline-editable detail; the field names match User's columns.
class FirstNameForm(FlaskForm):
    first_name = text(_l("First name"), 100, name_characters)


class LastNameForm(FlaskForm):
    last_name = text(_l("Last name"), 100, name_characters)


class EmailChangeForm(FlaskForm):
    email = email_field(_l("New e-mail"))
    current_password = password_field(_l("Current password"))


class PhoneForm(FlaskForm):
    phone = text(_l("Phone number"), 40, kosovo_phone)


class AddressForm(AddressFields, FlaskForm):
    pass


class StockAlertForm(FlaskForm):
    """"Tell me when it is back" on a product page: shared by every visitor (no token in
    it: the cross-origin check guards it, lesnamax/security.py). A logged-in customer may
    leave the address out: their account's is used."""

    class Meta:
        csrf = False

    email = EmailField(_l("Your e-mail"), [Optional(), Length(max=254, message=TOO_LONG),
                                           no_hidden_characters, email_address],
                       filters=[lambda v: v.strip() if v else v])
    consent = BooleanField(validators=[DataRequired(
        _l("Please tick the box: we need your consent to send you this e-mail."))])

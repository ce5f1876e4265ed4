"""The account e-mails: each written in the language its reader uses, links on BASE_URL.

Each is written into the outbox (lesnamax/mail.py). The registration e-mails join the
registration's transaction (account/registration.py); a sign-in link or a password reset
changes nothing else, so those two commit their outbox row themselves.
"""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import mail
from ..extensions import db
from ..i18n import LOCALES
from . import services


def registration_link(email: str, first_name: str, secret: str) -> None:
    link = current_app.config["BASE_URL"].rstrip("/") + url_for(
        "account.register_confirm", secret=secret
    )
    # The new customer chose this page's language; their account will keep it.
    mail.send(email, _("Confirm your e-mail address for LESNA MAX"), "register_confirm",
              first_name=first_name, link=link)


def registration_warning(user) -> None:
    """Tell an account's owner that someone tried to register with their address."""
    base = current_app.config["BASE_URL"].rstrip("/")
    token = services.signin_token(user, current_app.config["SECRET_KEY"])
    with force_locale(LOCALES.get(user.language, "sq_XK")):
        subject = _("Someone tried to register with your e-mail address")
        mail.send(
            user.email, subject, "register_existing",
            user=user,
            signin_link=base + url_for("account.signin", token=token),
            reset_link=base + url_for("account.reset_request"),
        )


def signin_link(user) -> None:
    token = services.signin_token(user, current_app.config["SECRET_KEY"])
    link = current_app.config["BASE_URL"].rstrip("/") + url_for("account.signin", token=token)
    with force_locale(LOCALES.get(user.language, "sq_XK")):
        subject = _("Your sign-in link for LESNA MAX")
        mail.send(user.email, subject, "signin_link", user=user, link=link)
    db.session.commit()


def password_reset(user) -> None:
    token = services.password_reset_token(user, current_app.config["SECRET_KEY"])
    link = current_app.config["BASE_URL"].rstrip("/") + url_for(
        "account.reset_password", token=token
    )
    # Written in the customer's language, whatever the language of this page.
    with force_locale(LOCALES.get(user.language, "sq_XK")):
        subject = _("Set a new password for LESNA MAX")
        mail.send(user.email, subject, "password_reset", user=user, link=link)
    db.session.commit()

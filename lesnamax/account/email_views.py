"""Pages reached from links in e-mails: a registration confirmed, a one-time sign-in link.

Both links show a button first (GET) and act on POST, so a mail scanner opening a link does
not spend it. CSRFProtect checks every POST's token.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ..extensions import limiter
from ..forms import add_error, cleaned
from ..site import safe_next
from ..web import visit
from . import forms, mails, registration, services, throttle
from .views import bp, finish_login


@bp.get("/register/sent")
def register_sent():
    """"Check your e-mail": the one answer to every registration, new address or not."""
    return render_template("account/register_sent.html", email=session.get("registered_email"))


@bp.route("/register/confirm/<secret>", methods=["GET", "POST"])
def register_confirm(secret: str):
    """GET shows the form, POST creates the account: a mail scanner does not spend the link.

    The password chosen at registration is asked for: someone who registered this address
    with a password of theirs cannot have its owner confirm an account they could log in to.
    """
    config = current_app.config
    now = datetime.now(UTC)
    found = registration.pending(secret, now, config["REGISTRATION_MAX_AGE"])
    if found is None:
        return render_template("account/register_invalid.html"), 400
    form = forms.PasswordCheckForm()
    if not form.validate_on_submit():
        return _confirm_page(form, found.email, 422 if form.is_submitted() else 200)
    try:
        confirmed = registration.confirm(secret, now, config["REGISTRATION_MAX_AGE"],
                                         form.password.data)
    except registration.WrongPassword:
        add_error(form.password, _(
            "This is not the password chosen when registering. If you did not register, "
            "ignore this page: no account is created."))
        return _confirm_page(form, found.email, 422)
    if confirmed is None:
        return render_template("account/register_invalid.html"), 400
    user, next_url = confirmed
    welcome = _("Welcome, %(name)s! Your account is ready.", name=user.first_name)
    return finish_login(user, remember=False, welcome=welcome,
                      next_url=safe_next(next_url or url_for("account.index")))


def _confirm_page(form, email: str, status: int):
    return render_template("account/register_confirm.html", form=form, email=email), status


@bp.route("/login/link", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def signin_link_request():
    """Ask for a one-time sign-in link: the owner's way in whatever a guesser has done."""
    form = forms.ResetRequestForm()
    if form.validate_on_submit():
        user = services.user_by_email(cleaned(form)["email"])
        if user is not None and user.is_active and throttle.may_send_mail(
            current_app.config, "signin", user.email
        ):
            mails.signin_link(user)  # into the outbox: a mail server down only delays it
        # The same answer either way: nobody learns which addresses have accounts.
        flash(
            _(
                "If an account exists for that address, we have sent it a link to sign in. "
                "The link works for one hour, once."
            ),
            "success",
        )
        return redirect(url_for("account.login"), 303)
    return render_template("account/signin_request.html", form=form), (
        422 if form.is_submitted() else 200
    )


@bp.route("/login/link/<token>", methods=["GET", "POST"])
def signin(token: str):
    """GET shows a button, POST signs in: a mail scanner opening the link does not spend it."""
    config = current_app.config
    use = request.method == "POST"  # CSRFProtect has checked the POST's token
    user = services.user_for_signin_token(
        token, config["SECRET_KEY"], config["SIGNIN_LINK_MAX_AGE"], use=use
    )
    if user is None:
        return render_template("account/signin_invalid.html"), 400
    if not use:
        return render_template("account/signin.html", user=user)
    services.record_login(user, "link", visit())
    # The mailbox's owner is back in: what strangers guessed no longer holds the password back.
    throttle.forget_account(user.email)
    return finish_login(user, remember=False, next_url=url_for("account.index"))

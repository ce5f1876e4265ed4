"""Account pages: register, log in and out, personal details edited inline, password reset."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from .. import htmx, kosovo
from ..extensions import limiter
from ..forms import add_error, cleaned
from ..i18n import current_code
from ..privacy import services as privacy
from ..privacy.models import AGE, MARKETING, PRIVACY_POLICY
from ..shoptime import shop_today
from ..site import safe_next
from ..web import visit
from . import forms, mails, registration, services, throttle
from .services import EmailTaken

bp = Blueprint("account", __name__, url_prefix="/account")


FIELD_FORMS = {
    "first_name": forms.FirstNameForm,
    "last_name": forms.LastNameForm,
    "email": forms.EmailChangeForm,
    "phone": forms.PhoneForm,
    "address": forms.AddressForm,
}


#: Signed proof that this browser logged in to an account before (account/throttle.py).
DEVICE_COOKIE = "lm_device"


def _config_limit(name: str):
    # Read at request time, so the configuration (and a test) can change it.
    return lambda: current_app.config[name]


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(_config_limit("REGISTER_REQUESTS_PER_IP"), methods=["POST"])
def register():
    form = forms.RegisterForm()
    if form.validate_on_submit():
        values = cleaned(form)
        details = {
            name: values[name]
            for name in (
                "first_name",
                "last_name",
                "email",
                "phone",
                "street",
                "municipality",
                "postal_code",
                "password",
            )
        }
        details["language"] = current_code()
        consents = {
            PRIVACY_POLICY: form.accept_policy.data,
            AGE: form.age_ok.data,
            MARKETING: form.marketing.data,
        }
        next_url = safe_next(request.values.get("next") or url_for("account.index"))
        # Mailed either way (within the per-mailbox limit); the answer below is the same.
        may_mail = throttle.may_send_mail(current_app.config, "register", details["email"])
        registration.start(details, consents, visit(), shop_today(), next_url,
                           send_mail=may_mail)
        session["registered_email"] = details["email"].lower()
        return redirect(url_for("account.register_sent"), 303)
    status = 422 if form.is_submitted() else 200
    next_url = safe_next(request.values.get("next") or url_for("account.index"))
    return render_template("account/register.html", form=form, next_url=next_url), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_config_limit("LOGIN_REQUESTS_PER_IP"), methods=["POST"])
def login():
    form = forms.LoginForm()
    next_url = safe_next(request.values.get("next") or url_for("account.index"))
    if form.validate_on_submit():
        config = current_app.config
        # The device cookie holds only while the account's password is the one it was set with.
        known = services.user_by_email(form.email.data)
        device = throttle.device_token(
            config["SECRET_KEY"], request.cookies.get(DEVICE_COOKIE), form.email.data,
            services.password_fingerprint(known) if known is not None else None,
        )
        verdict = throttle.reserve(config, form.email.data, request.remote_addr, device)
        if not verdict.allowed:
            return login_rate_limited(verdict.wait)
        user = services.authenticate(form.email.data, form.password.data, visit())
        if user is not None:
            throttle.release(verdict)
            return finish_login(user, form.remember.data, next_url)
        add_error(form.password, _("Wrong e-mail or password."))
    status = 422 if form.is_submitted() else 200
    return render_template("account/login.html", form=form, next_url=next_url), status


def login_rate_limited(wait: int | None = None):
    """Answer a blocked login with the form (e-mail kept) and a translated 429; record it."""
    form = forms.LoginForm()
    email = form.email.data or ""
    if throttle.first_refusal(email, request.remote_addr, wait or 60):
        services.record_login(services.user_by_email(email), "rate_limited", visit())
    if wait:
        minutes = max(1, -(-wait // 60))
        message = ngettext(
            "Too many attempts. Please wait %(num)d minute and try again, or sign in with a link "
            "sent to your e-mail.",
            "Too many attempts. Please wait %(num)d minutes and try again, or sign in with a "
            "link sent to your e-mail.",
            minutes,
        )
    else:
        message = _("Too many attempts. Please wait a little and try again.")
    add_error(form.password, message)
    next_url = safe_next(request.values.get("next") or url_for("account.index"))
    response = make_response(
        render_template("account/login.html", form=form, next_url=next_url), 429
    )
    if wait:
        response.headers["Retry-After"] = str(wait)
    return response


def finish_login(user, remember: bool, next_url: str, welcome: str = ""):
    """Start the session and remember this browser as one the owner uses."""
    _start_session(user, remember=remember)
    if welcome:
        flash(welcome, "success")
    if privacy.needs_acceptance(user, shop_today()):
        response = redirect(url_for("privacy.accept", next=next_url), 303)
    else:
        response = redirect(next_url, 303)
    config = current_app.config
    response.set_cookie(
        DEVICE_COOKIE,
        throttle.new_device_cookie(
            config["SECRET_KEY"], user.email, services.password_fingerprint(user)
        ),
        max_age=throttle.DEVICE_MAX_AGE,
        path="/account",
        secure=config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )
    return response


def _start_session(user, remember: bool) -> None:
    # A new session at login: nothing from before (e.g. a planted cookie) carries over.
    keep = {k: session[k] for k in ("cart_id", "cart_token") if k in session}
    session.clear()
    session.update(keep)
    login_user(user, remember=remember)
    generate_csrf()


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        # Server-side: the signed cookies themselves stay valid until the token changes.
        services.end_sessions(current_user)
    logout_user()
    session.clear()
    flash(_("You have logged out."), "success")
    return redirect(url_for("catalogue.home"), 303)


@bp.get("")
@login_required
def index():
    return render_template(
        "account/index.html", fields=FIELD_FORMS, changes=services.last_changes(current_user)
    )


@bp.get("/fields/<field>")
@login_required
def show_field(field: str):
    """The read-only view of one detail ("Anulo" swaps it back in)."""
    _known(field)
    if not htmx.is_partial():
        return redirect(url_for("account.index", _anchor=f"field-{field}"), 303)
    return render_template(
        "account/_field.html",
        field=field,
        editing=False,
        changes=services.last_changes(current_user),
    )


@bp.get("/fields/<field>/edit")
@login_required
def edit_field(field: str):
    form = FIELD_FORMS[_known(field)](obj=current_user, formdata=None)
    if field == "email":
        form.email.data = ""
    if field == "phone":  # shown the way people here write it, as on the account page
        form.phone.data = kosovo.national_phone(current_user.phone)
    return _field_form(field, form, 200)


@bp.post("/fields/<field>")
@login_required
def save_field(field: str):
    form = FIELD_FORMS[_known(field)]()
    if form.validate_on_submit():
        if field == "email" and not services.check_password(
            current_user, form.current_password.data
        ):
            add_error(form.current_password, _("Wrong password."))
        else:
            try:
                services.update_field(current_user, field, cleaned(form), visit())
            except EmailTaken:
                add_error(form.email, _("An account with this e-mail already exists."))
            else:
                return _saved(field)
    return _field_form(field, form, 422)


def _known(field: str) -> str:
    if field not in FIELD_FORMS:
        abort(404)
    return field


def _field_form(field: str, form, status: int):
    template = "account/_field.html" if htmx.is_partial() else "account/edit_field.html"
    return render_template(
        template, field=field, form=form, editing=True, changes=services.last_changes(current_user)
    ), status


def _saved(field: str):
    message = _("Saved.")
    if not htmx.is_partial():
        flash(message, "success")
        return redirect(url_for("account.index", _anchor=f"field-{field}"), 303)
    return render_template(
        "account/_field.html",
        field=field,
        editing=False,
        saved=message,
        changes=services.last_changes(current_user),
    )


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def reset_request():
    form = forms.ResetRequestForm()
    if form.validate_on_submit():
        user = services.user_by_email(cleaned(form)["email"])
        if user is not None and user.is_active:
            mails.password_reset(user)  # into the outbox: a mail server down only delays it
        # The same answer either way: nobody learns which addresses have accounts.
        flash(
            _(
                "If an account exists for that address, we have sent it a link to set a "
                "new password. The link works for one hour, once."
            ),
            "success",
        )
        return redirect(url_for("account.login"), 303)
    return render_template("account/reset_request.html", form=form), (
        422 if form.is_submitted() else 200
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user = services.user_for_reset_token(
        token, current_app.config["SECRET_KEY"], current_app.config["PASSWORD_RESET_MAX_AGE"]
    )
    if user is None:
        return render_template("account/reset_invalid.html"), 400
    form = forms.NewPasswordForm()
    if form.validate_on_submit():
        services.set_password(user, form.password.data, visit())
        # Whoever guessed the old password, the new one starts with clean counts.
        throttle.forget_account(user.email)
        logout_user()
        flash(_("Your password has been changed. Please log in."), "success")
        return redirect(url_for("account.login"), 303)
    return render_template("account/reset_password.html", form=form), (
        422 if form.is_submitted() else 200
    )


# The pages reached from links in e-mails: registration confirmed, one-time sign-in.
# The wishlist: the hearts' forms, their private fill-in and /account/wishlist.
from . import data_views, email_views, wishlist_views  # noqa: E402, F401

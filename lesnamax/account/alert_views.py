"""Back in stock: the request form of a product page, and the stop link of its e-mail.

The form on a product page is the same for everybody (the page is shared): an address and a
consent box, without a token (the cross-origin check guards it, lesnamax/security.py). A
logged-in customer's page swaps in their own version (lesnamax/account/wishlist_views.py).
Without JavaScript an error shows the form on a page of its own, with what was typed.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from .. import htmx
from ..catalogue.services import product_by_id
from ..extensions import limiter
from ..forms import add_error, cleaned
from ..i18n import current_code
from ..web import visit
from . import forms, stock_alerts

bp = Blueprint("alerts", __name__, url_prefix="/back-in-stock")


def _per_ip():
    # Read at request time, so the configuration (and a test) can change it.
    return current_app.config["STOCK_ALERT_REQUESTS_PER_IP"]


def _product(product_id: int):
    product = product_by_id(product_id)
    if product is None:
        abort(404)
    return product


def _form(product, form, status: int, state: str = "", email: str = ""):
    context = {"alert_product": product, "form": form, "state": state, "email": email,
               "customer": current_user.is_authenticated}
    if htmx.is_htmx():
        return htmx.respond(render_template("account/_stock_alert.html", **context), status)
    return render_template("account/stock_alert.html", **context), status


@bp.route("/<int:product_id>", methods=["GET", "POST"])
@limiter.limit(_per_ip, methods=["POST"])
def ask(product_id: int):
    product = _product(product_id)
    form = forms.StockAlertForm()
    if not form.validate_on_submit():
        return _form(product, form, 422 if form.is_submitted() else 200)
    email = cleaned(form)["email"] or (current_user.email if current_user.is_authenticated
                                       else "")
    if not email:
        add_error(form.email, _("Enter your e-mail address."))
        return _form(product, form, 422)
    # A request belongs to the account only for the account's own address; any other address
    # typed while logged in is asked for as a visitor would (its consent has no customer).
    user = (current_user if current_user.is_authenticated
            and stock_alerts.normalise(email) == current_user.email else None)
    outcome = stock_alerts.ask(product, email, user, current_code(), visit(),
                               datetime.now(UTC))
    if outcome == stock_alerts.IN_STOCK:
        add_error(form.email, _("Good news: it is in stock now, so you can order it."))
        return _form(product, form, 422)
    if outcome == stock_alerts.TOO_MANY:
        add_error(form.email, _("This address has asked for many products already. Please "
                                "try again tomorrow."))
        return _form(product, form, 429)
    if htmx.is_htmx():
        return _form(product, None, 200, state=outcome, email=email)
    flash(_("Done: we will e-mail %(email)s once, when it is back in stock.", email=email)
          if outcome == stock_alerts.CREATED else
          _("You have already asked: we will e-mail %(email)s when it is back.", email=email),
          "success")
    return redirect(url_for("catalogue.product", slug=product.slug), 303)


def rate_limited():
    """Too many requests from one IP address (Flask-Limiter): the form again, with what was
    typed and a translated 429 (lesnamax/errors.py sends the refusal here); None for a
    product that does not exist (the plain 429 page then)."""
    product = product_by_id((request.view_args or {}).get("product_id", 0))
    if product is None:
        return None
    form = forms.StockAlertForm()
    add_error(form.email, _("Too many requests from your connection. Please wait an hour."))
    return _form(product, form, 429)


@bp.route("/stop/<token>", methods=["GET", "POST"])
def stop(token: str):
    """The e-mail's stop link: a page with one button (a link checker that opens it changes
    nothing), and the POST that mail clients send for RFC 8058's one-click unsubscribe."""
    email = stock_alerts.address_of(token)
    if email is None:
        abort(404)
    if request.method == "GET":
        return render_template("account/stock_alert_stop.html", token=token, done=None)
    removed = stock_alerts.stop(email, visit(), datetime.now(UTC))
    return render_template("account/stock_alert_stop.html", token=token, done=removed)

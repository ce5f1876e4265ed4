"""Card payment pages: off to the bank's page, and the bank's three ways back.

The return endpoints are exempt from CSRF: the bank's signature (HASH) authenticates them.
They do not rely on the session either (the bank's POST is cross-site, so SameSite=Lax
cookies are not sent); the oid identifies the order.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from ..extensions import csrf
from ..i18n import current_code
from ..orders import services as orders
from ..orders import status as order_status
from ..orders.models import PAYMENT_FAILED
from . import nestpay, on_delivery, services

bp = Blueprint("payments", __name__)


def _own_order_id(number: str) -> int:
    """The id of the customer's own order, or 404 (the order itself is read in the service)."""
    order_id = orders.owned_id(number, current_user.id)
    if order_id is None:
        abort(404)
    return order_id


@bp.get("/payment/<number>/pay")
@login_required
def start(number: str):
    # Only the id here: start_attempt reads the order itself inside its write transaction.
    # A GET only reuses the pending attempt or starts the first: see ``retry``.
    order_id = _own_order_id(number)
    try:
        order, attempt = services.start_attempt(order_id, services.utcnow(), revive=False)
    except (order_status.InvalidTransition, orders.OutOfStock) as refused:
        return _back_to_order(number, refused)
    base = current_app.config["BASE_URL"].rstrip("/")
    fields = nestpay.request_fields(
        client_id=current_app.config["NESTPAY_CLIENT_ID"],
        oid=attempt.oid,
        amount_cents=attempt.amount_cents,
        currency=attempt.currency,
        ok_url=base + url_for("payments.ok"),
        fail_url=base + url_for("payments.fail"),
        callback_url=base + url_for("payments.callback"),
        shop_url=base + url_for("orders.show", number=number),
        rnd=attempt.rnd,
        lang=current_code(),
        store_key=current_app.config["NESTPAY_STORE_KEY"],
        instalments=attempt.instalments,
    )
    gate = services.gate_url()
    response = Response(
        render_template("payments/redirect.html", gate=gate, fields=fields, order=order)
    )
    # The form goes to the bank's origin, which the shop's CSP would otherwise forbid.
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(gate))
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; object-src 'none'; base-uri 'self'; "
        f"form-action 'self' {origin}; frame-ancestors 'none'"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/orders/<number>/retry")
@login_required
def retry(number: str):
    """"Pay again" after a failed payment: takes the stock again and starts a new attempt here,
    in a POST; the page it redirects to only finds that attempt."""
    order_id = _own_order_id(number)
    try:
        services.start_attempt(order_id, services.utcnow())
    except (order_status.InvalidTransition, orders.OutOfStock) as refused:
        return _back_to_order(number, refused)
    return redirect(url_for("payments.start", number=number), 303)


def _back_to_order(number: str, refused: Exception):
    if isinstance(refused, orders.OutOfStock):
        name = refused.name_en if current_code() == "en" else refused.name_sq
        flash(ngettext("Only %(num)d of “%(name)s” is left, so this order can no longer be paid.",
                       "Only %(num)d of “%(name)s” are left, so this order can no longer be "
                       "paid.", refused.available, name=name), "warning")
    return redirect(url_for("orders.show", number=number), 303)


def _reply_fields() -> dict[str, str] | None:
    """The bank's fields decoded in the charset the reply declares; None if it cannot be read.

    The raw bytes, not ``request.form``: Flask decodes as UTF-8, which garbles an ISO-8859-9
    reply and breaks its signature.
    """
    try:
        return nestpay.decode_body(request.get_data(cache=True, parse_form_data=False))
    except nestpay.ReplyFormatError as error:
        current_app.logger.warning("NestPay reply refused on %s: %s", request.path, error)
        if isinstance(error, nestpay.RepeatedField):
            channel = {"payments.ok": "browser_ok", "payments.fail": "browser_fail"}
            services.record_refused(
                error.fields, channel.get(request.endpoint, "callback"), services.utcnow()
            )
        return None


@bp.post("/orders/<number>/pay-on-delivery")
@login_required
def pay_on_delivery(number: str):
    """After a declined card: the same order, paid in cash when it is delivered."""
    order_id = _own_order_id(number)
    try:
        _order, switched = on_delivery.switch_to_cash(order_id)
    except on_delivery.CardStillCounts:
        flash(_("This order's card payment has gone through or may still go through, so it "
                "cannot switch to cash on delivery."), "warning")
        return redirect(url_for("orders.show", number=number), 303)
    except orders.OutOfStock as short:
        name = short.name_en if current_code() == "en" else short.name_sq
        flash(ngettext("Only %(num)d of “%(name)s” is left, so this order can no longer be paid.",
                       "Only %(num)d of “%(name)s” are left, so this order can no longer be "
                       "paid.", short.available, name=name), "warning")
        return redirect(url_for("orders.show", number=number), 303)
    if switched:
        flash(_("You will pay for this order in cash on delivery."), "success")
    return redirect(url_for("orders.show", number=number), 303)


def _browser_return(channel: str):
    fields = _reply_fields()
    if fields is None:
        abort(400)
    outcome, order = services.handle_reply(fields, channel, services.utcnow())
    if outcome == "rejected" or order is None:
        abort(400)
    # Whichever delivery came first, a failed order gets the explanation (the callback
    # usually arrives before the browser, which then sees a "duplicate").
    if order.status == PAYMENT_FAILED:
        flash(_("The bank did not accept the payment. You can try again."), "warning")
    return redirect(url_for("orders.show", number=order.number), 303)


@bp.post("/payment/nestpay/ok")
@csrf.exempt
def ok():
    return _browser_return("browser_ok")


@bp.post("/payment/nestpay/fail")
@csrf.exempt
def fail():
    return _browser_return("browser_fail")


@bp.post("/payment/nestpay/callback")
@csrf.exempt
def callback():
    fields = _reply_fields()
    if fields is None:
        return Response("Rejected", status=400, mimetype="text/plain")
    outcome, _order = services.handle_reply(fields, "callback", services.utcnow())
    if outcome == "rejected":
        return Response("Rejected", status=400, mimetype="text/plain")
    # The bank wants this exact plain-text answer once the result is stored (BANK-PORTAL §10).
    return Response("Approved", mimetype="text/plain")


@bp.app_template_global()
def payment_figures(order_id: int):
    """Paid / refunded / balance of an order from the ledger, for the customer's order page
    (orders/ comes before payments/, so its template asks here)."""
    from . import ledger

    return ledger.order_figures(order_id)

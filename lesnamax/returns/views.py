"""The customer's withdrawal: choose lines (step 1), confirm (step 2), the acknowledgement.

Plain forms with CSRF, no JavaScript needed; only the logged-in owner of the order may use
them (another customer's order number answers 404, as the order page does).
"""

from __future__ import annotations

import re
import secrets

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import shoptime
from ..i18n import _l
from ..orders.models import AWAITING_PAYMENT, CANCELLED, PAYMENT_FAILED
from . import forms, labels, services

bp = Blueprint("returns", __name__)
bp.add_app_template_global(labels.STATE, "return_states")

#: The confirmation's idempotency key, as ``secrets.token_hex(16)`` makes it.
KEY = re.compile(r"[0-9a-f]{32}\Z")
REFUSALS = {
    services.Refused.CANCELLED: _l("This order was cancelled, so there is nothing to "
                                   "withdraw from."),
    services.Refused.UNPAID: _l("This order is not paid yet. If you no longer want it, you "
                                "do not need to pay for it."),
    services.Refused.EXPIRED: _l("The 14 days to withdraw from this order ended on %(day)s."),
    services.Refused.NOTHING: _l("Nothing is left to withdraw: the products are made to order "
                                 "or already withdrawn."),
    services.Refused.EXCEPTED: _l("A product made to your order cannot be withdrawn from."),
    services.Refused.BAD_LINES: _l("Choose how many pieces of at least one product you "
                                   "return, no more than you have."),
}


def _refusal(reason: str, found: services.Offer) -> str:
    day = format_date(found.last_day, "long") if found.last_day else ""
    return str(REFUSALS[reason]) % {"day": day} if reason == services.Refused.EXPIRED \
        else str(REFUSALS[reason])


def _order(number: str):
    return services.order_of(number, current_user.id) or abort(404)


def _form(found: services.Offer, code: int = 200, error: str | None = None,
          typed=None, key: str | None = None):
    refusal = _refusal(found.refusal, found) if found.refusal else None
    return render_template("returns/withdraw.html", order=found.order, offer=found,
                           refusal=refusal, error=error, typed=typed or {},
                           key=key or secrets.token_hex(16)), code


@bp.route("/orders/<number>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(number: str):
    order = _order(number)
    now = shoptime.now()
    found = services.offer(order, now)
    if request.method == "GET":
        return _form(found)
    key = request.form.get("key", "")
    if not KEY.match(key):
        return _form(found, 422, _("The form was not complete. Please choose again."))
    if request.form.get("change") == "yes":  # back from step two, with what was chosen
        return _form(found, typed=request.form, key=key)
    try:
        wanted = forms.quantities(request.form, [line.id for line, _left in found.lines])
        reason = request.form.get("reason", "").strip()[:services.REASON_MAX]
        if request.form.get("confirmed") != "yes":
            chosen = services.check(found, wanted)
            by_id = {line.id: line for line, _left in found.lines}
            return render_template("returns/confirm.html", order=order, key=key, reason=reason,
                                   chosen=[(by_id[i], q) for i, q in chosen.items()])
        ret = services.withdraw(number, current_user.id, wanted, reason, key, now)
    except forms.BadQuantity:
        return _form(found, 422, _refusal(services.Refused.BAD_LINES, found), request.form, key)
    except services.Refused as refused:
        return _form(found, 422, _refusal(refused.reason, found), request.form, key)
    if ret is None:
        abort(404)
    return redirect(url_for("returns.received", number=number, return_id=ret.id), 303)


@bp.get("/orders/<number>/withdrawals/<int:return_id>")
@login_required
def received(number: str, return_id: int):
    found = services.one(number, current_user.id, return_id) or abort(404)
    order, ret, lines = found
    return render_template("returns/received.html", order=order, ret=ret, lines=lines)


@bp.app_template_global()
def withdrawal_open(order) -> bool:
    """Whether the order page offers "Withdraw from the contract here" (no query: the
    withdrawal page itself says what is left)."""
    if order.status in (CANCELLED, AWAITING_PAYMENT, PAYMENT_FAILED):
        return False
    end = services.last_day(order)
    return end is None or shoptime.shop_day(shoptime.now()) <= end


@bp.app_template_global()
def withdrawals_of(order_id: int):
    """The order's withdrawals and returns, for the customer's order page."""
    return services.of_order(order_id)

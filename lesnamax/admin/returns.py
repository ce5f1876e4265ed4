"""Admin: returns and withdrawals. Each change is a plain POST carrying the state its form was
made for; a second click or another tab gets 409, bad input 422 (translated)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from .. import shoptime
from ..i18n import _l
from ..money import parse_euros
from ..orders import manage as manage_orders
from ..payments import manage as money
from ..returns import forms as return_forms
from ..returns import labels
from ..returns import manage as returns
from ..returns.models import CARD
from . import bp, current_actor
from .money_answers import REASON_MAX, known, outcome, refused_text

REFUSED = {
    returns.Refused.NOT_CARD: _l("This return's order was paid another way."),
    returns.Refused.IN_FLIGHT: _l("The card refund of this return is waiting for the bank's "
                                  "answer. Ask the bank about it on the order page first."),
    returns.Refused.AMOUNT: _l("Type an amount in euros that can be given back, e.g. 149,90."),
    returns.Refused.NO_REASON: _l("Write the reason the customer will be told."),
    returns.Refused.BAD_LINES: _l("Choose quantities that can still be returned."),
    returns.Refused.CANCELLED: _l("This order was cancelled."),
}


@bp.get("/returns")
def returns_list():
    state = request.args.get("state", "")
    if state not in labels.STATE:
        state = ""
    rows = returns.listing(current_actor(), state)
    moment = shoptime.now()
    return render_template("admin/returns/list.html", active_page="returns_list", rows=rows,
                           state=state, states=labels.STATE, kinds=labels.KIND,
                           days_left=lambda ret: returns.days_left(ret, moment))


@bp.get("/returns/<int:return_id>")
def return_page(return_id: int):
    return _page(return_id)


def _page(return_id: int, code: int = 200, error: str | None = None, typed=None):
    found = returns.record(return_id, current_actor()) or abort(404)
    return render_template("admin/returns/return.html", active_page="returns_list", rec=found,
                           states=labels.STATE, kinds=labels.KIND, error=error,
                           typed=typed or {}, due=returns.due_day(found.ret),
                           days_left=returns.days_left(found.ret, shoptime.now())), code


def _back(return_id: int, message: str):
    flash(message, "success")
    return redirect(url_for("admin.return_page", return_id=return_id), 303)


def _stale(return_id: int, stale: returns.Stale):
    return _page(return_id, 409, _("Someone changed this return meanwhile: it is now "
                                   "“%(state)s”. Nothing was done.",
                                   state=labels.STATE[stale.current]))


def _expected() -> str:
    state = request.form.get("state", "")
    return state if state in labels.STATE else ""


@bp.post("/returns/<int:return_id>/receive")
def return_receive(return_id: int):
    try:
        returns.receive(return_id, _expected(), current_actor(), shoptime.now())
    except LookupError:
        abort(404)
    except returns.Stale as stale:
        return _stale(return_id, stale)
    return _back(return_id, _("Goods received; their stock is back on sale."))


@bp.post("/returns/<int:return_id>/reject")
def return_reject(return_id: int):
    reason = request.form.get("reason", "").strip()[:REASON_MAX]
    try:
        returns.reject(return_id, _expected(), reason, current_actor(), shoptime.now())
    except LookupError:
        abort(404)
    except returns.Stale as stale:
        return _stale(return_id, stale)
    except returns.Refused as refused:
        return _page(return_id, 422, str(REFUSED[refused.reason]), request.form)
    return _back(return_id, _("The return was rejected; the e-mail to the customer is in "
                              "the outbox."))


@bp.post("/returns/<int:return_id>/refund")
def return_refund(return_id: int):
    found = returns.record(return_id) or abort(404)
    raw = request.form.get("amount", "").strip()
    amount = parse_euros(raw) if raw else None
    try:
        if amount is None:
            raise returns.Refused(returns.Refused.AMOUNT)
        if found.order.payment_method == CARD:
            _ret, result = returns.refund_card(return_id, _expected(), amount,
                                               current_actor(), shoptime.now())
        else:
            returns.refund_cash(return_id, _expected(), amount, current_actor(), shoptime.now())
            return _back(return_id, _("The cash refund is recorded; the e-mail to the customer "
                                      "is in the outbox."))
    except LookupError:
        abort(404)
    except returns.Stale as stale:
        return _stale(return_id, stale)
    except returns.Refused as refused:
        code = 409 if refused.reason == returns.Refused.IN_FLIGHT else 422
        return _page(return_id, code, str(REFUSED[refused.reason]), request.form)
    except money.MoneyRefused as refused:
        code = 409 if refused.reason == refused.IN_FLIGHT else 422
        return _page(return_id, code, refused_text(refused), request.form)
    if result is None:
        return _back(return_id, _("The bank had given the money back already; the return is "
                                  "refunded."))
    outcome(result)
    return redirect(url_for("admin.return_page", return_id=return_id), 303)


@bp.route("/orders/<number>/returns/new", methods=["GET", "POST"])
def return_start(number: str):
    order = manage_orders.current(known(number)) or abort(404)
    lines = money.lines_of(order)
    if request.method == "GET":
        return _start_page(order, lines)
    try:
        wanted = return_forms.quantities(request.form, [line.id for line in lines])
        reason = request.form.get("reason", "").strip()[:REASON_MAX]
        ret = returns.start(number, wanted, reason, current_actor(), shoptime.now())
    except return_forms.BadQuantity:
        return _start_page(order, lines, 422, str(REFUSED[returns.Refused.BAD_LINES]))
    except returns.Refused as refused:
        return _start_page(order, lines, 422, str(REFUSED[refused.reason]))
    except LookupError:
        abort(404)
    return _back(ret.id, _("The return is started."))


def _start_page(order, lines, code: int = 200, error: str | None = None):
    return render_template("admin/returns/start.html", active_page="returns_list", order=order,
                           lines=lines, error=error, typed=request.form), code

"""Admin: giving an order's money back. Each operation is a GET that shows exactly what will
happen (a confirmation page) and a POST that does it; plain forms, no JavaScript needed."""

from __future__ import annotations

import re
import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..extensions import db
from ..i18n import _l
from ..money import parse_euros
from ..orders import manage as manage_orders
from ..payments import bankapi
from ..payments import manage as money
from ..payments.models import PaymentAttempt, PaymentMovement
from ..shoptime import now
from . import bp, current_actor
from .money_answers import REASON_MAX, known, outcome, refused_text

KINDS = {"void": _l("void (same day)"), "refund": _l("refund"), "capture": _l("payment"),
         "attempt": _l("attempt")}
STATES = {"requested": _l("asked, waiting"), "done": _l("done"),
          "refused": _l("not done"), "unknown": _l("not done, retry")}
_TOKEN = re.compile(r"^[0-9a-f]{32}$")  # made by the confirmation page (secrets.token_hex(16))


def _order(number: str):
    return manage_orders.current(known(number)) or abort(404)


def _back(number: str):
    return redirect(url_for("admin.order", number=number), 303)


def _confirm(order, title: str, steps, action: str, hidden: dict, code: int = 200,
             error: str | None = None):
    return render_template("admin/orders/confirm_money.html", active_page="orders",
                           order=order, title=title, steps=steps, action=action, hidden=hidden,
                           error=error, kinds=KINDS), code


@bp.route("/orders/<number>/cancel-payment", methods=["GET", "POST"])
def order_cancel_payment(number: str):
    order = _order(number)
    try:
        steps = money.cancel_plan(order, now())
    except money.MoneyRefused as error:
        flash(refused_text(error), "error")
        return _back(number) if request.method == "GET" else (_back(number))
    if request.method == "GET":
        return _confirm(order, _("Cancel the order and give its money back"),
                        [(s.attempt.oid, s.kind, s.amount_cents) for s in steps],
                        url_for("admin.order_cancel_payment", number=number), {})
    try:
        outcome(money.cancel(order.id, current_actor(), now()))
    except money.MoneyRefused as error:
        flash(refused_text(error), "error")
    return _back(number)


@bp.get("/orders/<number>/refund")
def order_refund_form(number: str):
    order = _order(number)
    return _refund_page(order)


def _refund_page(order, code: int = 200, error: str | None = None, typed=None):
    lines = [(line, left) for line, left in zip(
        money.lines_of(order), money.refundable_lines(order).values(), strict=True)]
    figures = money.ledger.order_figures(order.id)
    return render_template("admin/orders/refund.html", active_page="orders", order=order,
                           lines=lines, figures=figures, error=error,
                           typed=typed or {}), code


def _read_refund(order):
    """The typed lines and amount: ``(lines, amount_cents or None, reason)``, or an error."""
    lines = {}
    for line in money.lines_of(order):
        raw = request.form.get(f"line-{line.id}", "").strip() or "0"
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 4:  # "²" is a digit to isdigit
            raise money.MoneyRefused(money.MoneyRefused.BAD_LINES)
        lines[line.id] = int(raw)
    raw_amount = request.form.get("amount", "").strip()
    amount = parse_euros(raw_amount) if raw_amount else None
    if raw_amount and amount is None:
        raise money.MoneyRefused(money.MoneyRefused.TOO_MUCH)
    return lines, amount, request.form.get("reason", "").strip()[:REASON_MAX]


@bp.post("/orders/<number>/refund")
def order_refund(number: str):
    order = _order(number)
    try:
        lines, amount, reason = _read_refund(order)
        if amount is None and not any(lines.values()):
            raise money.MoneyRefused(money.MoneyRefused.BAD_LINES)
        if request.form.get("confirmed") != "yes":
            shown = amount if amount is not None else sum(
                line.unit_price_cents * lines[line.id] for line in money.lines_of(order))
            available = money.ledger.order_figures(order.id).refundable
            if shown <= 0 or shown > available:
                raise money.MoneyRefused(money.MoneyRefused.TOO_MUCH, available)
            hidden = {f"line-{k}": v for k, v in lines.items() if v}
            hidden.update(amount=request.form.get("amount", "").strip(), reason=reason,
                          confirmed="yes", token=secrets.token_hex(16))
            return _confirm(order, _("Give part of the order's money back"),
                            [("", "refund", shown)],
                            url_for("admin.order_refund", number=number), hidden)
        token = request.form.get("token", "")
        if not _TOKEN.match(token):
            raise money.MoneyRefused(money.MoneyRefused.BAD_LINES)
        outcome(money.refund(order, amount, lines, current_actor(), reason, now(), token=token))
    except money.MoneyRefused as error:
        if error.reason == money.MoneyRefused.ALREADY_ASKED:
            flash(refused_text(error), "warning")
            return _back(number)
        return _refund_page(order, 422 if error.reason != money.MoneyRefused.IN_FLIGHT else 409,
                            refused_text(error), request.form)
    return _back(number)


@bp.post("/payments/<int:attempt_id>/ask")
def payment_ask(attempt_id: int):
    attempt = db.session.get(PaymentAttempt, attempt_id) or abort(404)
    number = money.number_of(attempt.order_id)
    try:
        _status, text = money.ask_bank(attempt_id, current_actor())
    except bankapi.BankUnavailable:
        flash(_("The bank did not answer. Try again in a few minutes."), "error")
    else:
        flash(_("The bank about %(oid)s: %(answer)s", oid=attempt.oid, answer=text), "info")
    return _back(number)


@bp.route("/payments/movements/<int:movement_id>/retry", methods=["GET", "POST"])
def payment_retry(movement_id: int):
    movement = db.session.get(PaymentMovement, movement_id) or abort(404)
    if movement.kind not in ("void", "refund"):  # only money given back is ever retried
        abort(404)
    order = db.session.get(money.Order, movement.order_id)
    attempt = db.session.get(PaymentAttempt, movement.attempt_id)
    if request.method == "GET":
        return _confirm(order, _("Ask the bank, then retry if it was not done"),
                        [(attempt.oid, movement.kind, movement.amount_cents)],
                        url_for("admin.payment_retry", movement_id=movement_id), {})
    try:
        outcome(money.retry(movement_id, current_actor(), now()))
    except money.MoneyRefused as error:
        flash(refused_text(error), "error")
    except bankapi.BankUnavailable:
        flash(_("The bank did not answer: not done, retry. Nothing is counted as refunded."),
              "error")
    return _back(order.number)


@bp.route("/orders/<number>/refund-extra/<int:attempt_id>", methods=["GET", "POST"])
def order_refund_extra(number: str, attempt_id: int):
    order = _order(number)
    extra = money.extra_charge(order)
    if extra is None or extra[0].id != attempt_id:
        flash(refused_text(money.MoneyRefused(money.MoneyRefused.NOT_PAID)), "error")
        return _back(number)
    if request.method == "GET":
        return _confirm(order, _("Give back the second charge"),
                        [(extra[0].oid, "refund", extra[1])],
                        url_for("admin.order_refund_extra", number=number,
                                attempt_id=attempt_id), {})
    try:
        outcome(money.refund_extra(order.id, attempt_id, current_actor(), now()))
    except money.MoneyRefused as error:
        flash(refused_text(error), "error")
    return _back(number)

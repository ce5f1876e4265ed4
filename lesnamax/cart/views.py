"""Cart pages and the htmx endpoints that change it (each also works as a plain form POST)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import user_logged_in

from .. import htmx, kosovo
from ..text import whole_number
from . import pricing, services
from .current import (
    current_cart,
    delivery_municipality,
    remember_cart,
    remember_count,
    remember_municipality,
)

bp = Blueprint("cart", __name__, url_prefix="/cart")


def _quantity(raw: str | None, default: int = 1) -> int:
    if not (raw or "").strip():
        return default
    quantity = whole_number(raw, 4)
    if quantity is None:
        abort(400)
    return quantity


@bp.get("")
def show():
    lines = pricing.priced(services.lines_of(current_cart()))
    remember_count(lines)
    totals = pricing.totals(lines)
    return render_template("cart/cart.html", lines=lines, totals=totals,
                           delivery=_delivery(totals))


def _delivery(totals: pricing.Totals) -> dict:
    """What the cart says about delivery: how much more for free delivery, and the fee and
    days to the municipality this visitor named (or their account's)."""
    rules = pricing.delivery_rules()
    where = delivery_municipality()
    if where not in kosovo.BY_SLUG:
        where = None
    return {"rules": rules, "where": where,
            "missing_cents": rules.missing_for_free(totals.subtotal_cents),
            "fee_cents": pricing.delivery_fee(pricing.STANDARD, where, totals.subtotal_cents),
            "days": rules.days_for(where), "choices": kosovo.BY_SLUG.items()}


@bp.post("/delivery-to")
def delivery_to():
    """Remember where the visitor wants delivery; the cart shows that fee and time."""
    where = request.form.get("municipality", "")
    if where and where not in kosovo.BY_SLUG:
        abort(400)
    if where:  # none chosen: the cart as it was
        remember_municipality(where)
    if not htmx.is_partial():
        return redirect(url_for("cart.show") + "#delivery-note", 303)
    return _lines_response(services.lines_of(current_cart()), None)


@bp.get("/delivery/<int:product_id>")
def delivery_for(product_id: int):
    """The product page's delivery note for this visitor (a private partial: the page itself
    is the same for everybody, lesnamax/pagecache.py). 204 when nothing says where they live:
    the page's general rule stays."""
    where = delivery_municipality()
    if where not in kosovo.BY_SLUG:
        return "", 204
    fee = pricing.product_delivery_fee(product_id, where)
    if fee is None:
        abort(404)
    rules = pricing.delivery_rules()
    return render_template("cart/_delivery_for.html", rules=rules, where=where, fee_cents=fee,
                           days=rules.days_for(where))


@bp.post("/add")
def add():
    # Nine digits: more than any product id, less than any database integer's limit.
    product_id = whole_number(request.form.get("product_id"), 9)
    if product_id is None:
        abort(400)
    cart = current_cart(create=True)
    try:
        change = services.add(cart, product_id, _quantity(request.form.get("quantity")))
    except LookupError:
        abort(404)
    message = _added_message(change)
    if change.line is None:  # nothing was saved: a new cart was rolled back with the add
        count = session.get("cart_count", 0)
    else:
        remember_cart(cart)
        count = session["cart_count"] = services.quantity_in(cart)
    if not htmx.is_partial():
        flash(message, "warning" if change.capped else "success")
        return redirect(url_for("cart.show"), 303)
    return render_template("cart/_added.html", product_id=product_id, message=message,
                           capped=change.capped, cart_count=count)


def _added_message(change) -> str:
    if change.line is None:
        return _("Out of stock")
    if change.capped:
        return ngettext("Only %(num)d left", "Only %(num)d left", change.available)
    return _("Added to the cart.")


@bp.post("/lines/<int:line_id>")
def update_line(line_id: int):
    lines = services.lines_of(current_cart())
    current = next((line for line in lines if line.id == line_id), None)
    if current is None:
        abort(404)
    quantity = {"inc": current.quantity + 1, "dec": current.quantity - 1}.get(
        request.form.get("action"))
    if quantity is None:
        quantity = _quantity(request.form.get("quantity"), default=current.quantity)
    change, lines = services.set_quantity(lines, line_id, quantity)
    notice = (ngettext("Only %(num)d left", "Only %(num)d left", change.available)
              if change.capped else None)
    return _lines_response(lines, notice)


@bp.post("/lines/<int:line_id>/remove")
def remove_line(line_id: int):
    try:
        lines = services.remove(services.lines_of(current_cart()), line_id)
    except LookupError:
        abort(404)
    return _lines_response(lines, _("Removed from the cart."))


def _lines_response(lines, notice: str | None):
    # ``lines`` are the cart's lines right after the change: nothing is read again.
    lines = pricing.priced(lines)
    count = remember_count(lines)
    if not htmx.is_partial():
        if notice:
            flash(notice, "info")
        return redirect(url_for("cart.show"), 303)
    totals = pricing.totals(lines)
    return render_template("cart/_lines_response.html", lines=lines, totals=totals,
                           notice=notice, cart_count=count, delivery=_delivery(totals))


@user_logged_in.connect
def _merge_at_login(_app, user, **_extra) -> None:
    """Move the visitor's cart into the customer's and say what changed."""
    report = services.merge(session.pop("cart_id", None), session.pop("cart_token", None),
                            user.id)
    lines = services.lines_of(services.open_cart(None, user.id))
    remember_count(lines)
    if report.added:
        flash(ngettext("We added %(num)d item from before you logged in to your cart.",
                       "We added %(num)d items from before you logged in to your cart.",
                       report.added), "info")
    for name in report.capped:
        flash(_("Fewer of “%(name)s” are left than you wanted; the cart holds what is left.",
                name=name), "warning")

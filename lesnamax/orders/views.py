"""Order pages for their owner: one order's status, and the order history."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from . import services

bp = Blueprint("orders", __name__)


@bp.get("/orders/<number>")
@login_required
def show(number: str):
    order = services.with_lines(number)
    # Someone else's order number gets the same answer as a made-up one.
    if order is None or order.user_id != current_user.id:
        abort(404)
    return render_template("orders/order.html", order=order)


@bp.get("/account/orders")
@login_required
def history():
    return render_template("orders/history.html", orders=services.orders_of(current_user.id))

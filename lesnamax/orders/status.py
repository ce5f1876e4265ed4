"""One table of status changes (``models.TRANSITIONS``) and the stock they move, in placing's
lock order."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select, update

from .. import shoptime
from ..catalogue.models import Product
from ..extensions import db
from . import signals, slots
from .models import (
    CANCELLED,
    CASH,
    CASH_ON_DELIVERY,
    DELIVERED,
    HOLDS_STOCK,
    PAYMENT_FAILED,
    TRANSITIONS,
    Order,
    OrderLine,
)
from .services import out_of_stock


class InvalidTransition(ValueError):
    pass


def set_status(order: Order, new: str) -> None:
    """Move ``order`` to ``new`` if the table allows it, returning or taking stock as needed.

    Raises InvalidTransition, or OutOfStock when stock must be taken again and is gone (then
    nothing changed). The caller commits.
    """
    if new not in TRANSITIONS.get(order.status, frozenset()):
        raise InvalidTransition(f"{order.status} -> {new}")
    held, holds = order.status in HOLDS_STOCK, new in HOLDS_STOCK
    if held != holds:
        _move_stock(order, take=holds)
    if new == DELIVERED:
        order.delivered_at = shoptime.now()  # the withdrawal period's first day
    if new == CANCELLED:
        slots.release(order)  # its delivery day's place goes to the next buyer
    order.status = new


def pay_on_delivery(order: Order) -> None:
    """Turn an order whose card payment failed into a cash-on-delivery order, taking its stock
    again as a new cash order would (OutOfStock when it is gone; then nothing changed).

    Not a row of TRANSITIONS: the change is of the payment method too, and only the customer
    makes it, after the caller made sure no card payment for the order can still count. The
    caller commits.
    """
    if order.status != PAYMENT_FAILED:
        raise InvalidTransition(f"{order.status} -> {CASH_ON_DELIVERY}")
    if order.status not in HOLDS_STOCK:
        _move_stock(order, take=True)
    order.status, order.payment_method = CASH_ON_DELIVERY, CASH
    # Cash is paid at once: no instalments, and no fee for them (it was for the card plan; no
    # card payment of this order went through, so nothing of it was ever paid).
    order.total_cents -= order.instalment_fee_cents
    order.instalments, order.instalment_bank, order.instalment_fee_cents = None, "", 0


def lines_in_lock_order(order_id: int) -> list[OrderLine]:
    """The order's lines in placing's lock order (``priced_lines``): by family, then product.

    Whatever moves an order's stock (a cancellation, a retry, a return received) walks its
    lines so: every writer then locks product rows, and a variant's family through the
    parent's stock trigger, in one order, and PostgreSQL never finds two waiting crosswise.
    """
    return list(db.session.scalars(
        select(OrderLine).where(OrderLine.order_id == order_id)
        .outerjoin(Product, Product.id == OrderLine.product_id)
        .order_by(func.coalesce(Product.parent_id, OrderLine.product_id), OrderLine.product_id)
    ))


def _move_stock(order: Order, take: bool) -> None:
    lines = lines_in_lock_order(order.id)
    back: dict[int, int] = {}
    if not take:
        for _receiver, answer in signals.returned_pieces.send(current_app._get_current_object(),
                                                              order=order):
            for line_id, quantity in (answer or {}).items():
                back[line_id] = back.get(line_id, 0) + quantity
    for line in lines:
        if line.product_id is None:
            continue
        if not take and back.get(line.id, 0) >= line.quantity:
            continue  # every piece of it came back through a return, its stock with it
        statement = update(Product).where(Product.id == line.product_id)
        if take:
            # As place_order: a product taken off sale is not sold again (a retry, a switch
            # to cash), even with stock left; a late card approval then goes to review.
            statement = statement.where(Product.sellable,
                                        Product.stock >= line.quantity).values(
                stock=Product.stock - line.quantity)
        else:
            statement = statement.values(stock=Product.stock + line.quantity
                                         - min(back.get(line.id, 0), line.quantity))
        if db.session.execute(statement.execution_options(synchronize_session=False)
                              ).rowcount != 1 and take:
            raise out_of_stock(line.product_id)

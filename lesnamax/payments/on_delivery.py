"""The customer's way out of a declined card: the same order, paid in cash on delivery."""

from __future__ import annotations

from sqlalchemy import select

from ..database import begin_write
from ..extensions import db
from ..orders import emails, signals
from ..orders import status as order_status
from ..orders.models import CASH, Order
from .models import NEEDS_REVIEW, PAID, PENDING, PaymentAttempt

#: Attempts that took, or may still take, the customer's money.
_MAY_COUNT = (PENDING, PAID, NEEDS_REVIEW)


class CardStillCounts(Exception):
    """The order's card payment went through, is in review or may still be answered."""


def switch_to_cash(order_id: int) -> tuple[Order, bool]:
    """Switch the order to cash on delivery; return it and whether this call switched it.

    An order already paid in cash returns unchanged (a second click). Raises CardStillCounts,
    or OutOfStock when the stock its failed payment returned is gone (nothing changed).
    """
    begin_write()
    # The order's row lock (PostgreSQL; SQLite holds its write lock) serialises this with a
    # reply from the bank and with a second click.
    order = db.session.scalar(select(Order).where(Order.id == order_id).with_for_update())
    if order.payment_method == CASH:
        db.session.rollback()
        return order, False
    live = db.session.scalar(select(PaymentAttempt.id).where(
        PaymentAttempt.order_id == order.id, PaymentAttempt.status.in_(_MAY_COUNT)).limit(1))
    try:
        if live is not None:
            raise CardStillCounts(order.number)
        order_status.pay_on_delivery(order)
    except order_status.InvalidTransition as error:
        db.session.rollback()
        raise CardStillCounts(order.number) from error
    except CardStillCounts:
        db.session.rollback()
        raise
    emails.queue_confirmation(order)  # now due: a cash order's, with the switch
    db.session.commit()
    signals.send(signals.order_switched_to_cash, order)
    return order, True

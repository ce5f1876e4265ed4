"""E-mails about money given back: a refund, and an order cancelled with its payment returned.

Written into the outbox inside the transaction of the one request whose bank answer turned
the movement "done" (the ledger's conditional update), so each is sent once.
"""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import mail
from ..i18n import LOCALES
from ..orders.models import Order
from .models import PaymentMovement


def send_refund(order: Order, movement: PaymentMovement) -> bool:
    """Tell the customer a refund went through; False when not sent (no address, mail down)."""
    return _send(order, movement, "payment_refund",
                 lambda: _("Refund for your order %(number)s", number=order.number))


def send_cancelled(order: Order, refunded_cents: int) -> bool:
    """Tell the customer the order was cancelled and its payment returned."""
    return _send(order, None, "order_cancelled_refund",
                 lambda: _("Your order %(number)s was cancelled", number=order.number),
                 refunded_cents=refunded_cents)


def _send(order: Order, movement, template: str, subject, **context) -> bool:
    """Write the message into the outbox, in the caller's transaction."""
    if not order.email:
        return False
    with mail.in_a_request(), force_locale(LOCALES.get(order.language, "sq_XK")):
        link = current_app.config["BASE_URL"].rstrip("/") + url_for(
            "orders.show", number=order.number)
        mail.send(order.email, subject(), template, order=order, movement=movement,
                  lines=(movement.lines or []) if movement else [], link=link, **context)
    return True

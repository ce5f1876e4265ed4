"""E-mails about money given back: a refund, and an order cancelled with its payment returned.

Sent by the one request whose bank answer turned the movement "done" (the ledger's
conditional update), after the commit, so each is sent once.
"""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import mail
from ..i18n import LOCALES
from ..orders.emails import _in_a_request
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
    if not order.email:
        return False
    try:
        with _in_a_request(), force_locale(LOCALES.get(order.language, "sq_XK")):
            link = current_app.config["BASE_URL"].rstrip("/") + url_for(
                "orders.show", number=order.number)
            mail.send(order.email, subject(), template, order=order, movement=movement,
                      lines=(movement.lines or []) if movement else [], link=link, **context)
    except mail.MailError as error:
        # The money moved and is recorded; the page tells the owner the e-mail did not go.
        current_app.logger.warning("%s e-mail for order %s not sent: %s", template,
                                   order.number, error)
        return False
    return True

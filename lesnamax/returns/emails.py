"""A return's e-mails in the customer's language, written to the outbox inside the
transaction of the change that causes them (so each is sent once, and only if it happened)."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import mail
from ..i18n import LOCALES
from ..orders.models import Order, OrderLine
from .models import Return


def acknowledge(order: Order, ret: Return, lines: list[tuple[OrderLine, int]]) -> bool:
    """The acknowledgement of a withdrawal (the law asks for it on a durable medium, without
    delay), with the date and time it was received."""
    return _send(order, ret, lines, "withdrawal_received",
                 lambda: _("We received your withdrawal from order %(number)s",
                           number=order.number))


def rejected(order: Order, ret: Return, lines: list[tuple[OrderLine, int]]) -> bool:
    """The owner refused the return; the customer is told why."""
    return _send(order, ret, lines, "return_rejected",
                 lambda: _("Your return for order %(number)s was not accepted",
                           number=order.number))


def cash_refunded(order: Order, ret: Return, lines: list[tuple[OrderLine, int]]) -> bool:
    """The owner handed the money of a cash order's return back."""
    return _send(order, ret, lines, "return_refunded",
                 lambda: _("Refund for your order %(number)s", number=order.number))


def _send(order: Order, ret: Return, lines, template: str, subject) -> bool:
    if not order.email:
        return False  # erased: nothing to write to
    with mail.in_a_request(), force_locale(LOCALES.get(order.language, "sq_XK")):
        link = current_app.config["BASE_URL"].rstrip("/") + url_for(
            "orders.show", number=order.number)
        mail.send(order.email, subject(), template, order=order, ret=ret, lines=lines,
                  link=link)
    return True

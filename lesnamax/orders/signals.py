"""What happens to an order, told to whoever listens (blinker, as Flask's own signals).

Orders come before payments, checkout and admin, so it cannot call them; they, and the e-mails,
learn of an order's news here. Each signal is sent once per change, after the change is
committed (a receiver may start its own transaction, and never runs inside the writer's), with
the application as sender and the order as ``order``. Receivers connect at start-up, in the
app factory (``lesnamax.connect_signals``).
"""

from __future__ import annotations

from blinker import Namespace
from flask import current_app

from ..extensions import db

_signals = Namespace()

#: A new order, by card or in cash (``orders.services.place_order``); not sent again for a
#: second click or another tab that finds the same order.
order_placed = _signals.signal("order-placed")

#: The bank's approval was applied to a card order (``payments.services.handle_reply``): one
#: delivery of it, however many the bank sends.
order_paid = _signals.signal("order-paid")

#: A card order whose payment failed now waits to be paid in cash on delivery
#: (``payments.on_delivery.switch_to_cash``).
order_switched_to_cash = _signals.signal("order-switched-to-cash")

#: A question, not news: what documents go with this order's confirmation e-mail? Sent by
#: ``orders.emails.compose_confirmation`` when the job composes the confirmation, after the
#: order's commit; a receiver only reads. Each receiver returns a list of
#: ``mail.Attachment``; the privacy area answers with the terms of sale as PDF.
confirmation_attachments = _signals.signal("confirmation-attachments")

#: A question, asked inside the transaction that gives a cancelled order's stock back: which
#: pieces of its lines are back on the shelf already? Each receiver returns
#: ``{order_line_id: quantity}``; the returns area answers with the goods it received (their
#: stock returned then), so a cancel after a return does not put them back twice.
returned_pieces = _signals.signal("returned-pieces")

#: The owner moved an order to a final status (``orders.manage.change_status``). The account
#: area erases there what an erased customer's order kept until it was closed.
order_closed = _signals.signal("order-closed")


def send(signal, order, **extra) -> None:
    """Send ``signal`` about ``order``; call it only after the change is committed.

    A receiver that fails is logged, never raised: the order changed already, so the customer
    (or the bank's callback) must not get an error for it, and what the receivers do is caught
    up by ``flask purge-expired`` (closed orders' kept contact). E-mails are no receivers' work:
    they are written to the outbox inside the change's own transaction (orders/emails.py).
    """
    app = current_app._get_current_object()
    for receiver in signal.receivers_for(app):
        try:
            receiver(app, order=order, **extra)
        except Exception:  # noqa: BLE001 - see the docstring
            app.logger.exception("%s: a receiver failed for order %s", signal.name, order.number)
            db.session.rollback()

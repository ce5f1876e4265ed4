"""Order e-mails in the customer's language: the confirmation (sent once) and status changes."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from .. import mail
from ..extensions import db
from ..i18n import LOCALES
from . import labels
from .models import Order, OrderLine


def send_confirmation(order: Order) -> bool:
    """Send the confirmation unless it went out already; return True if this call sent it.

    The conditional UPDATE claims the sending, so two deliveries of one bank approval
    arriving together still produce one e-mail.
    """
    claimed = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.confirmation_sent_at.is_(None))
        .values(confirmation_sent_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return False
    lines = db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)).all()
    link = current_app.config["BASE_URL"].rstrip("/") + url_for("orders.show",
                                                                number=order.number)
    with force_locale(LOCALES.get(order.language, "sq_XK")):
        body = render_template("email/order_confirmation.txt", order=order, lines=lines,
                               link=link)
        subject = _("Your order %(number)s at LESNA MAX", number=order.number)
    mail.send(order.email, subject, body)
    return True


def send_status_change(order: Order, note: str = "") -> bool:
    """E-mail the customer the order's new status (with the shop's ``note``, if any).

    Return False without sending when the order's e-mail was erased. The caller decides
    whether to send at all and makes sure one change sends at most one message.
    """
    if not order.email:
        return False
    link = current_app.config["BASE_URL"].rstrip("/") + url_for("orders.show",
                                                                number=order.number)
    with force_locale(LOCALES.get(order.language, "sq_XK")):
        status = str(labels.STATUS.get(order.status, order.status))
        body = render_template("email/order_status.txt", order=order, status=status,
                               note=note, link=link)
        subject = _("Your order %(number)s: %(status)s", number=order.number, status=status)
    mail.send(order.email, subject, body)
    return True

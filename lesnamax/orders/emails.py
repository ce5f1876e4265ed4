"""The order confirmation e-mail: in the customer's language, sent exactly once."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from .. import mail
from ..extensions import db
from ..i18n import LOCALES
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

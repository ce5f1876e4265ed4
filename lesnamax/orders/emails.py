"""Order e-mails in the customer's language: the confirmation (sent once) and status changes."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import UTC, datetime, timedelta

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, or_, select, update

from .. import mail, media
from ..catalogue.models import ProductImage
from ..extensions import db
from ..i18n import LOCALES
from . import labels
from .models import (
    CANCELLED,
    CASH,
    DELIVERED,
    PAID,
    PROCESSING,
    SHIPPED,
    Order,
    OrderLine,
)

#: A claim older than this belongs to a process that died while sending: retry it.
CLAIM_MINUTES = 10
#: A confirmation that could not go out is retried for this long; later it would only confuse.
RETRY_DAYS = 3
#: Orders whose confirmation is due: cash orders once placed, card orders once paid.
_CONFIRMED_CARD = (PAID, PROCESSING, SHIPPED, DELIVERED)


def confirm(_sender, order: Order, **_extra) -> None:
    """The one way the confirmation leaves: the receiver of ``signals.order_placed``,
    ``order_paid`` and ``order_switched_to_cash``, connected at start-up. It sends when the
    confirmation is due (a cash order, a card order once paid), after the change was committed.
    """
    if _due(order):
        send_confirmation(order)


def _due(order: Order) -> bool:
    """The rule of ``retry_confirmations``' query, for one order."""
    return ((order.payment_method == CASH and order.status != CANCELLED)
            or order.status in _CONFIRMED_CARD)


def send_confirmation(order: Order, now: datetime | None = None) -> bool:
    """Send the confirmation unless it went out already; return True if this call sent it.

    A failed send (mail server down) is logged and returns False: the order stays placed and
    unconfirmed, and ``retry_confirmations`` (``flask purge-expired``) sends it later. The
    conditional UPDATE claims the sending, so two deliveries of one bank approval arriving
    together still produce one e-mail; ``confirmation_sent_at`` is set only once it went out.
    """
    return _deliver(order, now or datetime.now(UTC)) == "sent"


def _deliver(order: Order, now: datetime) -> str:
    """Return "sent", "failed" (the mail server refused) or "skipped" (sent or being sent)."""
    claimed = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.confirmation_sent_at.is_(None), Order.email != "",
               or_(Order.confirmation_claimed_at.is_(None),
                   Order.confirmation_claimed_at < now - timedelta(minutes=CLAIM_MINUTES)))
        .values(confirmation_claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return "skipped"
    try:
        _send(order)
    except mail.MailError as error:
        current_app.logger.warning("Confirmation of order %s not sent (retried later): %s",
                                   order.number, error)
        outcome, values = "failed", {"confirmation_claimed_at": None}
    else:
        outcome, values = "sent", {"confirmation_sent_at": datetime.now(UTC),
                                   "confirmation_claimed_at": None}
    db.session.execute(
        update(Order).where(Order.id == order.id, Order.confirmation_claimed_at == now)
        .values(**values).execution_options(synchronize_session=False)
    )
    db.session.commit()
    return outcome


def _send(order: Order) -> None:
    lines = db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)).all()
    with _in_a_request(), force_locale(LOCALES.get(order.language, "sq_XK")):
        link = current_app.config["BASE_URL"].rstrip("/") + url_for("orders.show",
                                                                    number=order.number)
        subject = _("Your order %(number)s at LESNA MAX", number=order.number)
        mail.send(order.email, subject, "order_confirmation", order=order, lines=lines,
                  link=link, images=_pictures(lines))


def _pictures(lines: list[OrderLine]) -> dict[int, mail.InlineImage]:
    """Each line's product picture (its first), keyed by line id, carried in the e-mail.

    A line whose product is gone or has no picture has none; the e-mail shows the line without.
    """
    product_ids = {line.product_id for line in lines if line.product_id is not None}
    if not product_ids:
        return {}
    keys: dict[int, str] = {}
    for product_id, key in db.session.execute(
        select(ProductImage.product_id, ProductImage.key)
        .where(ProductImage.product_id.in_(product_ids))
        .order_by(ProductImage.position, ProductImage.id)
    ):
        keys.setdefault(product_id, key)
    embedded: dict[str, mail.InlineImage | None] = {}  # two lines of one product: one picture
    pictures = {}
    for line in lines:
        key = keys.get(line.product_id)
        if key is None:
            continue
        if key not in embedded:
            data = media.thumbnail_jpeg(key)
            embedded[key] = mail.InlineImage(data) if data else None
        if embedded[key] is not None:
            pictures[line.id] = embedded[key]
    return pictures


def _in_a_request():
    """Outside any request (cron retrying, a tool placing an order on the shop's side) the
    e-mail's links are built as for a request to BASE_URL."""
    if has_request_context():
        return nullcontext()
    return current_app.test_request_context(base_url=current_app.config["BASE_URL"])


def retry_confirmations(now: datetime) -> tuple[int, int]:
    """Send the confirmations that failed in the last RETRY_DAYS; return (sent, still unsent).

    Stops at the first failure: the mail server is still down, and every further order would
    wait for its timeout too.
    """
    due = db.session.scalars(
        select(Order).where(
            Order.confirmation_sent_at.is_(None), Order.email != "",
            Order.created_at >= now - timedelta(days=RETRY_DAYS),
            or_(and_(Order.payment_method == CASH, Order.status != CANCELLED),
                Order.status.in_(_CONFIRMED_CARD)),
        ).order_by(Order.id)
    ).all()
    sent = 0
    for order in due:
        outcome = _deliver(order, now)
        if outcome == "failed":
            break
        sent += outcome == "sent"
    return sent, len(due) - sent


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
        subject = _("Your order %(number)s: %(status)s", number=order.number, status=status)
        mail.send(order.email, subject, "order_status", order=order, status=status, note=note,
                  link=link)
    return True

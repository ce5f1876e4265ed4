"""Order e-mails in the customer's language: the confirmation (written once) and status
changes, each written to the outbox in the transaction of the change that causes it.

The confirmation is written as a row that names the order (``outbox.add_later``) and is
composed by ``compose_confirmation`` when it is sent, after the commit: its HTML, pictures and
terms of sale's PDF no longer hold the order's write lock (bench/RESULTS.md, 2026-12-07)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from .. import cache, mail, media, outbox
from ..catalogue.models import ProductImage
from ..extensions import db
from ..i18n import LOCALES
from . import labels, signals
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

#: The consumer's withdrawal period for a distance contract, counted from delivery (Law 06/L-034's
#: distance-contract chapter, as Directive 2011/83 art. 9).
WITHDRAWAL_DAYS = 14

#: The outbox kind of the confirmation (its composer is registered by the wiring).
CONFIRMATION = "order-confirmation"

#: Orders whose confirmation is due: cash orders once placed, card orders once paid.
_CONFIRMED_CARD = (PAID, PROCESSING, SHIPPED, DELIVERED)


def confirmation_due(order: Order) -> bool:
    """A cash order (not cancelled), or a card order once paid."""
    return ((order.payment_method == CASH and order.status != CANCELLED)
            or order.status in _CONFIRMED_CARD)


def queue_confirmation(order: Order, now: datetime | None = None) -> bool:
    """Write the confirmation into the outbox if it is due and was not written yet; return
    True if this call wrote it.

    Call it inside the transaction that makes it due (placing a cash order, applying the
    bank's approval, switching to cash), before its commit: the message and the change are
    kept or lost together, and the outbox sends it once that commit is done. The conditional
    UPDATE marks the order, so two deliveries of one approval racing still write one message.
    """
    if not confirmation_due(order) or not order.email:
        return False
    marked = db.session.execute(
        update(Order).where(Order.id == order.id, Order.confirmation_sent_at.is_(None))
        .values(confirmation_sent_at=now or datetime.now(UTC))
        .execution_options(synchronize_session=False)
    ).rowcount
    if marked != 1:
        return False
    with force_locale(LOCALES.get(order.language, "sq_XK")):
        subject = _subject(order)
    # Only the row naming the order: composed by the job after the commit (compose_confirmation).
    outbox.add_later(CONFIRMATION, order.id, order.email, subject)
    return True


def _subject(order: Order) -> str:
    return _("Your order %(number)s at LESNA MAX", number=order.number)


def compose_confirmation(order_id: int, row: outbox.OutboxMessage):
    """The confirmation of order ``order_id`` for the outbox row ``row`` (its composer).

    Composed when it is sent, from the committed order: the same message on every attempt
    (the row's Message-ID and date), in the order's language, to the address the row kept.
    Raises LookupError if the order is gone (the attempt fails and is retried, then given up).
    """
    order = db.session.get(Order, order_id)
    if order is None:
        raise LookupError(f"order {order_id} not found")
    lines = db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)
                               .order_by(OrderLine.id)).all()
    with mail.in_a_request(), force_locale(LOCALES.get(order.language, "sq_XK")):
        link = current_app.config["BASE_URL"].rstrip("/") + url_for("orders.show",
                                                                    number=order.number)
        # The returns area's page, by its endpoint's name (a later area: no import).
        withdraw_link = current_app.config["BASE_URL"].rstrip("/") + url_for(
            "returns.withdraw", number=order.number)
        return mail.compose(row.recipient, row.subject, "order_confirmation", order=order,
                            lines=lines, link=link, withdraw_link=withdraw_link,
                            images=_pictures(lines), attachments=_attachments(order),
                            withdrawal_days=WITHDRAWAL_DAYS,
                            excepted=[line for line in lines if line.made_to_order],
                            message_id=outbox.message_id(row),
                            written_at=outbox.written_at(row))


def _attachments(order: Order) -> list[mail.Attachment]:
    """The documents a later area adds to the confirmation (the terms of sale as PDF).

    Asked directly, not through the logging ``signals.send``: a receiver that fails fails this
    attempt at sending the confirmation (retried later) rather than send a contract without
    its terms.
    """
    found: list[mail.Attachment] = []
    app = current_app._get_current_object()
    for _receiver, answer in signals.confirmation_attachments.send(app, order=order):
        found.extend(answer or [])
    return found


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
            # Made once per picture and process (the key is a hash of the pixels, so a kept
            # thumbnail never goes stale).
            data = cache.remember(("mail-thumbnail", key), 3600,
                                  lambda key=key: media.thumbnail_jpeg(key))
            embedded[key] = mail.InlineImage(data) if data else None
        if embedded[key] is not None:
            pictures[line.id] = embedded[key]
    return pictures


def send_status_change(order: Order, note: str = "") -> bool:
    """Write the customer's e-mail about the order's new status (with the shop's ``note``,
    if any) into the outbox, inside the caller's transaction.

    Return False without writing when the order's e-mail was erased. The caller decides
    whether to send at all and makes sure one change writes at most one message.
    """
    if not order.email:
        return False
    with mail.in_a_request(), force_locale(LOCALES.get(order.language, "sq_XK")):
        link = current_app.config["BASE_URL"].rstrip("/") + url_for("orders.show",
                                                                    number=order.number)
        status = str(labels.STATUS.get(order.status, order.status))
        subject = _("Your order %(number)s: %(status)s", number=order.number, status=status)
        mail.send(order.email, subject, "order_status", order=order, status=status, note=note,
                  link=link)
    return True

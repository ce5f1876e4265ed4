"""The shop owner's view of payments: one order's record with its payment history.

Here rather than in orders/manage.py: payments come after orders, so only they may show both.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit
from ..audit import Actor
from ..extensions import db
from ..orders.models import Order
from . import nestpay
from .models import PaymentAttempt, PaymentEvent


@dataclass
class AttemptRecord:
    attempt: PaymentAttempt
    events: list[tuple[PaymentEvent, dict[str, str]]] = field(default_factory=list)


@dataclass
class OrderRecord:
    order: Order
    attempts: list[AttemptRecord]


def view_order(number: str, actor: Actor) -> OrderRecord | None:
    """Return the order with its lines and payment history; the viewing is audited."""
    order_id = db.session.scalar(select(Order.id).where(Order.number == number))
    if order_id is None:
        return None
    # Recorded (and committed) first: the page shows the customer's personal data.
    audit.record_now(actor, "order.view", "order", number)
    order = db.session.scalar(select(Order).where(Order.id == order_id)
                              .options(selectinload(Order.lines)))
    attempts = db.session.scalars(select(PaymentAttempt).where(PaymentAttempt.order_id == order_id)
                                  .order_by(PaymentAttempt.id)).all()
    records = {attempt.id: AttemptRecord(attempt) for attempt in attempts}
    if records:
        for event in db.session.scalars(select(PaymentEvent)
                                        .where(PaymentEvent.attempt_id.in_(records))
                                        .order_by(PaymentEvent.received_at, PaymentEvent.id)):
            # Stored fields are already sanitised; sanitising again costs nothing and keeps
            # a card number or signature off this page even if an old row slipped through.
            records[event.attempt_id].events.append((event, nestpay.sanitise(event.fields or {})))
    return OrderRecord(order, list(records.values()))

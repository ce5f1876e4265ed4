"""The shop owner's order operations: a filtered listing and moving an order along its statuses.

One order's record with its payment history is payments/manage.py (payments come after orders).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from .. import audit
from ..audit import Actor
from ..database import begin_write
from ..extensions import db
from ..pagination import Page, paginate
from ..shoptime import midnight, usable_day
from . import emails, signals, status
from .models import (
    CASH_ON_DELIVERY,
    DELIVERED,
    FINAL,
    PAID,
    PROCESSING,
    SHIPPED,
    TRANSITIONS,
    Order,
    OrderLine,
)

PER_PAGE = 50


class Stale(ValueError):
    """The order left the status the form was made for (someone else changed it)."""

    def __init__(self, current: str):
        super().__init__(current)
        self.current = current


class AlreadyThere(ValueError):
    """The order already has the wanted status: a repeated submit of the same change."""


@dataclass(frozen=True)
class OrderFilter:
    status: str = ""
    payment: str = ""
    since: date | None = None
    until: date | None = None
    #: Words to find in the order number, the e-mail or the name.
    q: str = ""
    page: int = 1


@dataclass(frozen=True)
class StatusChange:
    order: Order
    old: str
    emailed: bool


def search(filters: OrderFilter, actor: Actor) -> Page:
    """Return one page of orders, newest first: a few queries whatever the page size.

    The list shows customers' names and e-mails, so looking at it is audited as well (the
    search words are left out of the record: they may be someone's name or address).
    """
    # Callers drop unusable days and say so; one that slips through is ignored, never a 500.
    since = filters.since if usable_day(filters.since) else None
    until = filters.until if usable_day(filters.until) else None
    # The detail is the filter as data (the audit page is read in Albanian too), without the
    # search words: "status=paid page=1 q=…".
    shown = [f"{name}={value}" for name, value in (
        ("status", filters.status), ("payment", filters.payment), ("since", since),
        ("until", until), ("page", filters.page), ("q", "…" if filters.q else "")) if value]
    audit.record_now(actor, "order.view", "order", None, " ".join(shown))
    query = select(Order)
    if filters.status:
        query = query.where(Order.status == filters.status)
    if filters.payment:
        query = query.where(Order.payment_method == filters.payment)
    if since:
        query = query.where(Order.created_at >= midnight(since))
    if until:
        query = query.where(Order.created_at < midnight(until + timedelta(days=1)))
    for word in filters.q.split():
        # Each word must match somewhere, so "Arta Krasniqi" finds her by both names.
        query = query.where(or_(*(column.icontains(word, autoescape=True) for column in (
            Order.number, Order.email, Order.first_name, Order.last_name))))
    return paginate(query, filters.page, PER_PAGE,
                    order_by=(Order.created_at.desc(), Order.id.desc()))


def current(number: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.number == number))


def allowed_next(status: str) -> list[str]:
    """The statuses an order may move to from ``status``, in the pipeline's order."""
    order = list(TRANSITIONS)
    return sorted(TRANSITIONS.get(status, frozenset()), key=order.index)


def change_status(number: str, expected: str, new: str, actor: Actor, *, notify: bool,
                  note: str = "") -> StatusChange:
    """Move the order from ``expected`` to ``new``, audited, and e-mail the customer if asked
    (the message is written to the outbox in the same transaction).

    Raises LookupError (no such order), AlreadyThere, Stale, InvalidTransition or OutOfStock;
    on any of them nothing changed.
    """
    # Two admins (or a double click) moving one order at once: the row is locked before its
    # status is read, so the second request waits and then sees the first one's result.
    # PostgreSQL: SELECT … FOR UPDATE. SQLite ignores FOR UPDATE, but begin_write's BEGIN
    # IMMEDIATE takes the database's write lock before the read, which serialises the same way.
    begin_write()
    order = db.session.scalar(select(Order).where(Order.number == number).with_for_update()
                              .execution_options(populate_existing=True))
    try:
        if order is None:
            raise LookupError(number)
        old = order.status
        if old == new and expected != new:
            raise AlreadyThere(new)
        if old != expected:
            raise Stale(old)
        status.set_status(order, new)  # checks the table and moves stock
        audit.record(actor, "order.status", "order", number, f"{old} → {new}")
        # The e-mails go into the outbox with the change: only the request that made the
        # change writes them, so a repeated submit sends nothing.
        emailed = bool(notify and order.email) and emails.send_status_change(order, note)
        if new == PAID:
            # The owner applied a payment the bank's answer left in review: the card order's
            # confirmation is due now, as if the approval had come through.
            emails.queue_confirmation(order)
        db.session.commit()
    except (LookupError, ValueError):
        db.session.rollback()
        raise
    if new == PAID:
        signals.send(signals.order_paid, order)
    if new in FINAL:
        # After the e-mail, which still needs the address: an erased customer's contact was
        # kept only until the order is closed.
        signals.send(signals.order_closed, order)
    return StatusChange(order, old, emailed)


def product_is_ordered(_sender, product_id: int, **_extra) -> bool:
    """Answer catalogue.signals.product_in_use: an ordered product is deactivated, not deleted
    (the order lines keep their link to it)."""
    return db.session.scalar(
        select(OrderLine.id).where(OrderLine.product_id == product_id).limit(1)) is not None


#: Orders that go out on their day: paid, or to be paid in cash at the door (an order still
#: waiting for the bank, or whose payment failed, is not loaded on the van).
GOING_OUT = (PAID, CASH_ON_DELIVERY, PROCESSING, SHIPPED, DELIVERED)


def deliveries_on(day: date) -> list[Order]:
    """The orders to deliver or hand over on ``day`` (the printed list): deliveries by
    municipality and street, then pickups by store, each with its lines."""
    return list(db.session.scalars(
        select(Order).where(Order.delivery_day == day, Order.status.in_(GOING_OUT))
        .options(selectinload(Order.lines))
        .order_by(Order.delivery_method.desc(), Order.pickup_store_name, Order.municipality,
                  Order.street, Order.id)))

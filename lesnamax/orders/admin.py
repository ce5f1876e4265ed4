"""Order services for the shop owner's pages: a filtered listing, one order's record, status."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from .. import audit
from ..audit import Actor
from ..database import begin_write
from ..extensions import db
from ..pagination import Page, paginate
from ..payments import nestpay
from ..payments.models import PaymentAttempt, PaymentEvent
from ..privacy import data as privacy_data
from ..shoptime import midnight, usable_day
from . import emails, services
from .models import FINAL, TRANSITIONS, Order
from .services import InvalidTransition, OutOfStock

PER_PAGE = 50
#: The days the list's date filters accept. The shop has no orders outside these years, and
#: a day like 0001-01-01 or 9999-12-31 overflows when turned into the shop's midnight in UTC.

__all__ = ["AlreadyThere", "InvalidTransition", "OrderFilter", "OutOfStock", "Stale"]


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


@dataclass
class AttemptRecord:
    attempt: PaymentAttempt
    events: list[tuple[PaymentEvent, dict[str, str]]] = field(default_factory=list)


@dataclass
class OrderRecord:
    order: Order
    attempts: list[AttemptRecord]


@dataclass(frozen=True)
class StatusChange:
    order: Order
    old: str
    emailed: bool
    mail_failed: bool = False


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


def current(number: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.number == number))


def allowed_next(status: str) -> list[str]:
    """The statuses an order may move to from ``status``, in the pipeline's order."""
    order = list(TRANSITIONS)
    return sorted(TRANSITIONS.get(status, frozenset()), key=order.index)


def change_status(number: str, expected: str, new: str, actor: Actor, *, notify: bool,
                  note: str = "") -> StatusChange:
    """Move the order from ``expected`` to ``new``, audited, and e-mail the customer if asked.

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
        services.set_status(order, new)  # checks the table and moves stock
        audit.record(actor, "order.status", "order", number, f"{old} → {new}")
        db.session.commit()
    except (LookupError, ValueError):
        db.session.rollback()
        raise
    # Only the request that made the change gets here, so a repeated submit sends nothing.
    emailed = mail_failed = False
    if notify and order.email:
        try:
            emailed = emails.send_status_change(order, note)
        except (OSError, smtplib.SMTPException):
            current_app.logger.exception("status e-mail for %s not sent", number)
            mail_failed = True
    if new in FINAL:
        # After the e-mail, which still needs the address: an erased customer's contact was
        # kept only until the order is closed.
        privacy_data.erase_closed_orders(order.id)
    return StatusChange(order, old, emailed, mail_failed)

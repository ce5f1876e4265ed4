"""Figures for the dashboard (queries over orders and products; admin/dashboard.py shows them):
sales today and this month, orders waiting, low stock, 30 days, and the orders that should have
been delivered by now but are not marked so.

"Sold" means the customer committed to pay: a card payment approved (or under review) or a
cash order, and everything after it. Unpaid card attempts and cancellations are not sales.
Days are the shop's days (BABEL_DEFAULT_TIMEZONE), not UTC days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select

from .. import shopsettings
from ..cart.pricing import PICKUP
from ..catalogue.models import LOW_STOCK, Product
from ..extensions import db
from ..shoptime import midnight
from . import models as m
from .models import Order

SOLD = (m.PAID, m.PAYMENT_REVIEW, m.CASH_ON_DELIVERY, m.PROCESSING, m.SHIPPED, m.DELIVERED)
#: Statuses in which the owner has something to do, in the order of the work. A shipped
#: order waits for the courier, not for the owner.
WAITING = (m.PAYMENT_REVIEW, m.PAID, m.CASH_ON_DELIVERY, m.PROCESSING)
CHART_DAYS = 30
#: Days past the longest delivery time in the settings after which an order on its way (or
#: waiting in a store) should have been delivered: a week for a courier's second attempt, a
#: customer away, a weekend and a holiday.
DELIVERY_MARGIN_DAYS = 7
#: A pickup order waits in the store from any of these; a delivered one is shipped first.
BEFORE_PICKUP = (m.PAID, m.CASH_ON_DELIVERY, m.PROCESSING, m.SHIPPED)
#: How many overdue orders the dashboard names (the rest are counted).
OVERDUE_LISTED = 20


@dataclass(frozen=True)
class Totals:
    orders: int
    revenue_cents: int


@dataclass(frozen=True)
class Dashboard:
    today: Totals
    month: Totals
    waiting: list[tuple[str, int]]
    low_stock: list[Product]
    #: (day, revenue in cents) for each of the last CHART_DAYS days, oldest first.
    days: list[tuple[date, int]]


def dashboard(now: datetime, zone: ZoneInfo, low_stock_limit: int = 10) -> Dashboard:
    """Everything the dashboard shows, in four queries."""
    today = now.astimezone(zone).date()
    day_start, month_start = midnight(today, zone), midnight(today.replace(day=1), zone)
    chart_start = midnight(today - timedelta(days=CHART_DAYS - 1), zone)
    sold = Order.status.in_(SOLD)
    in_today, in_month = Order.created_at >= day_start, Order.created_at >= month_start
    row = db.session.execute(
        select(
            func.count(case((in_today, 1))),
            func.coalesce(func.sum(case((in_today, Order.total_cents))), 0),
            func.count(case((in_month, 1))),
            func.coalesce(func.sum(case((in_month, Order.total_cents))), 0),
        ).where(sold, Order.created_at >= min(month_start, chart_start))
    ).one()
    counts = dict(db.session.execute(
        select(Order.status, func.count()).where(Order.status.in_(WAITING))
        .group_by(Order.status)).all())
    low = db.session.scalars(
        select(Product).where(Product.active.is_(True), Product.stock <= LOW_STOCK)
        .order_by(Product.stock, Product.name_sq).limit(low_stock_limit)).all()
    return Dashboard(
        today=Totals(row[0], int(row[1])), month=Totals(row[2], int(row[3])),
        waiting=[(status, counts.get(status, 0)) for status in WAITING],
        low_stock=list(low), days=_revenue_per_day(chart_start, today, zone),
    )


def _revenue_per_day(start: datetime, today: date, zone: ZoneInfo) -> list[tuple[date, int]]:
    # Bucketed here rather than in SQL: "day in Europe/Belgrade" is spelled differently on
    # SQLite and PostgreSQL, and a month of a small shop's orders is a short list.
    per_day = {today - timedelta(days=n): 0 for n in range(CHART_DAYS)}
    rows = db.session.execute(
        select(Order.created_at, Order.total_cents)
        .where(Order.status.in_(SOLD), Order.created_at >= start))
    for created_at, total in rows:
        moment = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
        day = moment.astimezone(zone).date()
        if day in per_day:
            per_day[day] += total
    return sorted(per_day.items())


@dataclass(frozen=True)
class Overdue:
    """Orders that should have been delivered by now and are not marked delivered: their
    customers' 14 days to withdraw run from the day marked (returns/services.last_day), so
    until the owner marks it the withdrawal stays open for ever."""

    orders: list[Order]
    #: All of them; ``orders`` names the first OVERDUE_LISTED, longest waiting first.
    total: int
    #: Unchanged for this many days while shipped or waiting for pickup.
    days: int


def overdue_days() -> int:
    """The longest delivery time the settings promise anywhere, plus the margin."""
    rules = shopsettings.current().delivery.values()
    return max((rule.days_max for rule in rules), default=0) + DELIVERY_MARGIN_DAYS


def overdue(now: datetime, days: int) -> Overdue:
    """Shipped orders, and pickup orders waiting in a store, left unchanged for ``days`` (one
    query). The order has no "shipped at": its ``updated_at`` is the last change, at or after
    the shipping, so an order listed was shipped (or readied) at least ``days`` ago; a later
    change of an undelivered order only delays its listing."""
    since = now - timedelta(days=days)
    rows = db.session.execute(
        select(Order, func.count().over())
        .where(or_(Order.status == m.SHIPPED,
                   and_(Order.delivery_method == PICKUP, Order.status.in_(BEFORE_PICKUP))),
               Order.updated_at < since)
        .order_by(Order.updated_at, Order.id).limit(OVERDUE_LISTED)).all()
    return Overdue([order for order, _total in rows], rows[0][1] if rows else 0, days)

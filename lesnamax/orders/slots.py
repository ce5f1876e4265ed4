"""Delivery days: which ones checkout offers, and booking one with the order.

A delivery is booked in its area's slot (the municipality's rule in the settings, or
"everywhere else"), a pickup in its store's. A slot counts the orders booked for that day;
``take`` adds one under the stock's atomic rule (a conditional UPDATE) inside placing's
transaction, so of two buyers of the last place one gets it and the other is told (placing
raises ``DayTaken``, nothing is ordered). A cancelled order gives its place back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from .. import deliverydays, shopsettings
from ..cart.pricing import PICKUP
from ..extensions import db
from .models import DeliverySlot, Order

#: A pickup is ready from the next working day (the order is prepared and packed first).
PICKUP_LEAD_DAYS = 1


@dataclass(frozen=True)
class Plan:
    """Where a delivery is booked and by which rule."""

    area: str  # the slot's key: "area:<municipality code or *>" or "store:<id>"
    weekdays: str
    lead_days: int
    capacity: int | None  # None: no daily limit (pickups)


def plan_for(method: str | None, municipality: str | None,
             store_id: int | None = None) -> Plan | None:
    """The rule of a delivery to ``municipality`` or a pickup at ``store_id`` (None: no such
    active store)."""
    shop = shopsettings.current()
    if method == PICKUP:
        store = shop.active_store(store_id)
        if store is None:
            return None
        return Plan(f"store:{store.id}", store.pickup_days, PICKUP_LEAD_DAYS, None)
    code = municipality if municipality in shop.delivery else shopsettings.ELSEWHERE
    rule = shop.delivery[code]
    return Plan(f"area:{code}", rule.weekdays, rule.lead_days, rule.capacity)


def _booked(area: str, days: list[date]) -> dict[date, int]:
    if not days:
        return {}
    rows = db.session.execute(select(DeliverySlot.day, DeliverySlot.booked).where(
        DeliverySlot.area == area, DeliverySlot.day.between(days[0], days[-1])))
    return {day: booked for day, booked in rows}


def options(plan: Plan, today: date) -> list[deliverydays.DayOption]:
    """The days checkout offers, with the places left."""
    days = deliverydays.candidates(plan.weekdays, plan.lead_days, today)
    booked = _booked(plan.area, days) if plan.capacity is not None else {}
    return deliverydays.open_days(days, plan.capacity, booked)


def bookable(plan: Plan, day: date, today: date) -> bool:
    """Whether ``day`` is still a day of the rule with room (read, not booked)."""
    if day not in deliverydays.candidates(plan.weekdays, plan.lead_days, today):
        return False
    return plan.capacity is None or _booked(plan.area, [day]).get(day, 0) < plan.capacity


def take(plan: Plan, day: date) -> bool:
    """Book one place on ``day`` inside the caller's write transaction; False when full."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    # The day's first order makes its row; a second writer racing it waits for that commit
    # and inserts nothing (ON CONFLICT DO NOTHING on both engines).
    db.session.execute(dialect.insert(DeliverySlot).values(area=plan.area, day=day, booked=0)
                       .on_conflict_do_nothing())
    statement = update(DeliverySlot).where(DeliverySlot.area == plan.area,
                                           DeliverySlot.day == day)
    if plan.capacity is not None:
        statement = statement.where(DeliverySlot.booked < plan.capacity)
    return db.session.execute(statement.values(booked=DeliverySlot.booked + 1)
                              .execution_options(synchronize_session=False)).rowcount == 1


def release(order: Order) -> None:
    """Give a cancelled order's place back (the caller commits)."""
    if order.delivery_day is None or not order.delivery_area:
        return
    db.session.execute(
        update(DeliverySlot).where(DeliverySlot.area == order.delivery_area,
                                   DeliverySlot.day == order.delivery_day,
                                   DeliverySlot.booked > 0)
        .values(booked=DeliverySlot.booked - 1).execution_options(synchronize_session=False))

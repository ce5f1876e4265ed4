"""The customer's withdrawal from the contract (Law 06/L-034 on distance contracts, after
Directive 2011/83 art. 9-11, and Directive 2023/2673's "withdraw here" function).

Open from placing the order until 14 days after the day it was delivered, for the lines not
made to the customer's specifications; one confirmed form makes one withdrawal, acknowledged
on screen and by e-mail (written to the outbox with it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import shoptime
from ..database import begin_write
from ..extensions import db
from ..orders.models import (
    AWAITING_PAYMENT,
    CANCELLED,
    PAYMENT_FAILED,
    Order,
    OrderLine,
)
from . import emails
from .models import REJECTED, REQUESTED, WITHDRAWAL, Return, ReturnLine

#: Days to withdraw after the goods are delivered (the law's 14 days).
WINDOW_DAYS = 14
REASON_MAX = 500


class Refused(ValueError):
    """The withdrawal cannot be made as asked; ``reason`` is one of the constants."""

    CANCELLED = "cancelled"    # the order was cancelled
    UNPAID = "unpaid"          # a card order not paid: nothing was bought yet
    EXPIRED = "expired"        # more than 14 days after delivery
    NOTHING = "nothing"        # every line is made to order or already withdrawn
    EXCEPTED = "excepted"      # a made-to-order line was asked for
    BAD_LINES = "bad_lines"    # no line, or a quantity that is not left

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Offer:
    """What the customer may withdraw from ``order`` now: each line with the pieces left
    (0 for a made-to-order line), the last day, or why nothing can be withdrawn."""

    order: Order
    lines: list[tuple[OrderLine, int]]
    last_day: date | None
    refusal: str | None


def last_day(order: Order) -> date | None:
    """The last shop day to withdraw: delivery day + 14 (None while not delivered)."""
    if order.delivered_at is None:
        return None
    delivered = order.delivered_at
    delivered = delivered if delivered.tzinfo else delivered.replace(tzinfo=UTC)
    return shoptime.shop_day(delivered) + timedelta(days=WINDOW_DAYS)


def withdrawn(order_id: int) -> dict[int, int]:
    """Pieces per order line already in a return that was not rejected."""
    return dict(db.session.execute(
        select(ReturnLine.order_line_id, func.sum(ReturnLine.quantity))
        .join(Return, Return.id == ReturnLine.return_id)
        .where(Return.order_id == order_id, Return.state != REJECTED)
        .group_by(ReturnLine.order_line_id)).all())


def offer(order: Order, now: datetime) -> Offer:
    """What ``order`` (with its lines loaded) allows withdrawing at ``now``."""
    given = withdrawn(order.id)
    lines = [(line, 0 if line.made_to_order else max(line.quantity - given.get(line.id, 0), 0))
             for line in order.lines]
    end = last_day(order)
    refusal = None
    if order.status == CANCELLED:
        refusal = Refused.CANCELLED
    elif order.status in (AWAITING_PAYMENT, PAYMENT_FAILED):
        refusal = Refused.UNPAID
    elif end is not None and shoptime.shop_day(now) > end:
        refusal = Refused.EXPIRED
    elif not any(left for _line, left in lines):
        refusal = Refused.NOTHING
    return Offer(order, lines, end, refusal)


def order_of(number: str, user_id: int, lock: bool = False) -> Order | None:
    """The customer's order with its lines; None for another customer's or a made-up one.

    ``lock``: the order's row is locked until the commit (PostgreSQL: FOR UPDATE; SQLite:
    begin_write's lock), so two tabs count the pieces already withdrawn one after the other.
    """
    query = select(Order).where(Order.number == number, Order.user_id == user_id).options(
        selectinload(Order.lines))
    if lock:
        query = query.with_for_update(of=Order).execution_options(populate_existing=True)
    return db.session.scalar(query)


def check(found: Offer, wanted: dict[int, int]) -> dict[int, int]:
    """The chosen pieces per line (zeros dropped); raises Refused."""
    if found.refusal:
        raise Refused(found.refusal)
    left = {line.id: (line, n) for line, n in found.lines}
    chosen = {}
    for line_id, quantity in wanted.items():
        if quantity == 0:
            continue
        if line_id not in left or quantity < 0:
            raise Refused(Refused.BAD_LINES)
        line, n = left[line_id]
        if line.made_to_order:
            raise Refused(Refused.EXCEPTED)
        if quantity > n:
            raise Refused(Refused.BAD_LINES)
        chosen[line_id] = quantity
    if not chosen:
        raise Refused(Refused.BAD_LINES)
    return chosen


def withdraw(number: str, user_id: int, wanted: dict[int, int], reason: str, key: str,
             now: datetime) -> Return | None:
    """Record the customer's withdrawal and its acknowledgement e-mail in one transaction.

    A second submit of the same confirmation (same ``key``) returns the first withdrawal.
    None when the order is not the customer's; raises Refused (nothing written).
    """
    begin_write()  # the order's lines are counted under the write lock: two tabs, one count
    try:
        first = _by_key(key)
        if first is not None:
            db.session.rollback()
            return first if first.order_id == owned_id(number, user_id) else None
        order = order_of(number, user_id, lock=True)
        if order is None:
            db.session.rollback()
            return None
        chosen = check(offer(order, now), wanted)
        ret = Return(order_id=order.id, kind=WITHDRAWAL, state=REQUESTED, idempotency_key=key,
                     reason=reason[:REASON_MAX], requested_at=now, reject_reason="",
                     lines=[ReturnLine(order_line_id=i, quantity=q) for i, q in chosen.items()])
        db.session.add(ret)
        db.session.flush()
        emails.acknowledge(order, ret, _named(order, ret))
        db.session.commit()
    except IntegrityError:  # the same key won in another request a moment ago
        db.session.rollback()
        first = _by_key(key)
        return first if first is not None and first.order_id == owned_id(number, user_id) \
            else None
    except Refused:
        db.session.rollback()
        raise
    return ret


def owned_id(number: str, user_id: int) -> int | None:
    return db.session.scalar(select(Order.id).where(Order.number == number,
                                                    Order.user_id == user_id))


def _by_key(key: str) -> Return | None:
    return db.session.scalar(select(Return).where(Return.idempotency_key == key))


def _named(order: Order, ret: Return) -> list[tuple[OrderLine, int]]:
    by_id = {line.id: line for line in order.lines}
    return [(by_id[row.order_line_id], row.quantity) for row in ret.lines]


def one(number: str, user_id: int, return_id: int) -> tuple[Order, Return,
                                                            list[tuple[OrderLine, int]]] | None:
    """The customer's withdrawal ``return_id`` of order ``number`` with its named lines."""
    order = order_of(number, user_id)
    if order is None:
        return None
    ret = db.session.scalar(select(Return).where(Return.id == return_id,
                                                 Return.order_id == order.id)
                            .options(selectinload(Return.lines)))
    return None if ret is None else (order, ret, _named(order, ret))


def of_order(order_id: int) -> list[Return]:
    """The order's returns, oldest first (the order page lists them)."""
    return list(db.session.scalars(select(Return).where(Return.order_id == order_id)
                                   .order_by(Return.id)))

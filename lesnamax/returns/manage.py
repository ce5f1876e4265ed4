"""The shop owner's returns: list and record, start one, goods received (stock back, once),
rejected (the customer is told why), refunded (card: the payments ledger; cash: recorded).

Every change locks the return's row and checks the state its form was made for: a second
click or another tab gets Stale (409), never a second stock movement or refund. The law's
deadline: the refund is due 14 days after the withdrawal notice (the trader may wait for the
goods), shown as a countdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from .. import audit, shoptime
from ..audit import Actor
from ..catalogue.models import Product
from ..database import begin_write
from ..extensions import db
from ..orders import status as order_status
from ..orders.models import CANCELLED, DELIVERED, HOLDS_STOCK, Order, OrderLine
from ..payments import ledger
from ..payments import manage as money
from ..payments.models import DONE, REFUND, REFUSED
from . import emails, services, signals
from .models import (
    CARD,
    CASH,
    OPEN,
    OWNER,
    RECEIVED,
    REFUNDED,
    REJECTED,
    REQUESTED,
    Return,
    ReturnLine,
)

#: Days from the withdrawal notice to the refund (the law's 14 days).
REFUND_DAYS = 14


class Stale(ValueError):
    """The return is no longer in the state the form was made for."""

    def __init__(self, current: str):
        super().__init__(current)
        self.current = current


class Refused(ValueError):
    """The operation cannot be done as asked; ``reason`` is one of the constants."""

    NOT_CARD = "not_card"        # the card refund of a cash order, or the other way round
    IN_FLIGHT = "in_flight"      # its card refund waits for the bank's answer
    AMOUNT = "amount"            # not a usable amount
    NO_REASON = "no_reason"      # a rejection needs its reason
    BAD_LINES = "bad_lines"      # nothing chosen, or more than is left
    CANCELLED = "cancelled"      # the order was cancelled

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Record:
    ret: Return
    order: Order
    lines: list[tuple[OrderLine, int]]
    value_cents: int
    #: The refund the owner is offered: the lines, plus the delivery when every piece of the
    #: order is being returned (Directive 2011/83 art. 13: the standard delivery is refunded).
    suggested_cents: int
    #: The card refund as the ledger has it: "done", "waiting" or None (none asked, or refused).
    bank: str | None


def due_day(ret: Return) -> date:
    return shoptime.shop_day(_aware(ret.requested_at)) + timedelta(days=REFUND_DAYS)


def days_left(ret: Return, now: datetime) -> int:
    """Days until the refund is due (negative: overdue)."""
    return (due_day(ret) - shoptime.shop_day(now)).days


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def listing(actor: Actor, state: str = "") -> list[tuple[Return, Order]]:
    """Every return, open ones first by their deadline, then the closed ones newest first."""
    audit.record_now(actor, "return.view", "return", None, f"state={state}" if state else "")
    query = select(Return, Order).join(Order, Order.id == Return.order_id)
    if state:
        query = query.where(Return.state == state)
    rows = db.session.execute(query.order_by(Return.requested_at.desc(), Return.id.desc())).all()
    open_rows = sorted((r for r in rows if r[0].state in OPEN), key=lambda r: r[0].requested_at)
    return open_rows + [r for r in rows if r[0].state not in OPEN]


def waiting(now: datetime) -> tuple[int, int | None]:
    """The dashboard's line: how many returns wait, and the days left of the most urgent
    (one query: the open returns are few)."""
    moments = db.session.scalars(select(Return.requested_at).where(Return.state.in_(OPEN))
                                 .order_by(Return.requested_at)).all()
    if not moments:
        return 0, None
    return len(moments), days_left(Return(requested_at=moments[0]), now)


def record(return_id: int, actor: Actor | None = None) -> Record | None:
    """The return with its order and named lines; viewing it is audited (personal data).

    Four queries whatever the order's size: the return with its order, the order's lines,
    and every return line of the order (this return's, and what all of them take back).
    """
    found = db.session.execute(select(Return, Order).join(Order, Order.id == Return.order_id)
                               .where(Return.id == return_id)).first()
    if found is None:
        return None
    ret, order = found
    if actor is not None:
        audit.record_now(actor, "return.view", "return", str(return_id))
    order_lines = db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)
                                     .order_by(OrderLine.id)).all()
    by_id = {line.id: line for line in order_lines}
    returned: dict[int, int] = {}
    lines = []
    for owner_id, line_id, quantity, state in db.session.execute(
            select(ReturnLine.return_id, ReturnLine.order_line_id, ReturnLine.quantity,
                   Return.state).join(Return, Return.id == ReturnLine.return_id)
            .where(Return.order_id == order.id).order_by(ReturnLine.id)):
        if state != REJECTED:
            returned[line_id] = returned.get(line_id, 0) + quantity
        if owner_id == ret.id:
            lines.append((by_id[line_id], quantity))
    value = sum(line.unit_price_cents * quantity for line, quantity in lines)
    whole = all(returned.get(line.id, 0) >= line.quantity for line in order_lines)
    suggested = value + (order.delivery_cents if whole and ret.state != REJECTED else 0)
    if order.payment_method == CASH:
        # Cash is paid at delivery: before it, nothing was paid; after it, never more back
        # than what is left of what was paid.
        suggested = min(suggested, max(cash_left(order, ret.id), 0))
    bank = _bank_state(order.id, ret.id) if order.payment_method == CARD else None
    return Record(ret, order, lines, value, suggested, bank)


def returns_of(order_id: int) -> list[Return]:
    return services.of_order(order_id)


def start(number: str, wanted: dict[int, int], reason: str, actor: Actor,
          now: datetime) -> Return:
    """The owner starts a return of some of the order's lines (a customer who called, a
    return after the 14 days the shop accepts anyway). Raises LookupError or Refused."""
    begin_write()
    try:
        order = db.session.scalar(select(Order).where(Order.number == number)
                                  .options(selectinload(Order.lines)).with_for_update())
        if order is None:
            raise LookupError(number)
        if order.status == CANCELLED:
            raise Refused(Refused.CANCELLED)
        given = services.withdrawn(order.id)
        left = {line.id: line.quantity - given.get(line.id, 0) for line in order.lines}
        chosen = {i: q for i, q in wanted.items() if q}
        if not chosen or any(i not in left or not 0 < q <= left[i] for i, q in chosen.items()):
            raise Refused(Refused.BAD_LINES)
        ret = Return(order_id=order.id, kind=OWNER, state=REQUESTED, reason=reason[:500],
                     requested_at=now, reject_reason="",
                     lines=[ReturnLine(order_line_id=i, quantity=q) for i, q in chosen.items()])
        db.session.add(ret)
        db.session.flush()
        audit.record(actor, "return.start", "return", str(ret.id), f"order {number}: " + ", ".join(
            f"line {i} × {q}" for i, q in sorted(chosen.items())))
        db.session.commit()
    except (LookupError, Refused):
        db.session.rollback()
        raise
    return ret


def _locked(return_id: int, expected: str, needed: str,
            method: str | None = None) -> tuple[Return, Order]:
    """Lock the return (and so its changes) and check the state the form was made for.

    ``needed`` is the one state the operation starts from and ``method`` (if given) the
    payment method it is for: every operation refuses the same way, rolled back before it
    raises (LookupError, Stale, then Refused), so none can forget a check.
    """
    begin_write()
    ret = db.session.scalar(select(Return).where(Return.id == return_id).with_for_update()
                            .options(selectinload(Return.lines))
                            .execution_options(populate_existing=True))
    if ret is None:
        db.session.rollback()
        raise LookupError(return_id)
    if ret.state != expected or expected != needed:
        current = ret.state
        db.session.rollback()
        raise Stale(current)
    order = db.session.scalar(select(Order).where(Order.id == ret.order_id)
                              .options(selectinload(Order.lines)))
    if method is not None and order.payment_method != method:
        db.session.rollback()
        raise Refused(Refused.NOT_CARD)
    return ret, order


def _named(order: Order, ret: Return) -> list[tuple[OrderLine, int]]:
    by_id = {line.id: line for line in order.lines}
    return [(by_id[row.order_line_id], row.quantity) for row in ret.lines]


def receive(return_id: int, expected: str, actor: Actor, now: datetime) -> Return:
    """The goods are back: their stock returns (once: only the request that moves the return
    from requested does it). An order cancelled meanwhile gave its stock back already."""
    ret, order = _locked(return_id, expected, REQUESTED)
    moved = []
    if order.status in HOLDS_STOCK:
        back = {row.order_line_id: row.quantity for row in ret.lines}
        for line in order_status.lines_in_lock_order(order.id):  # placing's lock order
            quantity = back.get(line.id)
            if quantity is None or line.product_id is None:
                continue  # not returned, or the product was deleted: nothing back on sale
            db.session.execute(update(Product).where(Product.id == line.product_id)
                               .values(stock=Product.stock + quantity)
                               .execution_options(synchronize_session=False))
            moved.append(f"{line.sku} +{quantity}")
    ret.state, ret.received_at = RECEIVED, now
    audit.record(actor, "return.receive", "return", str(ret.id),
                 "stock: " + (", ".join(moved) or "none"))
    db.session.commit()
    return ret


def reject(return_id: int, expected: str, reason: str, actor: Actor, now: datetime) -> Return:
    """Refuse a requested return; the customer is e-mailed the reason (in the outbox, once)."""
    if not reason.strip():
        raise Refused(Refused.NO_REASON)
    ret, order = _locked(return_id, expected, REQUESTED)
    ret.state, ret.rejected_at, ret.reject_reason = REJECTED, now, reason.strip()[:500]
    audit.record(actor, "return.reject", "return", str(ret.id), ret.reject_reason)
    emails.rejected(order, ret, _named(order, ret))
    db.session.commit()
    signals.send(signals.return_closed, order, ret=ret)
    return ret


def refund_cash(return_id: int, expected: str, amount_cents: int, actor: Actor,
                now: datetime) -> Return:
    """Record that the owner handed ``amount_cents`` back in cash (0: nothing was paid yet,
    e.g. withdrawn before a cash delivery). The customer is e-mailed; ``cash_refunded`` is
    sent after the commit (the credit note's place)."""
    ret, order = _locked(return_id, expected, RECEIVED, CASH)
    if not 0 <= amount_cents <= cash_left(order, ret.id):
        db.session.rollback()
        raise Refused(Refused.AMOUNT)
    ret.state, ret.refunded_at, ret.refund_method = REFUNDED, now, CASH
    ret.refund_cents, ret.refunded_by = amount_cents, actor.email
    audit.record(actor, "return.refund_cash", "return", str(ret.id),
                 f"order {order.number}: {amount_cents}")
    emails.cash_refunded(order, ret, _named(order, ret))
    db.session.commit()
    signals.send(signals.cash_refunded, order, ret=ret)
    signals.send(signals.return_closed, order, ret=ret)
    return ret


def cash_left(order: Order, return_id: int) -> int:
    """What a cash order's customer paid and has not had back by the other returns: the total
    once delivered (cash is paid then), nothing before; a cancelled order was never paid."""
    paid = order.total_cents if order.status == DELIVERED else 0
    back = db.session.scalar(select(func.coalesce(func.sum(Return.refund_cents), 0)).where(
        Return.order_id == order.id, Return.state == REFUNDED, Return.id != return_id))
    return paid - (back or 0)


def pieces_back(_sender, order: Order, **_extra) -> dict[int, int]:
    """Answer ``orders.signals.returned_pieces``: the pieces of ``order`` received back (their
    stock returned then), so that cancelling it afterwards does not return them again."""
    found: dict[int, int] = {}
    for line_id, quantity in db.session.execute(
            select(ReturnLine.order_line_id, ReturnLine.quantity)
            .join(Return, Return.id == ReturnLine.return_id)
            .where(Return.order_id == order.id, Return.state.in_((RECEIVED, REFUNDED)),
                   Return.received_at.is_not(None))):
        found[line_id] = found.get(line_id, 0) + quantity
    return found


def tag(return_id: int) -> str:
    """How a card refund names its return in the ledger (a retry copies the reason)."""
    return f"return #{return_id}"


def _bank_state(order_id: int, return_id: int) -> str | None:
    mine = [row for row in ledger.movements(order_id)
            if row.kind == REFUND and (row.reason or "").startswith(tag(return_id) + ":")]
    if any(row.state == DONE for row in mine):
        return "done"
    if any(row.state != REFUSED for row in mine):
        return "waiting"  # requested or unknown: the bank may still apply it
    return None


def _settle(ret: Return, order: Order, actor: Actor, now: datetime) -> None:
    done = [row for row in ledger.movements(order.id)
            if row.kind == REFUND and row.state == DONE
            and (row.reason or "").startswith(tag(ret.id) + ":")]
    ret.state, ret.refunded_at, ret.refund_method = REFUNDED, now, CARD
    ret.refund_cents, ret.refunded_by, ret.refund_claimed_at = (
        sum(row.amount_cents for row in done), actor.email, None)
    audit.record(actor, "return.refund", "return", str(ret.id),
                 f"order {order.number}: {ret.refund_cents}")


def refund_card(return_id: int, expected: str, amount_cents: int, actor: Actor,
                now: datetime):
    """Give a card order's return back through ``payments.manage.refund``: the return is
    claimed (committed) first, so a second click is Stale/IN_FLIGHT, not a second refund;
    only a "done" answer makes it refunded. A refund the ledger already has done (a retry on
    the order page settled it) closes the return without asking the bank again.

    Returns ``(return, result or None)``; raises Stale, Refused or payments' MoneyRefused.
    """
    ret, order = _locked(return_id, expected, RECEIVED, CARD)
    bank = _bank_state(order.id, ret.id)
    if bank == "done":
        _settle(ret, order, actor, now)
        db.session.commit()
        signals.send(signals.return_closed, order, ret=ret)
        return ret, None
    claimed = ret.refund_claimed_at
    if bank == "waiting" or (claimed and _aware(claimed) > now - money.STALE_REQUEST):
        db.session.rollback()
        raise Refused(Refused.IN_FLIGHT)
    if amount_cents <= 0:
        db.session.rollback()
        raise Refused(Refused.AMOUNT)
    ret.refund_claimed_at = now
    lines = {line.id: quantity for line, quantity in _named(order, ret)}
    db.session.commit()
    try:
        result = money.refund(order, amount_cents, lines, actor,
                              f"{tag(ret.id)}: {ret.reason}"[:500], now)
    except money.MoneyRefused:
        _unclaim(ret.id)
        raise
    ret, order = _locked(return_id, RECEIVED, RECEIVED)
    if result.state == DONE:
        _settle(ret, order, actor, now)
    else:
        ret.refund_claimed_at = None  # unknown: the ledger's waiting row guards from here
    db.session.commit()
    if ret.state == REFUNDED:
        signals.send(signals.return_closed, order, ret=ret)
    return ret, result


def _unclaim(return_id: int) -> None:
    begin_write()
    db.session.execute(update(Return).where(Return.id == return_id)
                       .values(refund_claimed_at=None))
    db.session.commit()


def open_order_ids():
    """A select of orders with an open return (an erased customer's contact is kept)."""
    return select(Return.order_id).where(Return.state.in_(OPEN))

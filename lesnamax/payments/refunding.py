"""Asking the bank to give money back, and writing its answers into the ledger.

The owner's operations (``manage.py``) commit a "requested" movement first; the functions
here then ask the bank outside any transaction (a slow bank holds no lock), write each answer
with the ledger's conditional update, and finish: the order is cancelled once all its money is
back, and the customer is e-mailed by the one call that turned a movement "done".
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import audit, shoptime
from ..audit import Actor
from ..database import begin_write
from ..extensions import db
from ..orders import signals as order_signals
from ..orders import status as order_status
from ..orders.models import CANCELLED, PAID, PROCESSING, TRANSITIONS, Order, OrderLine
from . import bankapi, emails, ledger, signals
from .models import (
    CAPTURE,
    DONE,
    REFUND,
    REFUSED,
    REQUESTED,
    SYSTEM,
    UNKNOWN,
    VOID,
    PaymentAttempt,
    PaymentMovement,
)


class MoneyRefused(ValueError):
    """The operation cannot be done as asked; ``reason`` is one of the class constants."""

    NOT_PAID = "not_paid"        # nothing the bank charged is left to give back
    IN_FLIGHT = "in_flight"      # a void or refund is waiting for the bank or unknown
    TOO_MUCH = "too_much"        # above what was paid and not yet refunded
    BAD_LINES = "bad_lines"      # a line or a quantity that cannot be given back
    NOT_CANCELLABLE = "not_cancellable"  # the order's status cannot become cancelled
    NOT_RETRYABLE = "not_retryable"      # the movement is done, refused or still running
    ALREADY_ASKED = "already_asked"      # this confirmation was sent already (a second click)
    TOO_SOON = "too_soon"                # the bank may still be booking the lost operation

    def __init__(self, reason: str, available_cents: int = 0):
        super().__init__(reason)
        self.reason = reason
        self.available_cents = available_cents


@dataclass
class Result:
    """What an operation did: its movements as answered, the order after them."""

    order: Order
    movements: list[PaymentMovement]
    cancelled: bool = False
    emailed: bool = False

    @property
    def state(self) -> str:
        """The worst state among the movements: "unknown" > "refused" > "done"."""
        states = {m.state for m in self.movements}
        for worst in (UNKNOWN, REQUESTED, REFUSED):
            if worst in states:
                return worst
        return DONE


@dataclass(frozen=True)
class Step:
    """One movement an operation will ask the bank for."""

    attempt: PaymentAttempt
    kind: str
    amount_cents: int


@contextmanager
def requesting():
    """Around writing an operation's ``requested`` rows: commit them, so they exist before the
    bank hears of them, or roll everything back. A second refund in flight for one payment
    breaks the ledger's unique guard: that is refused as IN_FLIGHT, like the check before it.
    """
    try:
        yield
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise MoneyRefused(MoneyRefused.IN_FLIGHT) from error
    except MoneyRefused:
        db.session.rollback()
        raise


def locked_order(order_id: int) -> Order:
    begin_write()
    return db.session.scalar(select(Order).where(Order.id == order_id).with_for_update()
                             .execution_options(populate_existing=True))


def captured(rows: list[PaymentMovement]) -> list[PaymentAttempt]:
    ids = ledger.captured_attempts(rows)
    found = {a.id: a for a in db.session.scalars(
        select(PaymentAttempt).where(PaymentAttempt.id.in_(ids)))} if ids else {}
    return [found[i] for i in ids]


def void_possible(attempt: PaymentAttempt, rows: list[PaymentMovement], now: datetime) -> bool:
    """A void cancels the whole sale, and only before the bank's day ends (settlement): the
    capture was today in the shop's time, nothing of it was given back, no void was refused."""
    mine = [r for r in rows if r.attempt_id == attempt.id]
    if any(r.kind in (VOID, REFUND) and r.state != REFUSED for r in mine):
        return False
    if any(r.kind == VOID and r.state == REFUSED for r in mine):
        return False
    capture = next((r for r in mine if r.kind == CAPTURE and r.state == DONE), None)
    when = capture.answered_at if capture else None
    if when is None:
        return False
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return shoptime.shop_day(when) == shoptime.shop_day(now)


def ask_and_finish(order_id: int, asks: list[tuple[PaymentMovement, str]],
                   now: datetime) -> Result:
    """Ask the bank for each committed movement, write each answer, then finish."""
    won = []
    for movement, oid in asks:
        try:
            if movement.kind == VOID:
                reply = bankapi.void(oid)
            else:
                reply = bankapi.refund(oid, movement.amount_cents)
        except bankapi.BankUnavailable as error:
            begin_write()
            ledger.answer(movement, UNKNOWN, now, message=str(error) or "no answer")
            db.session.commit()
            continue
        begin_write()
        state = DONE if reply.approved else REFUSED
        if ledger.answer(movement, state, now, code=reply.code,
                         message=bankapi.explain(reply), trans_id=reply.trans_id,
                         host_ref=reply.host_ref) and state == DONE:
            won.append(movement)
            if not movement.cancels_order:  # in the outbox with the answer, once
                emails.send_refund(db.session.get(Order, order_id), movement)
        db.session.commit()
    return finish(order_id, [m for m, _oid in asks], won)


def _every_line_back(order: Order, rows: list[PaymentMovement]) -> bool:
    back: dict[int, int] = {}
    for row in rows:
        if row.kind == REFUND and row.state == DONE:
            for line in row.lines or []:
                back[line["line_id"]] = back.get(line["line_id"], 0) + line["quantity"]
    lines = db.session.execute(select(OrderLine.id, OrderLine.quantity)
                               .where(OrderLine.order_id == order.id)).all()
    return bool(lines) and all(back.get(line_id, 0) >= quantity for line_id, quantity in lines)


def finish(order_id: int, asked: list[PaymentMovement], won: list[PaymentMovement]) -> Result:
    """After the answers: cancel the order once all its money is back; e-mail the customer
    about what this call turned done (only this call did, so each e-mail goes once)."""
    order = locked_order(order_id)
    rows = ledger.movements(order_id)
    totals = ledger.figures(rows)
    cancelled = emailed = False
    settled = totals.balance == 0 and not totals.uncertain
    if settled and won and order.status in (PAID, PROCESSING) and _every_line_back(order, rows):
        # Every piece was given back before it left the shop: nothing is left to deliver, so
        # the order ends as a cancel would (stock back) instead of shipping paid-back goods.
        # The refund's own e-mail has told the customer.
        old = order.status
        order_status.set_status(order, CANCELLED)
        audit.record(Actor(None, SYSTEM, None), "order.status", "order", order.number,
                     f"{old} → {CANCELLED} (every line refunded)")
        cancelled = True
        emailed = bool(order.email)
    elif (any(m.cancels_order for m in won) and settled
            and CANCELLED in TRANSITIONS.get(order.status, frozenset())):
        old = order.status
        order_status.set_status(order, CANCELLED)  # returns the stock, now the money is back
        audit.record(Actor(None, SYSTEM, None), "order.status", "order", order.number,
                     f"{old} → {CANCELLED}")
        cancelled = True
        emailed = emails.send_cancelled(order, sum(m.amount_cents for m in rows
                                                   if m.cancels_order and m.state == DONE))
    else:  # each refund's e-mail went into the outbox with its answer
        emailed = bool(order.email) and any(not m.cancels_order for m in won)
    db.session.commit()
    for movement in asked:
        db.session.refresh(movement)
    if cancelled:
        order_signals.send(order_signals.order_closed, order)
    for movement in won:  # each turned done by this call only (the ledger's conditional update)
        signals.send(signals.refund_done, order, movement=movement)
    return Result(order, asked, cancelled, emailed)


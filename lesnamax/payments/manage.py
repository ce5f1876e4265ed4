"""The shop owner's view of payments: one order's record with its payment history.

Here rather than in orders/manage.py: payments come after orders, so only they may show both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from .. import audit, shoptime
from ..audit import Actor
from ..extensions import db
from ..orders.models import CANCELLED, CARD, CASH, TRANSITIONS, Order, OrderLine
from . import bankapi, emails, ledger, nestpay, refunding
from .models import (
    CAPTURE,
    DONE,
    REFUND,
    REFUSED,
    REQUESTED,
    UNKNOWN,
    VOID,
    PaymentAttempt,
    PaymentEvent,
    PaymentMovement,
)
from .models import PAID as ATTEMPT_PAID
from .refunding import MoneyRefused, Result, Step


@dataclass
class AttemptRecord:
    attempt: PaymentAttempt
    events: list[tuple[PaymentEvent, dict[str, str]]] = field(default_factory=list)


@dataclass
class OrderRecord:
    order: Order
    attempts: list[AttemptRecord]
    movements: list[PaymentMovement] = field(default_factory=list)
    figures: ledger.Figures = field(default_factory=ledger.Figures)


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
    rows = ledger.movements(order_id) if records else []  # no attempt, no money moved
    return OrderRecord(order, list(records.values()), rows, ledger.figures(rows))


# Giving money back: cancel, refund, ask the bank, retry. Each movement is committed as
# "requested" before the bank is asked, and the answer is written after it; the bank is never
# asked inside a transaction, so a slow bank holds no lock.

#: A "requested" movement older than this was left by a process that died mid-call: it may be
#: retried (after asking the bank). Younger ones may still be waiting for their answer.
STALE_REQUEST = timedelta(minutes=5)


def cancel_plan(order: Order, now: datetime) -> list[Step]:
    """What cancelling ``order`` asks of the bank: every charged attempt's balance back, by a
    void when still possible, else a refund. Raises MoneyRefused."""
    if CANCELLED not in TRANSITIONS.get(order.status, frozenset()) or order.payment_method != CARD:
        raise MoneyRefused(MoneyRefused.NOT_CANCELLABLE)
    rows = ledger.movements(order.id)
    if ledger.figures(rows).uncertain:
        raise MoneyRefused(MoneyRefused.IN_FLIGHT)
    steps = []
    for attempt in refunding.captured(rows):
        left = ledger.figures(rows, attempt.id).refundable
        if left > 0:
            kind = VOID if refunding.void_possible(attempt, rows, now) else REFUND
            steps.append(Step(attempt, kind, left))
    if not steps:
        raise MoneyRefused(MoneyRefused.NOT_PAID)
    return steps


def cancel(order_id: int, actor: Actor, now: datetime, reason: str = "") -> Result:
    """Cancel a paid card order: its money back first, then the order and its stock.

    The order becomes cancelled (and its stock returns) only once every movement is done; a
    refused or unanswered one leaves the order as it was, and the page says so.
    """
    order = refunding.locked_order(order_id)
    with refunding.requesting():
        steps = cancel_plan(order, now)
        moved = [ledger.request(s.attempt, s.kind, s.amount_cents, actor, now, reason=reason,
                                cancels_order=True) for s in steps]
        audit.record(actor, "payment.cancel", "order", order.number, " + ".join(
            f"{s.kind} {s.attempt.oid} {s.amount_cents}" for s in steps))
    asks = [(movement, step.attempt.oid) for movement, step in zip(moved, steps, strict=True)]
    return refunding.ask_and_finish(order_id, asks, now)


def refund(order: Order, amount_cents: int | None, lines: dict[int, int] | None, actor: Actor,
           reason: str = "", now: datetime | None = None, *, token: str | None = None) -> Result:
    """Give back part of a paid card order: ``lines`` ({order line id: quantity}) and/or an
    amount (None: the chosen lines' value). Never above what was paid and is not yet given
    back, nor while another void or refund of the order is unanswered.

    The operation the returns flow will call too. Raises MoneyRefused; else returns the
    result with its one movement, answered ("done", "refused" or "unknown"). ``token`` (from
    the confirmation page) makes a second sending of the same confirmation ALREADY_ASKED.
    """
    now = now or shoptime.now()
    order = refunding.locked_order(order.id)
    with refunding.requesting():
        if token is not None and ledger.asked_with(order.id, token):
            raise MoneyRefused(MoneyRefused.ALREADY_ASKED)
        chosen = _chosen_lines(order, lines or {})
        amount = amount_cents if amount_cents is not None else sum(c["cents"] for c in chosen)
        rows = ledger.movements(order.id)
        total = ledger.figures(rows)
        if total.uncertain:
            raise MoneyRefused(MoneyRefused.IN_FLIGHT)
        attempts = sorted(refunding.captured(rows),
                          key=lambda a: -ledger.figures(rows, a.id).refundable)
        best = ledger.figures(rows, attempts[0].id).refundable if attempts else 0
        if best <= 0:
            raise MoneyRefused(MoneyRefused.NOT_PAID)
        if amount <= 0 or amount > best:
            raise MoneyRefused(MoneyRefused.TOO_MUCH, best)
        movement = ledger.request(attempts[0], REFUND, amount, actor, now, reason=reason,
                                  lines=chosen or None, token=token)
        audit.record(actor, "payment.refund", "order", order.number,
                     f"{attempts[0].oid} {amount}")
    return refunding.ask_and_finish(order.id, [(movement, attempts[0].oid)], now)


def keeps_money(order_id: int, figures: ledger.Figures | None = None) -> bool:
    """True while the bank holds money of the order, or a void or refund is unanswered
    (``figures``: the order's, when the caller has them already)."""
    figures = figures or ledger.order_figures(order_id)
    return figures.balance > 0 or figures.uncertain > 0


def refundable_lines(order: Order) -> dict[int, int]:
    """Per order line, how many pieces may still be given back (open refunds count)."""
    given: dict[int, int] = {}
    for row in ledger.movements(order.id):
        if row.kind == REFUND and row.state != REFUSED:
            for line in row.lines or []:
                given[line["line_id"]] = given.get(line["line_id"], 0) + line["quantity"]
    return {line.id: line.quantity - given.get(line.id, 0) for line in _lines(order)}


def number_of(order_id: int) -> str:
    return db.session.scalar(select(Order.number).where(Order.id == order_id))


def lines_of(order: Order) -> list[OrderLine]:
    return _lines(order)


def _lines(order: Order) -> list[OrderLine]:
    return list(db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)
                                   .order_by(OrderLine.id)))


def _chosen_lines(order: Order, wanted: dict[int, int]) -> list[dict]:
    left = refundable_lines(order)
    by_id = {line.id: line for line in _lines(order)}
    chosen = []
    for line_id, quantity in sorted(wanted.items()):
        if quantity == 0:
            continue
        if line_id not in by_id or not 0 < quantity <= left[line_id]:
            raise MoneyRefused(MoneyRefused.BAD_LINES)
        line = by_id[line_id]
        chosen.append({"line_id": line_id, "name": line.name, "sku": line.sku,
                       "quantity": quantity, "cents": line.unit_price_cents * quantity})
    return chosen


def extra_charge(order: Order) -> tuple[PaymentAttempt, int] | None:
    """The attempt charged one time too many and its balance, when two attempts of ``order``
    both hold money: the one the shop did not accept as the payment (under review), else the
    later one. An order cancelled, or paid in cash, should hold no card money at all: an
    approval that arrived after it (a late bank answer) is extra too."""
    rows = ledger.movements(order.id)
    holding = [a for a in refunding.captured(rows) if ledger.figures(rows, a.id).balance > 0]
    if len(holding) < (1 if _wants_no_card_money(order) else 2):
        return None
    extra = next((a for a in reversed(holding) if a.status != ATTEMPT_PAID), holding[-1])
    return extra, ledger.figures(rows, extra.id).refundable


def _wants_no_card_money(order: Order) -> bool:
    return order.status == CANCELLED or order.payment_method == CASH


@dataclass(frozen=True)
class DoubleCharge:
    order: Order
    attempt: PaymentAttempt
    amount_cents: int

    @property
    def unwanted(self) -> bool:
        """Money the order should not hold at all (cancelled, or paid in cash)."""
        return _wants_no_card_money(self.order)


def double_charges() -> list[DoubleCharge]:
    """Orders the bank charged twice and whose extra charge is not given back yet (the
    dashboard's task), oldest first."""
    captures = select(PaymentMovement.order_id).where(
        PaymentMovement.kind == CAPTURE, PaymentMovement.state == DONE,
    ).group_by(PaymentMovement.order_id)
    twice = captures.having(db.func.count() > 1)
    unwanted = select(Order.id).where(Order.id.in_(captures), or_(
        Order.status == CANCELLED, Order.payment_method == CASH))
    found = []
    for order in db.session.scalars(select(Order).where(
            or_(Order.id.in_(twice), Order.id.in_(unwanted))).order_by(Order.id)):
        extra = extra_charge(order)
        if extra is not None:
            found.append(DoubleCharge(order, *extra))
    return found


def refund_extra(order_id: int, attempt_id: int, actor: Actor, now: datetime) -> Result:
    """Refund in full the extra attempt of a double charge (the dashboard's task)."""
    order = refunding.locked_order(order_id)
    with refunding.requesting():
        found = extra_charge(order)
        if found is None or found[0].id != attempt_id:
            raise MoneyRefused(MoneyRefused.NOT_PAID)
        attempt, amount = found
        if amount <= 0:
            raise MoneyRefused(MoneyRefused.IN_FLIGHT)
        rows = ledger.movements(order.id)
        kind = VOID if refunding.void_possible(attempt, rows, now) else REFUND
        movement = ledger.request(attempt, kind, amount, actor, now, reason="double charge")
        audit.record(actor, "payment.refund", "order", order.number,
                     f"double charge: {kind} {attempt.oid} {amount}")
    return refunding.ask_and_finish(order.id, [(movement, attempt.oid)], now)


def ask_bank(attempt_id: int, actor: Actor):
    """The bank's status of one attempt (ORDERSTATUS) and its words for people: ``(status,
    text)``. Raises LookupError (no such attempt) or bankapi.BankUnavailable. Audited; changes
    nothing (reconciliation and the owner's operations act on what the bank says)."""
    attempt = db.session.get(PaymentAttempt, attempt_id)
    if attempt is None:
        raise LookupError(attempt_id)
    audit.record_now(actor, "payment.query", "payment", attempt.oid)
    status = bankapi.query(attempt.oid)
    return status, bankapi.explain(status)


def retry(movement_id: int, actor: Actor, now: datetime) -> Result:
    """Settle a void or refund whose answer never came: ask the bank first; if it went
    through, record it done; only if it did not, ask for it again (a new row, same money).

    Raises LookupError, MoneyRefused(NOT_RETRYABLE) or bankapi.BankUnavailable (then nothing
    changed: the movement stays unknown).
    """
    movement = db.session.get(PaymentMovement, movement_id)
    if movement is None or movement.kind not in (VOID, REFUND):
        raise LookupError(movement_id)
    if not _retryable(movement, now):
        raise MoneyRefused(MoneyRefused.TOO_SOON if movement.state in (UNKNOWN, REQUESTED)
                           else MoneyRefused.NOT_RETRYABLE)
    attempt = db.session.get(PaymentAttempt, movement.attempt_id)
    oid, order_id = attempt.oid, movement.order_id
    db.session.rollback()
    status = bankapi.query(oid)  # BankUnavailable: the caller says "still no answer"
    order = refunding.locked_order(order_id)
    movement = db.session.get(PaymentMovement, movement_id)
    if not _retryable(movement, now):  # another retry or a late answer came first
        db.session.rollback()
        raise MoneyRefused(MoneyRefused.NOT_RETRYABLE)
    rows = ledger.movements(order_id)
    done_before = ledger.figures([r for r in rows if r.id != movement.id], attempt.id).refunded
    went_through = (status.state in ("voided", "refunded")
                    or status.refunded_cents >= done_before + movement.amount_cents)
    audit.record(actor, "payment.retry", "order", order.number,
                 f"{movement.kind} {oid} {movement.amount_cents}: "
                 + ("applied at the bank" if went_through else "sent again"))
    # The original request may still be alive and write its answer between our check and
    # ours: only the call whose conditional write lands has an effect (e-mail, a new request).
    if went_through:
        if not ledger.answer(movement, DONE, now, code=status.code, message=status.message,
                             trans_id=status.trans_id):
            db.session.rollback()
            raise MoneyRefused(MoneyRefused.NOT_RETRYABLE)
        if not movement.cancels_order:
            emails.send_refund(order, movement)
        db.session.commit()
        return refunding.finish(order_id, [movement], [movement])
    # Not at the bank: this row is closed as refused (not applied) and the same money is
    # asked for again on a new row, by a void only if it is still possible.
    if not ledger.answer(movement, REFUSED, now, code=status.code,
                         message=f"not applied at the bank ({status.state})"):
        db.session.rollback()
        raise MoneyRefused(MoneyRefused.NOT_RETRYABLE)
    # The lost row itself does not count against a void (it was not applied): a void that timed
    # out is voided again the same day, not turned into a credit the bank refuses until the
    # next day.
    others = [r for r in rows if r.id != movement.id]
    kind = (VOID if movement.kind == VOID and refunding.void_possible(attempt, others, now)
            else REFUND)
    again = ledger.request(attempt, kind, movement.amount_cents, actor, now,
                           reason=movement.reason, lines=movement.lines,
                           cancels_order=movement.cancels_order)
    db.session.commit()
    return refunding.ask_and_finish(order_id, [(again, oid)], now)


def _retryable(movement: PaymentMovement, now: datetime) -> bool:
    """A lost answer may be retried once the bank has had time to book it: a credit that timed
    out here is often booked seconds later, and a query before that would send it twice."""
    if movement.state == UNKNOWN:
        since = movement.answered_at or movement.created_at
    elif movement.state == REQUESTED:
        since = movement.created_at
    else:
        return False
    since = since if since.tzinfo else since.replace(tzinfo=UTC)
    return since < now - STALE_REQUEST



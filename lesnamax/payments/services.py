"""Card payments: attempts with frozen amounts, and the bank's replies applied exactly once.

The browser return and the server callback are two deliveries of one event. Whichever comes
first changes the attempt with a conditional UPDATE (``… WHERE status IN (…)``); the other
finds nothing to change. A paid attempt is never downgraded by a later failure.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from ..database import begin_write
from ..extensions import db
from ..orders import emails, signals
from ..orders import services as orders
from ..orders import status as order_status
from ..orders.models import (
    AWAITING_PAYMENT,
    CARD,
    PAID,
    PAYMENT_FAILED,
    PAYMENT_REVIEW,
    TRANSITIONS,
    Order,
)
from ..text import without_control
from . import bankapi, ledger, nestpay
from .models import EXPIRED, FAILED, NEEDS_REVIEW, PENDING, PaymentAttempt, PaymentEvent
from .models import PAID as ATTEMPT_PAID

#: The channel of events written from the bank's answer to a status query (ORDERSTATUS).
QUERY_CHANNEL = "api-query"


class PaymentPending(Exception):
    """An earlier attempt may still be approved: starting another could charge twice."""


def start_attempt(order_id: int, now: datetime,
                  revive: bool = True) -> tuple[Order, PaymentAttempt]:
    """Return the order and the attempt to send the customer to the bank with (a new oid per
    attempt).

    A recent pending attempt is reused; an older one blocks a new attempt until it expires,
    so the customer can never pay twice for one order. ``revive=False`` (the GET that follows
    placing) refuses an order whose payment failed: taking its stock again is the "pay again"
    button's work (a POST), never a link another site can make a customer's browser follow.
    """
    begin_write()
    # The order's row lock (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises) makes a
    # switch to cash or a second "pay again" click wait, then read what this one did: else both
    # would take the stock, or both count the same attempts and collide on the oid.
    order = db.session.scalar(select(Order).where(Order.id == order_id).with_for_update()
                              .execution_options(populate_existing=True))
    # Under review (or paid) the bank has already taken money for this order: no new card
    # attempt, not even a pending one reused. Switched to cash: no card at all.
    if order.payment_method != CARD or order.status not in (AWAITING_PAYMENT, PAYMENT_FAILED):
        status = order.status
        db.session.rollback()  # releases the lock
        raise order_status.InvalidTransition(status)
    pending = db.session.scalar(
        select(PaymentAttempt)
        .where(PaymentAttempt.order_id == order.id, PaymentAttempt.status == PENDING)
        .order_by(PaymentAttempt.id.desc())
    )
    if pending is not None:
        db.session.commit()  # nothing changed; releases the lock
        return order, pending
    if order.status == PAYMENT_FAILED and not revive:
        db.session.rollback()
        raise order_status.InvalidTransition(order.status)
    if order.status == PAYMENT_FAILED:
        try:
            order_status.set_status(order, AWAITING_PAYMENT)  # the stock again, or OutOfStock
        except orders.OutOfStock:
            db.session.rollback()
            raise
    if order.status != AWAITING_PAYMENT:
        raise order_status.InvalidTransition(order.status)
    count = (
        db.session.scalar(
            select(db.func.count(PaymentAttempt.id)).where(PaymentAttempt.order_id == order.id)
        )
        or 0
    )
    attempt = PaymentAttempt(
        order_id=order.id,
        oid=f"{order.number}-{count + 1}",
        amount_cents=order.total_cents,
        currency=nestpay.EUR,
        rnd=secrets.token_hex(10),
        instalments=order.instalments,
        status=PENDING,
        created_at=now,
    )
    db.session.add(attempt)
    ledger.add_attempt(attempt, now)
    db.session.commit()
    return order, attempt


def handle_reply(fields: dict[str, str], channel: str, now: datetime) -> tuple[str, Order | None]:
    """Apply one delivery of the bank's reply; return ``(outcome, order)``.

    Outcomes: "paid", "failed", "review", "duplicate", "ignored", "rejected".
    """
    config = current_app.config
    begin_write()
    reply = nestpay.parse_reply(
        fields,
        config["NESTPAY_STORE_KEY"],
        nestpay.parse_md_status_set(config["NESTPAY_ACCEPTED_MD_STATUS"]),
    )
    # Only a forged reply carries control characters (the HASH then fails); cleaning the oid
    # lets it be looked up and logged like any other instead of breaking the query.
    oid = without_control(reply.oid)
    attempt = db.session.scalar(select(PaymentAttempt).where(PaymentAttempt.oid == oid))
    outcome = _decide(reply, attempt, config["NESTPAY_CLIENT_ID"])
    if reply.unknown_fields and outcome != "rejected":
        current_app.logger.warning(
            "NestPay reply for %s on %s carries unknown fields %s: sent to review",
            oid[:64], channel, ", ".join(without_control(n)[:40] for n in reply.unknown_fields),
        )
    # The order's row lock (PostgreSQL; SQLite already holds its write lock) serialises this
    # reply with an admin changing the same order's status at the same moment.
    order = db.session.scalar(select(Order).where(Order.id == attempt.order_id)
                              .with_for_update()) if attempt is not None else None
    if outcome in {"paid", "failed", "review"}:
        outcome = _apply(attempt, order, reply, outcome, now)
    db.session.add(
        PaymentEvent(
            attempt_id=attempt.id if attempt else None,
            oid=oid[:64],
            channel=channel,
            hash_valid=reply.hash_valid,
            outcome=outcome,
            fields=nestpay.sanitise(fields),
            received_at=now,
        )
    )
    if outcome == "paid":  # the confirmation, written with the payment it confirms
        emails.queue_confirmation(order)
    db.session.commit()
    if outcome == "paid":  # once: every later delivery of the same approval is a "duplicate"
        signals.send(signals.order_paid, order)
    return outcome, order


def record_refused(fields: dict[str, str], channel: str, now: datetime) -> None:
    """Record a reply refused before it could be read (a repeated field name)."""
    begin_write()
    oid = without_control(nestpay.get_field(fields, "oid", "ReturnOid"))[:64]
    db.session.add(
        PaymentEvent(attempt_id=None, oid=oid, channel=channel, hash_valid=False,
                     outcome="rejected", fields=nestpay.sanitise(fields), received_at=now)
    )
    db.session.commit()


def _decide(reply: nestpay.BankReply, attempt: PaymentAttempt | None, client_id: str) -> str:
    if not reply.hash_valid or reply.client_id != client_id or attempt is None:
        return "rejected"
    if reply.amount_cents != attempt.amount_cents or reply.currency != attempt.currency:
        return "review"  # signed by the bank, but not what we asked for: a person must look
    if reply.instalment != nestpay.instalment_text(attempt.instalments):
        # Another number of instalments (or some where the order asked for none) is another
        # payment than the one the customer reviewed: signed, so maybe charged; never "paid".
        return "review"
    if reply.unknown_fields:
        # The names are not signed: a renamed field may fake any value, including a decline
        # that would release the stock of an order the bank charged. A person decides.
        return "review"
    if reply.approved:
        return "paid"
    # Authorised with an mdStatus this store does not accept (half 3-D Secure): the card is
    # already charged, so "failed" would release the stock and invite a second charge.
    return "review" if reply.authorised else "failed"


def _apply(attempt, order, reply, wanted: str, now: datetime) -> str:
    """Change the attempt and the order once; later deliveries become "duplicate"/"ignored"."""
    if wanted == "failed":
        won = _claim(attempt, {PENDING}, FAILED)
        if not won:
            return "duplicate" if attempt.status == FAILED else "ignored"
        if order.status == AWAITING_PAYMENT:
            order_status.set_status(order, PAYMENT_FAILED)
        return "failed"
    source = {PENDING, FAILED, EXPIRED}  # a late approval still means money was taken
    if order.status not in (AWAITING_PAYMENT, PAYMENT_FAILED):
        # The order no longer waits for a card (switched to cash, paid by another attempt):
        # this charge is one too many, so never "paid"; the owner sees it under review.
        wanted = "review"
    target = ATTEMPT_PAID if wanted == "paid" else NEEDS_REVIEW
    if not _claim(attempt, source, target, trans_id=reply.trans_id, auth_code=reply.auth_code):
        return "duplicate"
    _capture(attempt, reply, now)
    if order.status == PAYMENT_REVIEW:
        # Another attempt of this order already took money: two charges, a person decides.
        return "review"
    if wanted == "review" and PAYMENT_REVIEW not in TRANSITIONS[order.status]:
        # Too late to hold the order back (paid by another attempt, shipped…): the attempt
        # waits in review and the log tells the owner.
        current_app.logger.warning(
            "Card charged for order %s in status %s: attempt %s needs review",
            order.number, order.status, attempt.oid,
        )
        return "review"
    try:
        order_status.set_status(order, PAID if wanted == "paid" else PAYMENT_REVIEW)
    except (orders.OutOfStock, order_status.InvalidTransition):
        # Paid, but the stock went to someone else meanwhile (or the order moved on): review.
        db.session.rollback()
        begin_write()
        if not _claim(attempt, source, NEEDS_REVIEW, trans_id=reply.trans_id,
                      auth_code=reply.auth_code):
            # The rollback let another delivery of this answer in: it applied it.
            return "duplicate"
        _capture(attempt, reply, now)  # the rollback took the first one away with the rest
        order = db.session.get(Order, attempt.order_id)
        if order.status != PAYMENT_REVIEW and PAYMENT_REVIEW in TRANSITIONS[order.status]:
            order.status = PAYMENT_REVIEW
        return "review"
    return wanted


def _capture(attempt: PaymentAttempt, reply, now: datetime) -> None:
    """The ledger's capture row, in the same transaction as the claim that won the reply.

    Only when the bank took the money; not for a reply with unknown field names, whose
    values may have been moved under other names (the owner checks it in the bank's report).
    """
    if reply.authorised and not reply.unknown_fields:
        ledger.add_capture(attempt, reply.amount_cents or attempt.amount_cents, reply.trans_id,
                           reply.host_ref_num, now)


def _claim(attempt: PaymentAttempt, source: set[str], target: str, **values) -> bool:
    changed = db.session.execute(
        update(PaymentAttempt)
        .where(PaymentAttempt.id == attempt.id, PaymentAttempt.status.in_(source))
        .values(status=target, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(attempt)
    return changed == 1


#: How long an unanswered attempt stays pending while the bank's API cannot be reached at all
#: (``LESNAMAX_PAYMENT_UNREACHABLE_HOURS``). Its stock stays held meanwhile: expiring it
#: unasked could release stock the bank did sell. A day covers an outage of the bank's API
#: (or of the shop's network) without holding stock forever; after it the attempt expires as
#: before, and a late approval still counts (``_apply`` takes it from "expired").
UNREACHABLE_HOURS = 24


@dataclass(frozen=True)
class _Queried:
    """The bank's status of an attempt, read like a reply by ``_apply``."""

    amount_cents: int
    trans_id: str
    auth_code: str
    host_ref_num: str = ""
    authorised: bool = True
    unknown_fields: tuple[str, ...] = ()


def expire_pending(now: datetime, minutes: int) -> int:
    """Settle attempts nobody answered within ``minutes``; return how many expired.

    Each is first asked of the bank (ORDERSTATUS): an approval found there is applied exactly
    as the callback's would be; a decline, an unknown order or a payment the bank still
    waits for expires as before (its stock returns). When the bank cannot be reached the
    attempt waits for the next run, up to UNREACHABLE_HOURS. Safe to run from a periodic job
    and from two at once: every change is a conditional claim of the attempt.
    """
    cutoff = now - timedelta(minutes=minutes)
    hours = float(current_app.config.get("PAYMENT_UNREACHABLE_HOURS", UNREACHABLE_HOURS))
    give_up = now - timedelta(hours=hours)
    stale = db.session.execute(
        select(PaymentAttempt.id, PaymentAttempt.oid, PaymentAttempt.created_at < give_up)
        .where(PaymentAttempt.status == PENDING, PaymentAttempt.created_at < cutoff)
        .order_by(PaymentAttempt.id)
    ).all()
    db.session.rollback()  # no transaction stays open while the bank is asked
    if not stale:
        return 0
    expired = 0
    for attempt_id, oid, overdue in stale:
        try:
            status = bankapi.query(oid)
        except bankapi.NotConfigured:
            # A live shop without an API user cannot ask: expire after ``minutes`` as before
            # the API existed, rather than hold the stock for UNREACHABLE_HOURS.
            status = None
        except bankapi.BankUnavailable as error:
            if not overdue:
                current_app.logger.warning(
                    "Bank not reachable about %s (%s): left pending until the next run",
                    oid, error)
                continue
            current_app.logger.warning(
                "Bank not reachable about %s for %s hours: expired unasked", oid, hours)
            status = None
        expired += _settle(attempt_id, status, now)
    return expired


def _settle(attempt_id: int, status, now: datetime) -> int:
    """Apply the bank's status of one stale attempt; return 1 if it expired."""
    begin_write()
    attempt = db.session.get(PaymentAttempt, attempt_id)
    order = db.session.scalar(select(Order).where(Order.id == attempt.order_id)
                              .with_for_update())
    if attempt.status != PENDING:  # a reply or another run came first
        db.session.rollback()
        return 0
    if status is not None and status.state == "approved":
        found = _Queried(status.amount_cents, status.trans_id, status.auth_code)
        wanted = "paid" if status.amount_cents == attempt.amount_cents else "review"
        outcome = _apply(attempt, order, found, wanted, now)
    elif _claim(attempt, {PENDING}, EXPIRED):
        if order.status == AWAITING_PAYMENT:
            order_status.set_status(order, PAYMENT_FAILED)
        outcome = "expired"
    else:
        outcome = "duplicate"
    db.session.add(PaymentEvent(
        attempt_id=attempt.id, oid=attempt.oid, channel=QUERY_CHANNEL,
        # Not signed like a reply: the answer came over the API's TLS connection, asked by us.
        hash_valid=status is not None, outcome=outcome, received_at=now,
        fields=nestpay.sanitise({k: str(v) for k, v in (status.fields if status else {}).items()}),
    ))
    if outcome == "paid":  # as handle_reply: the confirmation with the payment it confirms
        emails.queue_confirmation(order)
    db.session.commit()
    if outcome == "paid":
        signals.send(signals.order_paid, order)
    return int(outcome == "expired")


def gate_url() -> str:
    configured = current_app.config.get("NESTPAY_GATE_URL")
    if configured:
        return configured
    return current_app.config["BASE_URL"].rstrip("/") + "/sandbox-bank/fim/est3Dgate"


def utcnow() -> datetime:
    return datetime.now(UTC)

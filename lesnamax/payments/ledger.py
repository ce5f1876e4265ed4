"""The payment ledger: rows written for each movement of money, and the figures read from it.

Every figure a page shows (paid, refunded, balance) comes from ``figures()``, so the admin's
order page, the customer's order page and the refund checks can never disagree.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from ..audit import Actor
from ..extensions import db
from .models import (
    ATTEMPT,
    CAPTURE,
    DONE,
    OPEN,
    REFUND,
    REFUSED,
    REQUESTED,
    SYSTEM,
    UNKNOWN,
    VOID,
    PaymentAttempt,
    PaymentMovement,
)

#: What the bank's message column keeps (its column size).
MESSAGE_MAX = 255


@dataclass(frozen=True)
class Figures:
    """Money of one order (or one attempt), in cents, from the ledger."""

    paid: int = 0
    refunded: int = 0
    #: Voids and refunds asked and not answered (or answered with no usable answer): they may
    #: have happened, so they are never offered again until someone asks the bank.
    uncertain: int = 0

    @property
    def balance(self) -> int:
        return self.paid - self.refunded

    @property
    def refundable(self) -> int:
        return max(self.paid - self.refunded - self.uncertain, 0)


def add_attempt(attempt: PaymentAttempt, now: datetime) -> None:
    """The "attempt" row, in the caller's transaction (the attempt was just added)."""
    db.session.flush()  # the attempt's id
    db.session.add(PaymentMovement(
        order_id=attempt.order_id, attempt_id=attempt.id, kind=ATTEMPT,
        amount_cents=attempt.amount_cents, state=DONE, key=f"attempt:{attempt.oid}",
        created_at=now, answered_at=now))


def add_capture(attempt: PaymentAttempt, amount_cents: int, trans_id: str, host_ref: str,
                now: datetime) -> None:
    """The "capture" row of an approval, in the caller's transaction (once per attempt: the
    caller's conditional UPDATE of the attempt lets only one delivery get here)."""
    db.session.add(PaymentMovement(
        order_id=attempt.order_id, attempt_id=attempt.id, kind=CAPTURE,
        amount_cents=amount_cents, state=DONE, key=f"capture:{attempt.oid}",
        trans_id=trans_id[:64], host_ref=host_ref[:64], created_at=now, answered_at=now))


def request(attempt: PaymentAttempt, kind: str, amount_cents: int, actor: Actor | None,
            now: datetime, *, reason: str = "", lines: list | None = None,
            cancels_order: bool = False, token: str | None = None) -> PaymentMovement:
    """Add a "requested" void or refund; the caller commits it BEFORE asking the bank.

    ``in_flight`` carries the attempt's id, unique: a second one for the same attempt fails
    at the flush (IntegrityError), whatever the callers checked before. ``token``, the one
    the owner's confirmation page carried, goes into the unique key: the same confirmation
    sent twice (a double click, F5) cannot become a second refund once the first is done.
    """
    assert kind in (VOID, REFUND)
    movement = PaymentMovement(
        order_id=attempt.order_id, attempt_id=attempt.id, kind=kind, amount_cents=amount_cents,
        state=REQUESTED, key=f"{kind}:{attempt.oid}:{token or secrets.token_hex(8)}",
        in_flight=attempt.id, cancels_order=cancels_order,
        actor_id=actor.user_id if actor else None,
        actor_email=actor.email if actor else SYSTEM, reason=reason, lines=lines,
        created_at=now)
    db.session.add(movement)
    db.session.flush()
    return movement


def asked_with(order_id: int, token: str) -> bool:
    """True when a void or refund of the order was already asked with ``token``."""
    return db.session.scalar(select(PaymentMovement.id).where(
        PaymentMovement.order_id == order_id,
        PaymentMovement.key.in_([f"{kind}:{oid}:{token}" for kind in (VOID, REFUND)
                                 for oid in _oids(order_id)])).limit(1)) is not None


def _oids(order_id: int) -> list[str]:
    return list(db.session.scalars(select(PaymentAttempt.oid)
                                   .where(PaymentAttempt.order_id == order_id)))


def answer(movement: PaymentMovement, state: str, now: datetime, *, source=OPEN, code: str = "",
           message: str = "", trans_id: str = "", host_ref: str = "") -> bool:
    """Write the bank's answer if the movement is still in ``source``; True if this call did.

    Conditional, like the attempts' claims: two answers for one movement (a retry racing a
    late page) give one effect. Leaving "requested"/"unknown" for "done"/"refused" frees the
    attempt for the next movement; "unknown" keeps it blocked.
    """
    values = {"state": state, "answered_at": now, "bank_code": code[:20],
              "bank_message": message[:MESSAGE_MAX]}
    if trans_id:
        values["trans_id"] = trans_id[:64]
    if host_ref:
        values["host_ref"] = host_ref[:64]
    if state in (DONE, REFUSED):
        values["in_flight"] = None
    changed = db.session.execute(
        update(PaymentMovement)
        .where(PaymentMovement.id == movement.id, PaymentMovement.state.in_(source))
        .values(**values).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(movement)
    return changed == 1


def movements(order_id: int) -> list[PaymentMovement]:
    return list(db.session.scalars(select(PaymentMovement)
                                   .where(PaymentMovement.order_id == order_id)
                                   .order_by(PaymentMovement.id)))


def figures(rows: list[PaymentMovement], attempt_id: int | None = None) -> Figures:
    """The one place money is summed: an order's rows, or one attempt's with ``attempt_id``."""
    paid = refunded = uncertain = 0
    for row in rows:
        if attempt_id is not None and row.attempt_id != attempt_id:
            continue
        if row.kind == CAPTURE and row.state == DONE:
            paid += row.amount_cents
        elif row.kind in (VOID, REFUND):
            if row.state == DONE:
                refunded += row.amount_cents
            elif row.state in (REQUESTED, UNKNOWN):
                uncertain += row.amount_cents
    return Figures(paid, refunded, uncertain)


def order_figures(order_id: int) -> Figures:
    return figures(movements(order_id))


def captured_attempts(rows: list[PaymentMovement]) -> list[int]:
    """Ids of the attempts the bank charged, oldest first."""
    return [row.attempt_id for row in rows if row.kind == CAPTURE and row.state == DONE]

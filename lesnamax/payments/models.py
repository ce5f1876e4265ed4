"""Card payment attempts and every delivery from the bank. No card number is ever stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..catalogue.models import utcnow
from ..extensions import db

PENDING = "pending"
PAID = "paid"
FAILED = "failed"
NEEDS_REVIEW = "needs_review"
EXPIRED = "expired"


class PaymentAttempt(db.Model):
    """One trip to the bank's page: its own oid and an amount frozen when it was made."""

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id", ondelete="CASCADE"), index=True)
    oid: Mapped[str] = mapped_column(String(64), unique=True)
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="978")
    rnd: Mapped[str] = mapped_column(String(32))
    #: The number of instalments asked of the bank (the order's), frozen with the amount: a
    #: reply naming another number, or any when none was asked, is not this payment.
    instalments: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(15), default=PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    trans_id: Mapped[str] = mapped_column(String(64), default="")
    auth_code: Mapped[str] = mapped_column(String(32), default="")


class PaymentEvent(db.Model):
    """Append-only log of each delivery (browser ok/fail, callback), with sanitised fields."""

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int | None] = mapped_column(
        ForeignKey("payment_attempt.id", ondelete="SET NULL"), index=True
    )
    oid: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[str] = mapped_column(String(15))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    hash_valid: Mapped[bool] = mapped_column(Boolean)
    #: What the delivery did: "paid", "failed", "review", "duplicate", "rejected", ...
    outcome: Mapped[str] = mapped_column(String(20))
    fields: Mapped[dict] = mapped_column(JSON, default=dict)


# The ledger: every movement of money, asked of the bank or answered by it.
ATTEMPT = "attempt"
CAPTURE = "capture"
VOID = "void"
REFUND = "refund"
#: Asked: the row is committed before the bank is; it stays "requested" only while waiting.
REQUESTED = "requested"
DONE = "done"
REFUSED = "refused"
#: Asked, no usable answer (timeout, refused connection, garbage): it may or may not have
#: happened, so it counts as possibly refunded until someone asks the bank.
UNKNOWN = "unknown"
#: Movements whose money may be gone: done, or not yet known not to be.
OPEN = (REQUESTED, UNKNOWN)
SYSTEM = "system"


class PaymentMovement(db.Model):
    """One line of the payment ledger: an attempt made, its capture, a void or a refund.

    Written before the bank is asked and completed with its answer, so a crash or a timeout
    between the two leaves a row that says so ("requested" or "unknown"), never a silent gap.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("payment_attempt.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    amount_cents: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), index=True)
    #: "capture:<oid>", "refund:<oid>:<random>": one movement, one row, whoever writes it twice.
    key: Mapped[str] = mapped_column(String(100), unique=True)
    #: The attempt's id while a void or refund of it is requested or unknown, NULL otherwise:
    #: unique, so two owners clicking at once can never have two refunds of one payment in
    #: flight (NULLs never collide).
    in_flight: Mapped[int | None] = mapped_column(Integer, unique=True)
    #: True when the movement cancels the order: once done, the order is cancelled.
    cancels_order: Mapped[bool] = mapped_column(Boolean, default=False)
    trans_id: Mapped[str] = mapped_column(String(64), default="")
    host_ref: Mapped[str] = mapped_column(String(64), default="")
    bank_code: Mapped[str] = mapped_column(String(20), default="")
    bank_message: Mapped[str] = mapped_column(String(255), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: The admin's e-mail at the time, or "system" (the bank's reply, reconciliation).
    actor_email: Mapped[str] = mapped_column(String(254), default=SYSTEM)
    reason: Mapped[str] = mapped_column(Text, default="")
    #: The order lines given back, when chosen: [{"line_id", "name", "quantity", "cents"}].
    lines: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

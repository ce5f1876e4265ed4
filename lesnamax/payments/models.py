"""Card payment attempts and every delivery from the bank. No card number is ever stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String
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

"""A return of some of an order's lines: a customer's withdrawal or one the owner starts.

requested → received (the goods are back, their stock returned) → refunded; or rejected from
requested, with a reason the customer is told. The rows are kept for the accounts, like orders.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalogue.models import utcnow
from ..extensions import db

REQUESTED = "requested"
RECEIVED = "received"
REFUNDED = "refunded"
REJECTED = "rejected"
#: Returns still waiting for the owner: an erased customer's order keeps its contact for them.
OPEN = (REQUESTED, RECEIVED)

#: Who started it: the customer through /orders/<number>/withdraw, or the owner in the admin.
WITHDRAWAL = "withdrawal"
OWNER = "owner"

CARD = "card"
CASH = "cash"


class Return(db.Model):
    __tablename__ = "order_return"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(12), index=True)
    #: From the confirmation form: a second submit of it finds the first withdrawal.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    #: The withdrawal notice (or the owner's start): the law's 14 days to refund run from here.
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: A card refund being asked of the bank (set before the bank is asked, cleared after):
    #: a second click meanwhile gets 409 instead of a second refund.
    refund_claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refund_method: Mapped[str | None] = mapped_column(String(10))
    refund_cents: Mapped[int | None] = mapped_column(Integer)
    #: Who handed the cash back (the owner's e-mail), for a cash refund.
    refunded_by: Mapped[str | None] = mapped_column(String(254))
    rejected_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reject_reason: Mapped[str] = mapped_column(String(500), default="")

    lines: Mapped[list[ReturnLine]] = relationship(
        back_populates="ret", order_by="ReturnLine.id", cascade="all, delete-orphan",
        lazy="raise")


class ReturnLine(db.Model):
    __tablename__ = "order_return_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("order_return.id", ondelete="CASCADE"),
                                           index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)

    ret: Mapped[Return] = relationship(back_populates="lines", lazy="raise")

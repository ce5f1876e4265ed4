"""Orders and their lines. Lines copy what was sold, so they outlive products and accounts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalogue.models import utcnow
from ..extensions import db

AWAITING_PAYMENT = "awaiting_payment"
PAYMENT_FAILED = "payment_failed"
PAYMENT_REVIEW = "payment_review"
PAID = "paid"
CASH_ON_DELIVERY = "cash_on_delivery"
PROCESSING = "processing"
SHIPPED = "shipped"
DELIVERED = "delivered"
CANCELLED = "cancelled"

#: The one table of allowed status changes, used by checkout, payments and the admin pages.
TRANSITIONS: dict[str, frozenset[str]] = {
    AWAITING_PAYMENT: frozenset({PAID, PAYMENT_FAILED, PAYMENT_REVIEW, CANCELLED}),
    # A retry starts a new attempt; a late approval of the old one still means money was taken.
    PAYMENT_FAILED: frozenset({AWAITING_PAYMENT, PAID, PAYMENT_REVIEW, CANCELLED}),
    PAYMENT_REVIEW: frozenset({PAID, CANCELLED}),
    PAID: frozenset({PROCESSING, CANCELLED}),
    # A card approval arriving after the switch to cash: the card was charged too, the order
    # waits for the owner (who refunds one of the two) instead of staying a plain cash order.
    CASH_ON_DELIVERY: frozenset({PROCESSING, PAYMENT_REVIEW, CANCELLED}),
    PROCESSING: frozenset({SHIPPED, CANCELLED}),
    SHIPPED: frozenset({DELIVERED}),
    DELIVERED: frozenset(),
    CANCELLED: frozenset(),
}
#: Statuses whose order holds its stock. Leaving them returns it (a failed or expired card
#: payment, a cancellation); coming back (a retry, a late approval) takes it again.
HOLDS_STOCK = frozenset(TRANSITIONS) - {CANCELLED, PAYMENT_FAILED}
#: Statuses an order never leaves. Until it reaches one, the order still needs its customer's
#: contact to be delivered, even if they erased their account (account/data.py). A return
#: (no status yet) comes after DELIVERED; a returns status must decide the same question.
FINAL = frozenset(status for status, after in TRANSITIONS.items() if not after)
#: Orders an erased customer's contact is not kept for: the closed ones, and a failed card
#: payment, which is never delivered and which the erased customer can no longer log in to pay.
#: (A late approval of its old attempt would still need a call: it is rare, and the owner sees
#: the payment in the admin with the order's municipality and lines.)
CLOSED_ON_ERASURE = FINAL | {PAYMENT_FAILED}

CARD = "card"
CASH = "cash"


class Order(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    #: "LM-2026-000123"; set right after the row gets its id.
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"),
                                                index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    #: From the checkout form: a double-clicked "Përfundo porosinë" finds the first order.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    #: The cart it was placed from. Unique: one cart makes one order, whatever the tabs do.
    cart_id: Mapped[int | None] = mapped_column(ForeignKey("cart.id", ondelete="SET NULL"),
                                                unique=True, index=True)
    # Contact and address are copies: the customer may change or erase their profile later.
    email: Mapped[str] = mapped_column(String(254))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(20))
    street: Mapped[str] = mapped_column(String(200))
    municipality: Mapped[str] = mapped_column(String(40))
    postal_code: Mapped[str] = mapped_column(String(5), default="")
    delivery_method: Mapped[str] = mapped_column(String(10))  # cart.pricing.STANDARD/PICKUP
    #: The store a PICKUP order is collected from (``shopsettings.Store``), and its name as it
    #: was then (the owner may rename it later). No foreign key: stores are hidden, never
    #: deleted, and SQLite cannot add a named one to an existing table (migration 0017).
    pickup_store_id: Mapped[int | None] = mapped_column(Integer)
    pickup_store_name: Mapped[str | None] = mapped_column(String(100))
    payment_method: Mapped[str] = mapped_column(String(10))
    subtotal_cents: Mapped[int] = mapped_column(Integer)
    delivery_cents: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(5), default="sq")
    ip: Mapped[str | None] = mapped_column(String(45))
    policy_version: Mapped[int] = mapped_column(Integer)
    #: The terms of sale the customer accepted for this order (None: placed before the terms
    #: existed, or by a tool); the confirmation attaches that version.
    terms_version: Mapped[int | None] = mapped_column(Integer)
    #: The VAT rate (%) the prices included when the order was placed: the review page showed
    #: it, and the invoice (issued days later for cash) uses it, whatever the settings say by
    #: then. Orders from before the setting existed were placed at 18 %.
    vat_percent: Mapped[int] = mapped_column(Integer, server_default="18")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)
    #: Set once, when the confirmation e-mail was written to the outbox (cash: at placing;
    #: card: when paid), in the same transaction; the outbox row says when it was delivered.
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: A business customer's company, asked at checkout for the invoice ("" when buying as a
    #: person): its name, business number (NRB/NUI) and registered address.
    company_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    company_nrb: Mapped[str] = mapped_column(String(200), default="", server_default="")
    company_address: Mapped[str] = mapped_column(String(200), default="", server_default="")
    #: Paid by card in this many instalments (None: in full), with ``instalment_bank``'s card,
    #: and the fee the shop added for it (in ``total_cents``): as the review page showed them,
    #: whatever the settings say later. The bank form's ``Instalment`` field carries the number.
    instalments: Mapped[int | None] = mapped_column(Integer)
    instalment_bank: Mapped[str] = mapped_column(String(40), default="", server_default="")
    instalment_fee_cents: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: When it became delivered (``status.set_status``): the 14 days to withdraw run from it.
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The day the customer chose at checkout for the delivery (or the pickup), and the slot
    #: it took (``slots.area_key``), which a cancellation gives back. None: placed before
    #: delivery days existed.
    delivery_day: Mapped[date | None] = mapped_column(Date, index=True)
    delivery_area: Mapped[str | None] = mapped_column(String(60))
    #: The assembly ("montim") of the lines that asked for it, in the total, copied at placing.
    assembly_cents: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan",
        lazy="raise",
    )


class OrderLine(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("order.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(200))
    sku: Mapped[str] = mapped_column(String(40))
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer)
    line_total_cents: Mapped[int] = mapped_column(Integer)
    # Copied from the product when the order is placed: the exception from withdrawal is what the
    # customer was told then, whatever the owner ticks later.
    made_to_order: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: The assembly fee per piece the customer chose and was shown ("montim"), copied at
    #: placing and never recomputed; None: no assembly for this line.
    assembly_unit_cents: Mapped[int | None] = mapped_column(Integer)

    @property
    def assembly_cents(self) -> int:
        return (self.assembly_unit_cents or 0) * self.quantity

    order: Mapped[Order] = relationship(back_populates="lines", lazy="raise")


class DeliverySlot(db.Model):
    """How many orders one delivery area (or one store's pickups) has booked for one day.

    Booking is the stock's atomic rule: ``UPDATE … SET booked = booked + 1 WHERE booked <
    capacity`` (``slots.take``), so two buyers of the last place cannot both get it.
    """

    __tablename__ = "delivery_slot"

    area: Mapped[str] = mapped_column(String(60), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    booked: Mapped[int] = mapped_column(Integer, default=0)

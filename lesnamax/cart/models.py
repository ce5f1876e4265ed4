"""Cart and its lines. A visitor's cart is found through the signed session (cart/views.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalogue.models import Product, utcnow
from ..extensions import db

OPEN = "open"
#: A visitor's cart after it was merged into the customer's cart at login.
MERGED = "merged"
#: The cart an order was placed from.
ORDERED = "ordered"


class Cart(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(10), default=OPEN)
    #: A visitor cart's secret (``secrets.token_urlsafe``): the session must hold it with the id,
    #: so an id alone, guessed or left over, opens nobody's cart. Customers' carts have none.
    token: Mapped[str | None] = mapped_column(String(43))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    lines: Mapped[list[CartLine]] = relationship(
        back_populates="cart", order_by="CartLine.id", cascade="all, delete-orphan",
        lazy="raise",
    )


class CartLine(db.Model):
    __table_args__ = (UniqueConstraint("cart_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("cart.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)
    #: The price when the product went into the cart, so a change since can be pointed out.
    price_when_added_cents: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    cart: Mapped[Cart] = relationship(back_populates="lines", lazy="raise")
    product: Mapped[Product] = relationship(lazy="raise")

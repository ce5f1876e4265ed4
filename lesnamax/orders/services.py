"""Placing orders without overselling, one table of status changes, confirmation e-mails."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from ..cart.models import ORDERED, Cart, CartLine
from ..catalogue.models import Product
from ..database import begin_write
from ..extensions import db
from ..shoptime import shop_today
from . import pricing
from .models import (
    AWAITING_PAYMENT,
    CASH,
    CASH_ON_DELIVERY,
    HOLDS_STOCK,
    TRANSITIONS,
    Order,
    OrderLine,
)


class CheckoutError(ValueError):
    """The order cannot be placed as asked."""


class EmptyCart(CheckoutError):
    pass


class OutOfStock(CheckoutError):
    """A line asks for more than is left; nothing was taken."""

    def __init__(self, name_sq: str, name_en: str, available: int):
        super().__init__(name_sq)
        self.name_sq, self.name_en, self.available = name_sq, name_en, available


class InvalidTransition(ValueError):
    pass


@dataclass(frozen=True)
class Delivery:
    """What the checkout steps collected: the address (for this order only) and the choices."""

    first_name: str
    last_name: str
    email: str
    phone: str
    street: str
    municipality: str
    postal_code: str
    method: str
    payment: str


def order_number(order: Order) -> str:
    return f"LM-{order.created_at.year}-{order.id:06d}"


def by_idempotency_key(key: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.idempotency_key == key))


def place_order(cart_id: int, user_id: int, delivery: Delivery, idempotency_key: str, *,
                ip: str | None, language: str, policy_version: int) -> Order:
    """Turn the cart into an order in one transaction; return the order.

    Stock is taken with ``UPDATE … SET stock = stock - q WHERE stock >= q`` per line, in
    product-id order (so concurrent buyers lock rows in the same order). If any line is short,
    everything is rolled back and OutOfStock names the product. The same idempotency key
    returns the order it already made: a double click places one order.
    """
    existing = by_idempotency_key(idempotency_key)
    if existing is not None:
        return existing
    wanted = [(line.product_id, line.quantity) for line in db.session.scalars(
        select(CartLine).where(CartLine.cart_id == cart_id).order_by(CartLine.product_id))]
    if not wanted:
        # A twin request with this key (the other half of a double click) may have emptied
        # the cart a moment ago, after the check above.
        existing = by_idempotency_key(idempotency_key)
        if existing is not None:
            return existing
        raise EmptyCart()
    begin_write()
    try:
        for product_id, quantity in wanted:
            taken = db.session.execute(
                update(Product)
                .where(Product.id == product_id, Product.active.is_(True),
                       Product.stock >= quantity)
                .values(stock=Product.stock - quantity)
                .execution_options(synchronize_session=False)
            ).rowcount
            if taken != 1:
                raise _short(product_id)
        order = _write_order(cart_id, user_id, delivery, wanted, idempotency_key,
                             ip=ip, language=language, policy_version=policy_version)
        db.session.commit()
    except IntegrityError:
        # The same key won a race in another request: hand back that order.
        db.session.rollback()
        existing = by_idempotency_key(idempotency_key)
        if existing is None:
            raise
        return existing
    except CheckoutError:
        db.session.rollback()
        # Short because a twin request with this key took the stock for this very order.
        existing = by_idempotency_key(idempotency_key)
        if existing is not None:
            return existing
        raise
    return order


def _short(product_id: int) -> OutOfStock:
    product = db.session.get(Product, product_id)
    db.session.rollback()
    if product is None:
        return OutOfStock("", "", 0)
    return OutOfStock(product.name_sq, product.name_en,
                      product.stock if product.active else 0)


def _write_order(cart_id, user_id, delivery: Delivery, wanted, key, *, ip, language,
                 policy_version) -> Order:
    products = {p.id: p for p in db.session.scalars(
        select(Product).where(Product.id.in_([pid for pid, _ in wanted])))}
    day = shop_today()  # the price of the shop's day, the same for every line
    lines = [OrderLine(product_id=pid, name=products[pid].name_sq, sku=products[pid].sku,
                       unit_price_cents=products[pid].offer(day).price_cents, quantity=quantity,
                       line_total_cents=products[pid].offer(day).price_cents * quantity)
             for pid, quantity in wanted]
    subtotal = sum(line.line_total_cents for line in lines)
    fee = pricing.delivery_fee(delivery.method, delivery.municipality, subtotal)
    order = Order(
        user_id=user_id, idempotency_key=key,
        status=CASH_ON_DELIVERY if delivery.payment == CASH else AWAITING_PAYMENT,
        email=delivery.email, first_name=delivery.first_name, last_name=delivery.last_name,
        phone=delivery.phone, street=delivery.street, municipality=delivery.municipality,
        postal_code=delivery.postal_code, delivery_method=delivery.method,
        payment_method=delivery.payment, subtotal_cents=subtotal, delivery_cents=fee,
        total_cents=subtotal + fee, language=language, ip=ip, policy_version=policy_version,
        created_at=datetime.now(UTC), lines=lines,
    )
    db.session.add(order)
    db.session.flush()
    order.number = order_number(order)
    cart = db.session.get(Cart, cart_id)
    cart.status = ORDERED
    return order


def set_status(order: Order, new: str) -> None:
    """Move ``order`` to ``new`` if the table allows it, returning or taking stock as needed.

    Raises InvalidTransition, or OutOfStock when stock must be taken again and is gone (then
    nothing changed). The caller commits.
    """
    if new not in TRANSITIONS.get(order.status, frozenset()):
        raise InvalidTransition(f"{order.status} -> {new}")
    held, holds = order.status in HOLDS_STOCK, new in HOLDS_STOCK
    if held != holds:
        _move_stock(order, take=holds)
    order.status = new


def _move_stock(order: Order, take: bool) -> None:
    lines = db.session.scalars(select(OrderLine).where(OrderLine.order_id == order.id)
                               .order_by(OrderLine.product_id)).all()
    for line in lines:
        if line.product_id is None:
            continue
        statement = update(Product).where(Product.id == line.product_id)
        if take:
            statement = statement.where(Product.stock >= line.quantity).values(
                stock=Product.stock - line.quantity)
        else:
            statement = statement.values(stock=Product.stock + line.quantity)
        if db.session.execute(statement.execution_options(synchronize_session=False)
                              ).rowcount != 1 and take:
            raise _short(line.product_id)


def with_lines(number: str) -> Order | None:
    return db.session.scalar(
        select(Order).where(Order.number == number).options(selectinload(Order.lines))
    )


def orders_of(user_id: int) -> list[Order]:
    # Joined, not selectin: one query for a customer's few orders and their lines.
    return list(db.session.scalars(
        select(Order).where(Order.user_id == user_id).order_by(Order.created_at.desc(), Order.id)
        .options(joinedload(Order.lines))
    ).unique())


def owned_id(number: str, user_id: int) -> int | None:
    """Return the id of order ``number`` if it belongs to ``user_id``."""
    return db.session.scalar(
        select(Order.id).where(Order.number == number, Order.user_id == user_id))

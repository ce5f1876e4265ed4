"""Placing orders without overselling (announced by ``signals.order_placed``), and reading
them back. Status changes and the stock they move are ``status.py``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from .. import shopsettings, shoptime
from ..cart import pricing
from ..cart import services as carts
from ..cart.models import OPEN, ORDERED, Cart
from ..catalogue.models import Product
from ..database import begin_write
from ..extensions import db
from ..shoptime import shop_day
from . import emails, signals, slots
from .models import (
    AWAITING_PAYMENT,
    CARD,
    CASH,
    CASH_ON_DELIVERY,
    CLOSED_ON_ERASURE,
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


class KeyTaken(CheckoutError):
    """The idempotency key belongs to another customer's order (the form was tampered with)."""


class FiguresChanged(CheckoutError):
    """Prices, availability or delivery differ from what the review page showed; nothing was
    ordered."""


class DayTaken(CheckoutError):
    """The delivery day chosen is full (or no longer delivered); nothing was ordered."""


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
    #: The company buyer for the invoice, if the customer buys for one.
    company_name: str = ""
    company_nrb: str = ""
    company_address: str = ""
    #: The store a PICKUP order is collected from (an active ``shopsettings.Store``).
    store_id: int | None = None
    #: The delivery (or pickup) day chosen; None only for orders placed by tools and tests.
    day: date | None = None
    #: The products whose assembly ("montim") the customer chose.
    assembly: frozenset[int] = frozenset()
    #: A card payment in this many instalments with ``instalment_bank``'s card (None: in full).
    instalments: int | None = None
    instalment_bank: str = ""

    @property
    def instalment(self) -> tuple[str, int] | None:
        """(bank, count) as ``pricing`` takes it; None when paid in full or not by card."""
        if self.instalments is None or self.payment != CARD:
            return None
        return self.instalment_bank, self.instalments


def order_number(order: Order) -> str:
    # The year of the shop's day: an order placed at 00:30 on 1 January in Prishtinë (still
    # 31 December in UTC) is numbered in the new year, like its invoice.
    placed = order.created_at
    placed = placed if placed.tzinfo else placed.replace(tzinfo=UTC)  # SQLite drops the zone
    return f"LM-{shop_day(placed).year}-{order.id:06d}"


def by_idempotency_key(key: str) -> Order | None:
    return db.session.scalar(select(Order).where(Order.idempotency_key == key))


def by_cart(cart_id: int) -> Order | None:
    return db.session.scalar(select(Order).where(Order.cart_id == cart_id))


def already_placed(user_id: int, key: str | None = None,
                   cart_id: int | None = None) -> Order | None:
    """The customer's order placed with ``key`` or, failing that, from cart ``cart_id``.

    The one idempotency look-up: a second click or a re-post (same key) and another tab of
    the same cart's review (another key) land on the order that was placed first.
    """
    order = by_idempotency_key(key) if key else None
    if order is not None and order.user_id != user_id:
        order = None  # another customer's key (a tampered form): never theirs to see
    if order is None and cart_id is not None:
        order = by_cart(cart_id)
    return order if order is not None and order.user_id == user_id else None


def figures_hold(lines, delivery: Delivery, seen: str) -> bool:
    """True when ``lines`` (priced) and ``delivery`` give the review page's fingerprint."""
    return seen == pricing.fingerprint(lines, delivery.method, delivery.municipality,
                                       delivery.payment, store=delivery.store_id,
                                       day=delivery.day, instalment=delivery.instalment)


def priced_lines(cart_id: int, assembly=()) -> list[pricing.PricedLine]:
    """The cart's lines priced as of now, in the order their rows lock in: by family, then
    product id. Taking a variant's stock also locks its family's parent (a trigger keeps the
    parent's stock), so two buyers lock parents in the same order too, and never deadlock."""
    return sorted(pricing.priced(carts.lines_of_id(cart_id), assembly),
                  key=lambda x: (x.family_id, x.product_id))


def place_order(cart_id: int, user_id: int, delivery: Delivery, idempotency_key: str, *,
                ip: str | None, language: str, policy_version: int,
                seen: str | None = None,
                with_order: Callable[[Order], None] | None = None) -> Order:
    """Turn the cart into an order in one transaction; return the order.

    The cart is claimed first with a conditional UPDATE (open -> ordered) that only one
    transaction can win: a second review tab placing the same cart at the same moment loses
    and gets the winner's order (so does a double click with the same key, which the unique
    key would stop too). ``seen`` is the review page's ``pricing.fingerprint``; when the
    figures read inside this transaction differ, FiguresChanged is raised and nothing happens
    (None: the caller shows no figures, e.g. tests and tools placing on the shop's side).

    Stock is taken with ``UPDATE … SET stock = stock - q WHERE stock >= q`` per line, in
    product-id order (so concurrent buyers lock rows in the same order). If any line is short,
    everything is rolled back and OutOfStock names the product.

    ``with_order`` writes what belongs with a new order into the same transaction (the
    checkout records the policy acceptance given with it), as does a cash order's
    confirmation e-mail (into the outbox). Once committed, ``order_placed`` is sent. An
    order found instead of placed sends nothing: it was announced when it was placed.
    """
    begin_write()
    try:
        if not _claim(cart_id, user_id):
            db.session.rollback()
            return _placed_first(user_id, idempotency_key, cart_id)
        lines = priced_lines(cart_id, delivery.assembly)
        if not lines:
            raise EmptyCart()
        if seen is not None and not figures_hold(lines, delivery, seen):
            raise FiguresChanged()
        for line in lines:
            taken = db.session.execute(
                update(Product)
                .where(Product.id == line.product_id, Product.sellable,
                       Product.stock >= line.quantity)
                .values(stock=Product.stock - line.quantity)
                .execution_options(synchronize_session=False)
            ).rowcount
            if taken != 1:
                raise out_of_stock(line.product_id)
        plan = _book_day(delivery)
        order = _write_order(cart_id, user_id, delivery, lines, idempotency_key,
                             ip=ip, language=language, policy_version=policy_version)
        order.delivery_day, order.delivery_area = delivery.day, plan.area if plan else None
        if with_order is not None:
            with_order(order)
        emails.queue_confirmation(order)  # a cash order's, in the same transaction
        db.session.commit()
    except IntegrityError:
        # The same key (or cart) won a race in another request: hand back that order.
        db.session.rollback()
        existing = already_placed(user_id, idempotency_key, cart_id)
        if existing is None:
            raise KeyTaken() from None  # the key is another customer's order
        return existing
    except CheckoutError:
        db.session.rollback()
        raise
    signals.send(signals.order_placed, order)
    return order


def _book_day(delivery: Delivery) -> slots.Plan | None:
    """Take a place on the chosen day (after the stock, in every buyer's same order); DayTaken
    when it is no longer a day of the rule or has no room left."""
    if delivery.day is None:
        return None
    plan = slots.plan_for(delivery.method, delivery.municipality, delivery.store_id)
    if plan is None:
        raise FiguresChanged()  # the pickup store was hidden since the review page
    if not slots.bookable(plan, delivery.day, shoptime.shop_today()) or not slots.take(
            plan, delivery.day):
        raise DayTaken()
    return plan


def _claim(cart_id: int, user_id: int) -> bool:
    """Mark the customer's open cart ordered; False when another transaction did first (on
    PostgreSQL this waits for it to commit or roll back, then re-checks the status)."""
    return db.session.execute(
        update(Cart).where(Cart.id == cart_id, Cart.user_id == user_id, Cart.status == OPEN)
        .values(status=ORDERED).execution_options(synchronize_session=False)
    ).rowcount == 1


def _placed_first(user_id: int, key: str, cart_id: int) -> Order:
    """The order that claimed the cart first (this key's twin, or another tab's order)."""
    existing = already_placed(user_id, key, cart_id)
    if existing is None:
        raise EmptyCart()  # merged at a login, or not this customer's
    return existing


def out_of_stock(product_id: int) -> OutOfStock:
    """The refusal naming ``product_id`` and what is left of it (the transaction is rolled back)."""
    product = db.session.get(Product, product_id)
    db.session.rollback()
    if product is None:
        return OutOfStock("", "", 0)
    return OutOfStock(product.name_sq, product.name_en,
                      product.stock if product.sellable else 0)


def _write_order(cart_id, user_id, delivery: Delivery, lines, key, *, ip, language,
                 policy_version) -> Order:
    """Write the order from the priced lines (the prices the fingerprint covered)."""
    order_lines = [OrderLine(product_id=line.product_id, name=line.name_sq, sku=line.sku,
                             unit_price_cents=line.unit_price_cents, quantity=line.quantity,
                             line_total_cents=line.total_cents,
                             made_to_order=line.made_to_order,
                             assembly_unit_cents=line.assembly_fee_cents if line.assembly
                             else None)
                   for line in lines]
    subtotal = sum(line.line_total_cents for line in order_lines)
    assembly = sum(line.assembly_cents for line in order_lines)
    fee = pricing.delivery_fee(delivery.method, delivery.municipality, subtotal)
    store = None
    if delivery.method == pricing.PICKUP and delivery.store_id is not None:
        store = shopsettings.current().active_store(delivery.store_id)
        if store is None:
            raise FiguresChanged()  # hidden since the review page named it
    plan = None
    if delivery.instalment is not None:
        plan = pricing.totals(lines, delivery.method, delivery.municipality,
                              delivery.instalment).instalment
        if plan is None:
            raise FiguresChanged()  # no plan offers it any more (settings, a smaller cart)
    order = Order(
        user_id=user_id, idempotency_key=key, cart_id=cart_id,
        status=CASH_ON_DELIVERY if delivery.payment == CASH else AWAITING_PAYMENT,
        email=delivery.email, first_name=delivery.first_name, last_name=delivery.last_name,
        phone=delivery.phone, street=delivery.street, municipality=delivery.municipality,
        postal_code=delivery.postal_code, delivery_method=delivery.method,
        pickup_store_id=store.id if store else None,
        pickup_store_name=store.name if store else None,
        payment_method=delivery.payment, subtotal_cents=subtotal, delivery_cents=fee,
        total_cents=subtotal + fee + assembly + (plan.fee_cents if plan else 0),
        assembly_cents=assembly,
        instalments=plan.count if plan else None, instalment_bank=plan.bank if plan else "",
        instalment_fee_cents=plan.fee_cents if plan else 0,
        language=language, ip=ip, policy_version=policy_version,
        # The rate the review page showed (its fingerprint covers it), kept for the invoice.
        vat_percent=shopsettings.current().vat_standard_percent,
        company_name=delivery.company_name, company_nrb=delivery.company_nrb,
        company_address=delivery.company_address,
        created_at=datetime.now(UTC), lines=order_lines,
    )
    db.session.add(order)
    db.session.flush()
    order.number = order_number(order)
    return order


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


def open_numbers(user_id: int) -> list[str]:
    """Return the numbers of the user's orders whose contact an erasure keeps (not delivered,
    cancelled or with a failed card payment), oldest first."""
    return list(db.session.scalars(
        select(Order.number).where(Order.user_id == user_id,
                                   Order.status.not_in(CLOSED_ON_ERASURE))
        .order_by(Order.created_at, Order.id)))


def owned_id(number: str, user_id: int) -> int | None:
    """Return the id of order ``number`` if it belongs to ``user_id``."""
    return db.session.scalar(
        select(Order.id).where(Order.number == number, Order.user_id == user_id))

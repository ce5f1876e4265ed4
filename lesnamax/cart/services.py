"""Cart rules: add, change, remove, merge, and what the cart costs. No request objects here."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..catalogue.models import Product
from ..database import commit_keeping_loaded
from ..extensions import db
from .models import MERGED, OPEN, Cart, CartLine

#: No line may ask for more than this, whatever the stock says.
MAX_QUANTITY = 99


@dataclass
class Change:
    """What happened to a line: the quantity kept and whether stock capped the request."""

    line: CartLine | None
    quantity: int
    capped: bool = False
    available: int = 0


@dataclass
class MergeReport:
    added: int = 0
    capped: list[str] = field(default_factory=list)


def open_cart(cart_id: int | None, user_id: int | None, token: str | None = None) -> Cart | None:
    """Return the open cart of the customer, or the visitor cart with ``cart_id`` and its
    ``token`` (an id without its cart's token finds nothing)."""
    if user_id is not None:
        return db.session.scalar(
            select(Cart).where(Cart.user_id == user_id, Cart.status == OPEN).order_by(Cart.id)
        )
    if cart_id is None or not token:
        return None
    cart = db.session.scalar(
        select(Cart).where(Cart.id == cart_id, Cart.status == OPEN, Cart.user_id.is_(None))
    )
    if cart is None or cart.token is None or not secrets.compare_digest(cart.token, token):
        return None
    return cart


def cart_for_writing(cart_id: int | None, user_id: int | None, token: str | None = None) -> Cart:
    """The open cart, or a new one flushed but not committed: whoever stores its id and token
    must wait until a change to it was committed (``add`` commits or rolls back)."""
    cart = open_cart(cart_id, user_id, token)
    if cart is None:
        cart = Cart(user_id=user_id, status=OPEN,
                    token=None if user_id is not None else secrets.token_urlsafe(32))
        db.session.add(cart)
        db.session.flush()
    return cart


def lines_of(cart: Cart | None) -> list[CartLine]:
    """Return the cart's lines with their products (one query)."""
    if cart is None:
        return []
    return lines_of_id(cart.id)


def lines_of_id(cart_id: int) -> list[CartLine]:
    return list(
        db.session.scalars(
            select(CartLine)
            .where(CartLine.cart_id == cart_id)
            .options(joinedload(CartLine.product).selectinload(Product.images),
                     # A variant's family decides whether it is on sale (``sellable``).
                     joinedload(CartLine.product).joinedload(Product.parent))
            .order_by(CartLine.id)
        ).unique()
    )


def count(cart: Cart | None) -> int:
    return sum(line.quantity for line in lines_of(cart))


def _cap(product: Product, wanted: int) -> tuple[int, bool]:
    limit = min(product.stock if product.sellable else 0, MAX_QUANTITY)
    return (limit, True) if wanted > limit else (wanted, False)


def add(cart: Cart, product_id: int, quantity: int) -> Change:
    """Add ``quantity`` of a product (added to what the cart holds), capped by stock."""
    product = db.session.get(Product, product_id)
    # A family's parent is not sold itself: one of its variants is (the page asks which).
    if product is None or not product.sellable or product.is_family:
        db.session.rollback()  # a cart made for this add is not kept
        raise LookupError(product_id)
    line = db.session.scalar(
        select(CartLine).where(CartLine.cart_id == cart.id, CartLine.product_id == product_id)
    )
    wanted = (line.quantity if line else 0) + max(quantity, 1)
    kept, capped = _cap(product, wanted)
    if kept <= 0:
        db.session.rollback()
        return Change(None, 0, capped=True, available=0)
    if line is None:
        line = CartLine(cart_id=cart.id, product_id=product_id, quantity=kept,
                        price_when_added_cents=product.today.price_cents)
        db.session.add(line)
    else:
        line.quantity = kept
    commit_keeping_loaded()
    return Change(line, kept, capped, product.stock)


def set_quantity(lines: list[CartLine], line_id: int, quantity: int) -> tuple[Change, list]:
    """Set a line's quantity (0 removes it), capped by stock; return the change and the
    cart's lines after it. ``lines`` are the cart's lines as ``lines_of`` loaded them."""
    line = _loaded(lines, line_id)
    kept, capped = _cap(line.product, quantity) if quantity > 0 else (0, False)
    if kept <= 0:
        db.session.delete(line)
        commit_keeping_loaded()
        return Change(None, 0, capped=capped, available=0), [x for x in lines if x is not line]
    line.quantity = kept
    commit_keeping_loaded()
    return Change(line, kept, capped, line.product.stock), lines


def remove(lines: list[CartLine], line_id: int) -> list[CartLine]:
    """Remove a line; return the lines left."""
    line = _loaded(lines, line_id)
    db.session.delete(line)
    commit_keeping_loaded()
    return [x for x in lines if x is not line]


def _loaded(lines: list[CartLine], line_id: int) -> CartLine:
    line = next((x for x in lines if x.id == line_id), None)
    if line is None:
        raise LookupError(line_id)
    return line


def quantity_in(cart: Cart) -> int:
    """How many items the cart holds (one query; for the badge after adding)."""
    return db.session.scalar(
        select(func.coalesce(func.sum(CartLine.quantity), 0)).where(CartLine.cart_id == cart.id)
    )


def merge(guest_cart_id: int | None, guest_token: str | None, user_id: int) -> MergeReport:
    """Move a visitor's cart into the customer's open cart at login; report what changed."""
    report = MergeReport()
    guest = open_cart(guest_cart_id, None, guest_token)
    if guest is None:
        return report
    target = cart_for_writing(None, user_id)
    for line in lines_of(guest):
        existing = db.session.scalar(select(CartLine).where(
            CartLine.cart_id == target.id, CartLine.product_id == line.product_id))
        wanted = line.quantity + (existing.quantity if existing else 0)
        kept, capped = _cap(line.product, wanted)
        if capped:
            report.capped.append(line.product.name_sq)
        if kept <= 0:
            continue
        if existing is None:
            db.session.add(CartLine(cart_id=target.id, product_id=line.product_id,
                                    quantity=kept,
                                    price_when_added_cents=line.price_when_added_cents))
        else:
            existing.quantity = kept
        report.added += line.quantity
    guest.status = MERGED
    db.session.commit()
    return report

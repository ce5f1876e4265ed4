"""A customer's wishlist: products kept for later, with their current price and stock.

Keyed on the product id the heart was on (a family's parent from a card, a product or a
variant): the list shows each as it is today (price, "from" price, stock), so nothing is
copied and nothing goes stale. Adding is idempotent (a heart pressed twice, two tabs): the
unique (user, product) pair and a caught conflict make a second add a no-op.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..catalogue.models import Product
from ..extensions import db
from .models import WishlistItem

#: The most products one wishlist holds (a bound on the page and on a script's inserts).
MAX_ITEMS = 200


class WishlistFull(Exception):
    """The wishlist already holds MAX_ITEMS products."""


def sellable(product_id: int) -> Product | None:
    """The product on sale a heart may keep, or None."""
    return db.session.scalar(select(Product).where(Product.id == product_id, Product.sellable))


def add(user_id: int, product: Product) -> None:
    """Keep ``product`` in the wishlist of ``user_id`` (nothing changes if it is there)."""
    if saved_ids(user_id, [product.id]):
        return
    if count(user_id) >= MAX_ITEMS:
        raise WishlistFull
    db.session.add(WishlistItem(user_id=user_id, product_id=product.id))
    try:
        db.session.commit()
    except IntegrityError:  # the same heart pressed in another tab at the same moment
        db.session.rollback()


def remove(user_id: int, product_id: int) -> None:
    db.session.execute(delete(WishlistItem).where(WishlistItem.user_id == user_id,
                                                  WishlistItem.product_id == product_id))
    db.session.commit()


def count(user_id: int) -> int:
    return db.session.scalar(select(func.count(WishlistItem.id))
                             .where(WishlistItem.user_id == user_id)) or 0


def saved_ids(user_id: int, product_ids) -> set[int]:
    """Which of ``product_ids`` the customer keeps (one query, for the hearts of a page)."""
    ids = list(product_ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(WishlistItem.product_id).where(
        WishlistItem.user_id == user_id, WishlistItem.product_id.in_(ids))))


def products(user_id: int) -> list[Product]:
    """The customer's kept products, the latest kept first, with their pictures."""
    return list(db.session.scalars(
        select(Product).join(WishlistItem, WishlistItem.product_id == Product.id)
        .where(WishlistItem.user_id == user_id, Product.sellable)
        .options(selectinload(Product.images))
        .order_by(WishlistItem.created_at.desc(), WishlistItem.id.desc())))


def export(user_id: int) -> list[dict]:
    """The wishlist as plain data for the customer's export (inactive products too)."""
    rows = db.session.execute(
        select(WishlistItem.created_at, Product.sku, Product.name_sq, Product.name_en)
        .join(Product, Product.id == WishlistItem.product_id)
        .where(WishlistItem.user_id == user_id).order_by(WishlistItem.created_at)).all()
    return [{"sku": sku, "name": name_sq, "name_en": name_en,
             "saved_at": at.isoformat() if at else None}
            for at, sku, name_sq, name_en in rows]


def erase(user_id: int) -> None:
    """Delete the wishlist (the caller commits: part of the account's erasure)."""
    db.session.execute(delete(WishlistItem).where(WishlistItem.user_id == user_id))


def products_by_id(product_ids) -> list[Product]:
    """The products ``product_ids`` names (the saved hearts of a page), without pictures."""
    ids = list(product_ids)
    if not ids:
        return []
    return list(db.session.scalars(select(Product).where(Product.id.in_(ids))
                                   .order_by(Product.id)))

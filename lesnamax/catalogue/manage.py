"""The shop owner's changes to products and their pictures; every change is audited.

Functions take explicit arguments (ids, cleaned values, the acting admin) and own the
transaction: the change and its AuditEvent are committed together, or neither is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import cache
from ..audit import Actor, record
from ..database import begin_write
from ..extensions import db
from ..media import store_image
from ..money import cents_to_decimal_text
from ..pagination import Page, paginate
from ..text import slugify
from . import search, signals, uploads, variants
from .models import LOW_STOCK, Product, ProductImage
from .services import CARD_ONLY, CategoryTree


class NotFound(LookupError):
    """The product or picture does not exist (any more)."""


class SkuTaken(ValueError):
    pass


class SlugTaken(ValueError):
    pass


class StockChanged(ValueError):
    """The stock is no longer what the owner saw (a sale happened meanwhile)."""

    def __init__(self, current: int):
        super().__init__(current)
        self.current = current


#: Sort keys of the admin list -> ORDER BY.
SORTS = {
    "newest": (Product.created_at.desc(), Product.id.desc()),
    "name": (Product.name_sq, Product.id),
    "price_asc": (Product.price_cents, Product.id),
    "price_desc": (Product.price_cents.desc(), Product.id),
    "stock_asc": (Product.stock, Product.id),
    "stock_desc": (Product.stock.desc(), Product.id),
}


@dataclass(frozen=True)
class AdminQuery:
    q: str = ""
    category_id: int | None = None
    status: str = ""  # "", "active", "inactive"
    stock: str = ""  # "", "out", "low"
    sort: str = "newest"
    page: int = 1


def list_products(query: AdminQuery, tree: CategoryTree, per_page: int) -> Page:
    """Return one page of products, inactive ones included (three queries in all)."""
    statement = select(Product)
    category = tree.by_id.get(query.category_id) if query.category_id else None
    if category is not None:
        statement = statement.where(Product.category_id.in_(tree.descendant_ids(category)))
    if query.status in ("active", "inactive"):
        statement = statement.where(Product.active.is_(query.status == "active"))
    if query.stock == "out":
        statement = statement.where(Product.stock == 0)
    elif query.stock == "low":
        statement = statement.where(Product.stock > 0, Product.stock <= LOW_STOCK)
    words = search.terms(query.q)
    if words:
        # The folded search text holds the SKU's words too; the exact SKU is matched as well
        # because folding splits "LM-SOF-000001" into three words.
        sku = query.q.strip().upper()
        matches = search.condition(words)
        if sku.isascii() and sku.isprintable() and len(sku) <= 40:
            matches = or_(matches, Product.sku == sku)
        statement = statement.where(matches)
    return paginate(statement, query.page, per_page,
                    order_by=SORTS.get(query.sort, SORTS["newest"]),
                    options=(selectinload(Product.images), *CARD_ONLY))


def get_product(product_id: int) -> Product:
    product = db.session.get(Product, product_id)
    if product is None:
        raise NotFound(product_id)
    return product


def product_with_images(product_id: int) -> Product:
    product = db.session.scalars(
        select(Product).where(Product.id == product_id).options(selectinload(Product.images))
    ).first()
    if product is None:
        raise NotFound(product_id)
    return product


def _euros(cents: int | None) -> str:
    return "–" if cents is None else f"{cents_to_decimal_text(cents)} €"


def _check_unique(values: dict, product_id: int | None, slug_typed: bool) -> str:
    """Return the slug to use; raise SkuTaken/SlugTaken for values another product has."""
    others = select(Product.id).where(Product.id != (product_id or 0))
    if db.session.scalar(others.where(Product.sku == values["sku"]).limit(1)) is not None:
        raise SkuTaken(values["sku"])
    slug = values.get("slug") or slugify(values["name_sq"])[:130]
    if db.session.scalar(others.where(Product.slug == slug).limit(1)) is None:
        return slug
    if slug_typed:
        raise SlugTaken(slug)
    # A generated slug gets the first free number ("tavoline-2"), as the demo data does.
    # Slugs hold only [a-z0-9-], so LIKE's wildcards cannot appear in ``slug``.
    used = set(db.session.scalars(
        select(Product.slug).where(Product.id != (product_id or 0),
                                   Product.slug.like(f"{slug}-%"))
    ))
    return next(f"{slug}-{n}" for n in range(2, len(used) + 3) if f"{slug}-{n}" not in used)


def _flush_unique(values: dict, product_id: int | None) -> None:
    """Flush; a concurrent save of the same SKU or slug ends as SkuTaken/SlugTaken.

    Any other integrity error (which the form's checks should rule out) is raised as is:
    calling it a clash would send the owner looking for a duplicate that does not exist.
    """
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        others = select(Product.id).where(Product.id != (product_id or 0)).limit(1)
        if db.session.scalar(others.where(Product.sku == values["sku"])) is not None:
            raise SkuTaken(values["sku"]) from error
        if db.session.scalar(others.where(Product.slug == values["slug"])) is not None:
            raise SlugTaken(values["slug"]) from error
        raise


def _family_follows(product: Product) -> None:
    """A family's parent or variant changed: the family's names and prices follow."""
    if product.parent_id is not None or product.is_family:
        variants.refresh(product.parent_id or product.id)


def _commit() -> None:
    db.session.commit()
    # The shop's filter choices are cached; show the change at once.
    cache.forget("facets")


def insert_product(values: dict, actor: Actor, action: str,
                   detail: Callable[[Product], str]) -> Product:
    """Insert a product row from cleaned ``values`` (its slug made from the name when none was
    typed; SkuTaken or SlugTaken when another has them), audited as ``action``."""
    values = dict(values)
    values["slug"] = _check_unique(values, None, slug_typed=bool(values.get("slug")))
    product = Product(**values)
    db.session.add(product)
    _flush_unique(values, None)
    record(actor, action, "product", product.id, detail(product))
    _commit()
    return product


def create_product(values: dict, actor: Actor) -> Product:
    """Create a product from cleaned form ``values`` (Product column names)."""
    return insert_product(values, actor, "product.create",
                          lambda p: f"{p.sku} · {_euros(p.price_cents)} · {p.stock}")


def update_product(product_id: int, values: dict, stock_seen: int, actor: Actor) -> Product:
    """Save the edit form. Stock is written only if the owner changed it (see ``set_stock``)."""
    product = get_product(product_id)
    values = dict(values)
    new_stock = values.pop("stock")
    values["slug"] = _check_unique(values, product_id, slug_typed=bool(values.get("slug")))
    changes = []
    for name, value in values.items():
        old = getattr(product, name)
        if old != value:
            money = name in ("price_cents", "sale_price_cents", "assembly_fee_cents")
            changes.append(f"{name}: {_euros(old)} → {_euros(value)}" if money else name)
            setattr(product, name, value)
    _flush_unique(values, product_id)
    if new_stock != stock_seen and not product.is_family:  # a family's is its variants'
        _write_stock(product_id, stock_seen, new_stock)
        changes.append(f"stock: {stock_seen} → {new_stock}")
    _family_follows(product)
    if changes:
        record(actor, "product.update", "product", product_id, ", ".join(changes))
    _commit()
    return product


def set_price(product_id: int, price_cents: int, actor: Actor) -> Product:
    """Set the regular price. A sale price no longer below it is dropped with its dates."""
    product = get_product(product_id)
    # Audit details are data (values, column names), not prose: the trail is read in Albanian.
    detail = f"{_euros(product.price_cents)} → {_euros(price_cents)}"
    product.price_cents = price_cents
    if product.sale_price_cents is not None and product.sale_price_cents >= price_cents:
        detail += f", sale_price_cents: {_euros(product.sale_price_cents)} → {_euros(None)}"
        product.sale_price_cents = None
        product.sale_starts_on = product.sale_ends_on = None
    _family_follows(product)
    record(actor, "product.price", "product", product_id, detail)
    db.session.commit()
    return product


def _write_stock(product_id: int, seen: int, new: int) -> None:
    # Compare-and-set: write the new count only if the stock is still what the owner saw.
    # A checkout that sold a piece meanwhile (``stock = stock - q``) makes this match no row,
    # and the owner is asked to look again, instead of silently undoing the sale.
    # PostgreSQL re-checks the WHERE after waiting for a concurrent sale's row lock.
    result = db.session.execute(
        update(Product)
        .where(Product.id == product_id, Product.stock == seen)
        .values(stock=new)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        db.session.rollback()
        current = db.session.scalar(select(Product.stock).where(Product.id == product_id))
        if current is None:
            raise NotFound(product_id)
        raise StockChanged(current)


def set_stock(product_id: int, seen: int, new: int, actor: Actor) -> Product:
    """Set the stock to ``new`` if it is still ``seen``; else raise StockChanged. A family's
    stock is its variants' (kept by the database): it is not set."""
    if get_product(product_id).is_family:
        raise NotFound(product_id)
    if seen != new:
        _write_stock(product_id, seen, new)
        record(actor, "product.stock", "product", product_id, f"{seen} → {new}")
        db.session.commit()
    return get_product(product_id)


def delete_or_deactivate(product_id: int, actor: Actor) -> str:
    """Delete a product no order mentions; otherwise deactivate it (orders keep their link).

    Returns ``"deleted"`` or ``"deactivated"``.
    """
    begin_write()  # SQLite: no order can be placed between the check and the delete
    product = get_product(product_id)
    if any(used for _receiver, used in signals.product_in_use.send(Product, product_id=product_id)):
        product.active = False
        # The action code says what happened; the detail is data only (the SKU and the name).
        record(actor, "product.deactivate", "product", product_id,
               f"{product.sku} {product.name_sq}")
        outcome = "deactivated"
    else:
        record(actor, "product.delete", "product", product_id, f"{product.sku} {product.name_sq}")
        # Core delete: the database cascades to pictures and cart lines (ON DELETE CASCADE).
        db.session.execute(delete(Product).where(Product.id == product_id))
        outcome = "deleted"
    db.session.commit()
    cache.forget("facets")
    return outcome


def add_images(product_id: int, files: list[tuple[str, bytes | None]], max_pixels: int,
               max_files: int, directory: Path, actor: Actor) -> list[ProductImage]:
    """Check uploaded ``(file name, bytes)`` and store them after the product's pictures.

    Raises ``uploads.UploadRefused`` (no picture added) if any file is not an accepted picture.
    """
    product = get_product(product_id)
    # Every header first: one bad file refuses the upload before any work is done.
    checked = uploads.check_all(files, max_pixels, max_files)
    last = db.session.scalar(
        select(func.max(ProductImage.position)).where(ProductImage.product_id == product_id)
    )
    position = -1 if last is None else last
    alt_sq, alt_en = product.name_sq[:200], product.name_en[:200]
    added = []
    for filename, data in checked:
        try:
            # One picture decoded at a time, released before the next.
            with uploads.decoded(filename, data) as image:
                key, width, height = store_image(image, directory)
        except uploads.BadImage as bad:
            # A file whose header was sound but whose pixels are not: drop the rows of this
            # upload (nothing half-applied). Files already written stay on disk; their names
            # are content hashes, so they are harmless and reused if uploaded again.
            db.session.rollback()
            raise uploads.UploadRefused([bad.message]) from bad
        position += 1
        row = ProductImage(product_id=product_id, key=key, width=width, height=height,
                           alt_sq=alt_sq, alt_en=alt_en, position=position)
        db.session.add(row)
        added.append(row)
        record(actor, "image.upload", "product", product_id, f"{filename} → {key}")
    db.session.commit()
    return added


def _image(product_id: int, image_id: int) -> ProductImage:
    image = db.session.scalar(
        select(ProductImage).where(ProductImage.id == image_id,
                                   ProductImage.product_id == product_id)
    )
    if image is None:
        raise NotFound(image_id)
    return image


def move_image(product_id: int, image_id: int, step: int, actor: Actor) -> None:
    """Move a picture one place earlier (``step=-1``) or later (``+1``); the first is the main."""
    image = _image(product_id, image_id)
    ordered = list(db.session.scalars(
        select(ProductImage).where(ProductImage.product_id == product_id)
        .order_by(ProductImage.position, ProductImage.id)
    ))
    at = ordered.index(image)
    to = at + step
    if 0 <= to < len(ordered):
        ordered[at], ordered[to] = ordered[to], ordered[at]
        # Renumber all: old rows may share positions (imports, demo data).
        for position, row in enumerate(ordered):
            row.position = position
        record(actor, "image.reorder", "product", product_id,
               f"#{image_id}: {at + 1} → {to + 1}")
        db.session.commit()


def update_image_alt(product_id: int, image_id: int, alt_sq: str, alt_en: str,
                     actor: Actor) -> None:
    image = _image(product_id, image_id)
    changed = [name for name, new in (("alt_sq", alt_sq), ("alt_en", alt_en))
               if getattr(image, name) != new]
    if changed:
        image.alt_sq, image.alt_en = alt_sq, alt_en
        record(actor, "image.update", "product", product_id,
               f"#{image_id}: {', '.join(changed)}")
        db.session.commit()


def delete_image(product_id: int, image_id: int, actor: Actor) -> None:
    """Remove a picture from the product.

    The files stay: their names are content hashes, so another product (or a copy of this
    one) may show the same file; removing unused files is a separate clean-up.
    """
    image = _image(product_id, image_id)
    record(actor, "image.delete", "product", product_id, f"#{image_id} {image.key}")
    db.session.delete(image)
    db.session.commit()

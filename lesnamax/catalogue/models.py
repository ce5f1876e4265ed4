"""Catalogue tables: Category (a tree), Product and ProductImage."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..text import fold
from . import vocab

#: At or below this many units a product page says "only N left".
LOW_STOCK = 5


def utcnow() -> datetime:
    return datetime.now(UTC)


class Localized:
    """Pick the ``<field>_sq`` or ``<field>_en`` column for a language, Albanian as fallback."""

    def localized(self, field: str, lang: str) -> str:
        value = getattr(self, f"{field}_{lang}", None) if lang != "sq" else None
        return value or getattr(self, f"{field}_sq") or ""


class Category(Localized, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name_sq: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("category.id", ondelete="RESTRICT"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


class Product(Localized, db.Model):
    __table_args__ = (
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        # The home page's "featured, then newest" list reads this index in order.
        Index("ix_product_showcase", "featured", "created_at"),
        # Counts and facets of a listing (category, price, stock, material) read only this
        # index, so they stay cheap on 100,000 products.
        Index("ix_product_listing", "active", "category_id", "price_cents", "stock", "material"),
        # The price list's order (category, name), so deep pages need no sort.
        Index("ix_product_price_list", "active", "category_id", "name_sq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    sku: Mapped[str] = mapped_column(String(40), unique=True)
    name_sq: Mapped[str] = mapped_column(String(200), index=True)
    name_en: Mapped[str] = mapped_column(String(200), index=True)
    description_sq: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    price_cents: Mapped[int] = mapped_column(Integer, index=True)
    #: The usual price when the product is on sale; NULL when it is not discounted.
    regular_price_cents: Mapped[int | None] = mapped_column(Integer)
    discount_starts_on: Mapped[date | None] = mapped_column(Date)
    discount_ends_on: Mapped[date | None] = mapped_column(Date)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    # Deliberately not indexed: nearly every row is active, and an index on it leads
    # SQLite's planner to probe the FTS table once per product instead of once per query.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    material: Mapped[str | None] = mapped_column(String(40))
    colour: Mapped[str | None] = mapped_column(String(40))
    width_cm: Mapped[int | None] = mapped_column(Integer)
    depth_cm: Mapped[int | None] = mapped_column(Integer)
    height_cm: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    #: Names, SKU, material and colour in both languages, folded (see ``text.fold``);
    #: the full-text index is built over this column (``catalogue/search.py``).
    search_text: Mapped[str] = mapped_column(Text, default="")

    category: Mapped[Category] = relationship(lazy="raise")
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product",
        order_by="ProductImage.position",
        cascade="all, delete-orphan",
        lazy="raise",
    )

    @property
    def is_discounted(self) -> bool:
        return bool(self.regular_price_cents and self.regular_price_cents > self.price_cents)

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    @property
    def low_stock(self) -> bool:
        return 0 < self.stock <= LOW_STOCK

    def __repr__(self) -> str:
        return f"<Product {self.sku}>"


def search_text_for(values: dict, category_names: list[str]) -> str:
    """Build the folded search text of a product from its column values.

    Category names (with their parents') are included so that "dysheke" finds every
    product under "Dyshekë". Bulk seeding calls this directly.
    """
    parts = [values.get("name_sq"), values.get("name_en"), values.get("sku"), *category_names]
    for vocabulary, key in ((vocab.MATERIALS, "material"), (vocab.COLOURS, "colour")):
        parts.extend(vocabulary.get(values.get(key) or "", ()))
    return fold(" ".join(p for p in parts if p))


def category_names(connection, category_id: int | None) -> list[str]:
    """Return the sq and en names of a category and its ancestors."""
    table = Category.__table__
    names: list[str] = []
    for _depth in range(10):  # the tree is shallow; the bound guards against a cycle
        if category_id is None:
            break
        row = connection.execute(
            select(table.c.name_sq, table.c.name_en, table.c.parent_id).where(
                table.c.id == category_id
            )
        ).first()
        if row is None:
            break
        names += [row.name_sq, row.name_en]
        category_id = row.parent_id
    return names


@event.listens_for(Product, "before_insert")
@event.listens_for(Product, "before_update")
def _refresh_search_text(_mapper, connection, product: Product) -> None:
    # Keeps search correct whatever code path edits a product through the ORM.
    values = {k: getattr(product, k) for k in ("name_sq", "name_en", "sku", "material", "colour")}
    product.search_text = search_text_for(values, category_names(connection, product.category_id))


class ProductImage(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"), index=True
    )
    #: Content hash; files are ``<key>-<width>.webp`` under MEDIA_ROOT/products, so a
    #: changed image gets a new name and old URLs can be cached forever.
    key: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    alt_sq: Mapped[str] = mapped_column(String(200), default="")
    alt_en: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    product: Mapped[Product] = relationship(back_populates="images", lazy="raise")

    def alt(self, lang: str) -> str:
        return (self.alt_en if lang == "en" else self.alt_sq) or self.alt_sq

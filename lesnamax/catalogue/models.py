"""Catalogue tables: Category (a tree), Product and ProductImage."""

from __future__ import annotations

from dataclasses import dataclass
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
    and_,
    case,
    event,
    exists,
    false,
    or_,
    select,
    text,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from .. import shoptime
from ..extensions import db
from ..text import fold
from . import vocab

#: At or below this many units a product page says "only N left".
LOW_STOCK = 5


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Offer:
    """What a product sells for on one shop day (``Product.offer``)."""

    #: The price charged that day.
    price_cents: int
    #: The usual price; equal to ``price_cents`` when there is no sale that day.
    regular_cents: int
    #: The sale's last day, when a sale runs that day and has an end.
    until: date | None = None

    @property
    def on_sale(self) -> bool:
        return self.price_cents < self.regular_cents

    @property
    def saving_cents(self) -> int:
        return self.regular_cents - self.price_cents


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
        # index, so they stay cheap on 100,000 products; the sale columns are in it because the
        # price filter compares the day's price (``price_on``).
        Index("ix_product_listing", "active", "category_id", "price_cents", "sale_price_cents",
              "sale_starts_on", "sale_ends_on", "stock", "material", "parent_id"),
        # The price list's order (category, name), so deep pages need no sort.
        Index("ix_product_price_list", "active", "category_id", "name_sq"),
        # A family's variants. Only variants are in it: with every product in it, SQLite's
        # statistics (rows per value, blind to NULLs) made "parent_id IS NULL", which every
        # listing, the related products and the home page ask, look selective, so they walked
        # all ~10,000 products here instead of their category in ix_product_listing, 4-5 ms
        # a query at 10,000 (bench/RESULTS.md, 2026-12-07, issue 16's bench).
        Index("ix_product_parent_id", "parent_id", sqlite_where=text("parent_id IS NOT NULL"),
              postgresql_where=text("parent_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    sku: Mapped[str] = mapped_column(String(40), unique=True)
    name_sq: Mapped[str] = mapped_column(String(200), index=True)
    name_en: Mapped[str] = mapped_column(String(200), index=True)
    description_sq: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"))
    #: The regular price. What a product sells for on a given day is ``offer(day)``.
    price_cents: Mapped[int] = mapped_column(Integer, index=True)
    #: An optional sale price (below the regular one), charged from ``sale_starts_on`` to
    #: ``sale_ends_on`` inclusive, shop days; a missing bound means "since ever" / "until
    #: further notice".
    sale_price_cents: Mapped[int | None] = mapped_column(Integer, index=True)
    sale_starts_on: Mapped[date | None] = mapped_column(Date)
    sale_ends_on: Mapped[date | None] = mapped_column(Date)
    stock: Mapped[int] = mapped_column(Integer, default=0)
    # Deliberately not indexed: nearly every row is active, and an index on it leads
    # SQLite's planner to probe the FTS table once per product instead of once per query.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    # Made to the customer's measures or choices: no 14-day withdrawal (Law 06/L-034, the
    # exception of Directive 2011/83 art. 16(c)); the review page and the withdrawal say so.
    made_to_order: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: The fee per piece for assembling it at the customer's ("montim"); None: not offered.
    #: A family's variants take their parent's (``variants.refresh``).
    assembly_fee_cents: Mapped[int | None] = mapped_column(Integer)
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
    #: the full-text index is built over this column (``catalogue/search.py``). A family's
    #: parent also holds its variants' SKUs and option values; a variant's is empty, so only
    #: its family is found.
    search_text: Mapped[str] = mapped_column(Text, default="")
    #: Variants (catalogue/variants.py). A variant is a product row of its own (SKU, prices,
    #: stock, pictures, dimensions, material, colour) whose ``parent_id`` names its family: the
    #: row with the page, description and category, listed and searched in its variants'
    #: stead. Cart, orders and stock deal with variants exactly as with any product.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("product.id", ondelete="CASCADE"))  # indexed for variants only: above
    #: On a family's parent: the options its variants differ in, in the order the page asks
    #: them ("size", "material", "colour"; comma-separated); "" on every other product.
    variant_axes: Mapped[str] = mapped_column(String(40), default="", server_default="")
    #: On a family's parent: its variants do not all cost the same today, so listings say
    #: "from". Kept by ``variants.refresh`` with the parent's prices, which are its cheapest
    #: variant's (listings filter and sort on them); its stock is the sum of its active
    #: variants' stock, kept by the database (triggers of migration 0023) as stock moves.
    price_varies: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    category: Mapped[Category] = relationship(lazy="raise")
    #: A variant's family (None for any other row). Loaded on demand: a many-to-one read from
    #: the session's identity map when the parent is already there (the cart joins it).
    parent: Mapped[Product | None] = relationship(remote_side=[id], lazy="select")
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product",
        order_by="ProductImage.position",
        cascade="all, delete-orphan",
        lazy="raise",
    )

    @hybrid_property
    def sellable(self) -> bool:
        """Shown and sold to customers: the row is active and, for a variant, so is its family.

        The one rule of what is on sale (listings, search, pages, the price list, the cart,
        placing, the wishlist, back-in-stock e-mails, newsletters). Deactivating a family's
        parent takes the whole family off sale without touching its variants' own ``active``,
        so activating it again brings the family back as it was."""
        return self.active and (self.parent_id is None or self.parent.active)

    @sellable.inplace.expression
    @classmethod
    def _sellable_sql(cls):
        family = aliased(Product, name="family")
        return and_(cls.active.is_(True), or_(cls.parent_id.is_(None), exists().where(
            family.id == cls.parent_id, family.active.is_(True))))

    @property
    def is_family(self) -> bool:
        """A family's parent: shown and listed, never sold itself (its variants are)."""
        return bool(self.variant_axes)

    @property
    def axes(self) -> list[str]:
        return [axis for axis in self.variant_axes.split(",") if axis]

    def offer(self, day: date) -> Offer:
        """The price on shop ``day``: the one rule, mirrored in SQL by ``price_on``."""
        sale = self.sale_price_cents
        if (sale is not None and sale < self.price_cents
                and (self.sale_starts_on is None or self.sale_starts_on <= day)
                and (self.sale_ends_on is None or day <= self.sale_ends_on)):
            return Offer(sale, self.price_cents, self.sale_ends_on)
        return Offer(self.price_cents, self.price_cents)

    @property
    def today(self) -> Offer:
        """The offer of the shop's today (Prishtinë), for templates."""
        return self.offer(shoptime.shop_today())

    @property
    def has_sale(self) -> bool:
        """A sale price is set, whether or not its window is open today (for the admin)."""
        return self.sale_price_cents is not None

    @property
    def sale_phase(self) -> str | None:
        """For the admin: "coming", "on" or "ended" today; None without a sale price."""
        if self.sale_price_cents is None:
            return None
        today = shoptime.shop_today()
        if self.sale_starts_on is not None and today < self.sale_starts_on:
            return "coming"
        return "on" if self.offer(today).on_sale else "ended"

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    @property
    def low_stock(self) -> bool:
        return 0 < self.stock <= LOW_STOCK

    def __repr__(self) -> str:
        return f"<Product {self.sku}>"


def price_on(day: date):
    """SQL for the price charged on shop ``day``: ``Product.offer(day).price_cents`` as a column
    expression, so price filters and sorts agree with the prices the pages show."""
    return case((on_sale_on(day), Product.sale_price_cents), else_=Product.price_cents)


def on_sale_on(day: date):
    """SQL: the product's sale runs on shop ``day`` (``Product.offer(day).on_sale``).
    A NULL sale price makes the comparison NULL, i.e. not on sale."""
    return and_(
        Product.sale_price_cents < Product.price_cents,
        or_(Product.sale_starts_on.is_(None), Product.sale_starts_on <= day),
        or_(Product.sale_ends_on.is_(None), Product.sale_ends_on >= day),
    )


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
    if product.parent_id is not None:
        product.search_text = ""  # found through its family's parent
        return
    values = {k: getattr(product, k) for k in ("name_sq", "name_en", "sku", "material", "colour")}
    text = search_text_for(values, category_names(connection, product.category_id))
    if product.variant_axes and product.id is not None:
        text = " ".join((text, *variant_words(connection, product.id)))
    product.search_text = text


def variant_words(connection, parent_id: int) -> list[str]:
    """The folded SKUs and option values of a family's active variants (its parent's search
    text holds them: "160x200" or a variant's SKU finds the family)."""
    table = Product.__table__
    words: list[str] = []
    for row in connection.execute(
            select(table.c.sku, table.c.width_cm, table.c.depth_cm, table.c.material,
                   table.c.colour).where(table.c.parent_id == parent_id,
                                         table.c.active.is_(True))):
        words.append(row.sku)
        if row.width_cm and row.depth_cm:
            words.append(f"{row.width_cm}x{row.depth_cm}")
        for vocabulary, code in ((vocab.MATERIALS, row.material), (vocab.COLOURS, row.colour)):
            words.extend(vocabulary.get(code or "", ()))
    return [fold(word) for word in words]


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

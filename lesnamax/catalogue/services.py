"""Catalogue queries: the category tree, the home page, product pages, the price list and the
sitemaps. Listings and search are ``listing.py``, their filter choices ``facets.py``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import defer, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from .. import cache, shoptime
from ..extensions import db
from ..pagination import Page, paginate
from .models import Category, Localized, Product, ProductImage, on_sale_on, price_on


class CategoryTree:
    """All categories, loaded with one query and walked in memory (there are few)."""

    def __init__(self, categories: list[Category]):
        self.all = categories
        self.by_id = {c.id: c for c in categories}
        self.by_slug = {c.slug: c for c in categories}
        self.children: dict[int | None, list[Category]] = {}
        for c in categories:
            self.children.setdefault(c.parent_id, []).append(c)

    @property
    def roots(self) -> list[Category]:
        return self.children.get(None, [])

    def descendant_ids(self, category: Category) -> list[int]:
        """Return the ids of ``category`` and everything below it."""
        ids, stack = [], [category]
        while stack:
            node = stack.pop()
            ids.append(node.id)
            stack.extend(self.children.get(node.id, []))
        return ids

    def ancestors(self, category: Category) -> list[Category]:
        """Return the path from the root down to ``category``, inclusive."""
        path: list[Category] = []
        node: Category | None = category
        while node is not None and len(path) < 20:
            path.append(node)
            node = self.by_id.get(node.parent_id) if node.parent_id else None
        return path[::-1]


def category_tree() -> CategoryTree:
    """The categories as ORM rows, for code that changes them (admin)."""
    rows = db.session.scalars(select(Category).order_by(Category.position, Category.id)).all()
    return CategoryTree(list(rows))


@dataclass(frozen=True)
class CategoryEntry(Localized):
    """A read-only copy of a category row, safe to keep between requests."""

    id: int
    slug: str
    name_sq: str
    name_en: str
    parent_id: int | None
    position: int


def menu_tree() -> CategoryTree:
    """The categories for shop pages (menu, listings, breadcrumbs), without a query per page.

    Plain copies, cached per process under the categories' stamp, so a renamed or moved category
    shows everywhere at once; ORM rows could not outlive their request's session.
    """
    stamp = cache.generation("category")
    if stamp is None:
        return _menu_tree()
    return cache.remember(("category_menu", stamp), 24 * 3600, _menu_tree)


def _menu_tree() -> CategoryTree:
    columns = (Category.id, Category.slug, Category.name_sq, Category.name_en,
               Category.parent_id, Category.position)
    rows = db.session.execute(select(*columns).order_by(Category.position, Category.id))
    return CategoryTree([CategoryEntry(*row) for row in rows])


#: Cards never show descriptions or the search text: do not load them (raise if touched).
CARD_ONLY = (
    defer(Product.description_sq, raiseload=True),
    defer(Product.description_en, raiseload=True),
    defer(Product.search_text, raiseload=True),
)


def attach_images(products: list[Product]) -> list[Product]:
    """Load the images of all ``products`` with one query (for several lists on one page)."""
    by_id = {p.id: [] for p in products}
    if by_id:
        rows = db.session.scalars(
            select(ProductImage)
            .where(ProductImage.product_id.in_(by_id))
            .order_by(ProductImage.product_id, ProductImage.position, ProductImage.id)
        )
        for image in rows:
            by_id[image.product_id].append(image)
    for product in products:
        set_committed_value(product, "images", by_id[product.id])
    return products


def home_products(limit: int = 8, day: date | None = None
                  ) -> tuple[list[Product], list[Product]]:
    """Return ``(featured, discounted)`` active products for the home page; discounted means
    on sale on shop ``day`` (today by default).

    Featured products are topped up with the newest ones, so the home page is never bare.
    Three queries in all, whatever the size of the catalogue.
    """
    day = day or shoptime.shop_today()
    base = select(Product).where(Product.active.is_(True), Product.parent_id.is_(None)
                                 ).options(*CARD_ONLY)
    # Featured first, then the newest: one query, served by ix_product_showcase.
    featured = list(
        db.session.scalars(
            base.order_by(
                Product.featured.desc(), Product.created_at.desc(), Product.id.desc()
            ).limit(limit)
        )
    )
    discounted = list(
        db.session.scalars(
            # Newest offers first: walks ix_product_created_at and stops after ``limit``
            # hits, where "biggest discount first" would sort every discounted product.
            base.where(on_sale_on(day), Product.stock > 0)
            .order_by(Product.created_at.desc(), Product.id.desc())
            .limit(limit)
        )
    )
    attach_images(list({p.id: p for p in featured + discounted}.values()))
    return featured, discounted


def product_by_slug(slug: str) -> Product | None:
    return (
        db.session.scalars(
            select(Product)
            .where(Product.slug == slug, Product.sellable)
            .options(joinedload(Product.images))
        )
        .unique()
        .first()
    )


def product_by_id(product_id: int) -> Product | None:
    """A product on sale with its pictures (a variant's family, say)."""
    return db.session.scalars(select(Product).where(
        Product.id == product_id, Product.sellable).options(
        joinedload(Product.images))).unique().first()


def related_products(product: Product, limit: int = 4, day: date | None = None
                     ) -> list[Product]:
    """Return other in-stock products of the same category, closest in the day's price first."""
    day = day or shoptime.shop_today()
    rows = db.session.scalars(
        select(Product)
        .where(
            Product.category_id == product.category_id,
            Product.id != product.id,
            Product.active.is_(True),
            Product.parent_id.is_(None),
            Product.stock > 0,
        )
        .order_by(func.abs(price_on(day) - product.offer(day).price_cents), Product.id)
        .limit(limit)
        .options(selectinload(Product.images), *CARD_ONLY)
    ).all()
    return list(rows)


def price_list(page: int, per_page: int) -> Page:
    """Return a page of the public price list (every active product, by category and name):
    each variant on its own line, a family's parent (not sold itself) on none."""
    return paginate(select(Product).where(Product.sellable, Product.variant_axes == ""),
                    page, per_page,
                    order_by=(Product.category_id, Product.name_sq, Product.id),
                    options=(joinedload(Product.category),))


#: Products per sitemap file (the protocol allows 50,000; smaller files are quicker to serve).
SITEMAP_CHUNK = 5000


def active_product_count() -> int:
    """Active product pages (a family has one page, its variants none of their own)."""
    return db.session.scalar(select(func.count()).where(
        Product.active.is_(True), Product.parent_id.is_(None))) or 0


def sitemap_products(number: int) -> list[tuple[str, object]]:
    """Return ``(slug, updated_at)`` of the ``number``-th chunk of active products, by id."""
    rows = db.session.execute(
        select(Product.slug, Product.updated_at)
        .where(Product.active.is_(True), Product.parent_id.is_(None))
        .order_by(Product.id)
        .limit(SITEMAP_CHUNK)
        .offset((max(number, 1) - 1) * SITEMAP_CHUNK)
    ).all()
    return [(r.slug, r.updated_at) for r in rows]

"""Catalogue queries: the category tree, listings, product pages, suggestions, the price list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    String,
    and_,
    cast,
    func,
    literal,
    literal_column,
    not_,
    null,
    or_,
    select,
    true,
    tuple_,
    union_all,
)
from sqlalchemy.orm import aliased, defer, joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from .. import cache, shoptime
from ..extensions import db
from ..pagination import Page, clamp, count_and_clamp, paginate
from . import search
from .filters import ListingQuery
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


#: The index each sort can walk instead of sorting (search.walk_pays); "name" by language.
#: The price sorts walk two (``_by_price``).
SORT_INDEXES = {"name": "ix_product_name_{lang}", "": "ix_product_created_at",
                "newest": "ix_product_created_at"}
PRICE_SORTS = frozenset({"price_asc", "price_desc"})
#: What the two parts of a price sort walk: the regular prices, the sale prices.
PRICE_INDEXES = ("ix_product_price_cents", "ix_product_sale_price_cents")


def _by_price(statement, query: ListingQuery, day: date, limit: int, offset: int, walk: bool):
    """One page of ``statement`` by the day's price, the cheapest (or dearest) first.

    No index holds the day's price (it depends on the sale's days), but the products not on
    sale that day come in order from ix_product_price_cents, and those on sale from
    ix_product_sale_price_cents: the two streams are merged (UNION ALL ... ORDER BY, which
    SQLite and PostgreSQL merge when each part comes in order) and stop at the page. On
    100,000 products (SQLite) the page took under 1 ms; sorting every product by the day's
    price took 40 to 140 ms. The price filters are repeated on each part's own column, so that each
    walk starts and stops at the filter's bounds.
    """
    sort, on_sale = query.sort, on_sale_on(day)
    parts = []
    for column, which in ((Product.price_cents, or_(Product.sale_price_cents.is_(None),
                                                     not_(on_sale))),
                          (Product.sale_price_cents, on_sale)):
        part = statement.with_only_columns(Product.id, column.label("k")).where(
            column.is_not(None), which)
        if query.min_price_cents is not None:
            part = part.where(column >= query.min_price_cents)
        if query.max_price_cents is not None:
            part = part.where(column <= query.max_price_cents)
        parts.append(part)
    regular, sale = parts
    if walk:
        regular, sale = (part.with_hint(Product, f"INDEXED BY {index}", "sqlite")
                         for part, index in zip((regular, sale), PRICE_INDEXES, strict=True))
    k, pid = literal_column("k"), literal_column("id")
    merged = union_all(regular, sale).order_by(k if sort == "price_asc" else k.desc(), pid)
    page = merged.limit(limit).offset(offset).subquery()
    key = price_on(day)
    order = (key, Product.id) if sort == "price_asc" else (key.desc(), Product.id)
    return select(Product).where(Product.id.in_(select(page.c.id))).order_by(*order)


def _order(statement, sort: str, lang: str, walk: bool = False):
    if walk:
        index = SORT_INDEXES.get(sort, SORT_INDEXES[""]).format(lang="en" if lang == "en" else "sq")
        statement = statement.with_hint(Product, f"INDEXED BY {index}", "sqlite")
    if sort == "name":
        return statement.order_by(Product.name_en if lang == "en" else Product.name_sq, Product.id)
    return statement.order_by(Product.created_at.desc(), Product.id.desc())


#: A family's variants, in conditions on the listed row (its parent).
VARIANT = aliased(Product, name="variant")


def _family_has(own, variants):
    """A listed product matches ``own`` itself, or (a family) one of its active variants
    matches ``variants`` (a condition on ``VARIANT``)."""
    return or_(own, Product.id.in_(select(VARIANT.parent_id).where(
        VARIANT.parent_id.is_not(None), VARIANT.active.is_(True), variants)))


#: Cards never show descriptions or the search text: do not load them (raise if touched).
CARD_ONLY = (
    defer(Product.description_sq, raiseload=True),
    defer(Product.description_en, raiseload=True),
    defer(Product.search_text, raiseload=True),
)


def list_products(query: ListingQuery, tree: CategoryTree, lang: str, per_page: int,
                  day: date | None = None) -> Page:
    """Return one page of active products matching ``query`` (two queries plus images).

    A search without an explicit sort is ordered by relevance. A search with no other filter
    is counted and ranked in the search index alone where the engine allows (SQLite). Prices
    are filtered and sorted as charged on shop ``day`` (today by default).
    """
    day = day or shoptime.shop_today()
    # One row per family: a variant is listed through its parent (catalogue/variants.py); a
    # row without a parent is on sale when active (``Product.sellable``).
    statement = select(Product).where(Product.active.is_(True), Product.parent_id.is_(None))
    filters = []
    category = tree.by_slug.get(query.category)
    if category is not None:
        filters.append(Product.category_id.in_(tree.descendant_ids(category)))
    if query.min_price_cents is not None:
        # The day's price is never above the regular one: the first test narrows on the index.
        filters += [Product.price_cents >= query.min_price_cents,
                    price_on(day) >= query.min_price_cents]
    if query.max_price_cents is not None:
        filters.append(price_on(day) <= query.max_price_cents)
    if query.in_stock:
        filters.append(Product.stock > 0)
    if query.material:
        filters.append(_family_has(Product.material == query.material,
                                   VARIANT.material == query.material))
    if query.colour:
        filters.append(_family_has(Product.colour == query.colour,
                                   VARIANT.colour == query.colour))
    if query.size:
        width, depth = query.size
        filters.append(_family_has(and_(Product.width_cm == width, Product.depth_cm == depth),
                                   and_(VARIANT.width_cm == width, VARIANT.depth_cm == depth)))
    statement = statement.where(*filters)
    words = search.terms(query.q)
    total = search.index_count(words) if words and not filters else None
    if total is not None:
        page = clamp(total, query.page, per_page)
    else:
        matching = statement.where(search.condition(words)) if words else statement
        total, page = count_and_clamp(matching, query.page, per_page)
    offset = (page - 1) * per_page
    if words and not query.sort:
        statement = _best_first(statement, words, bool(filters), per_page, offset)
    else:
        walk = bool(words) and search.walk_pays(total, offset)
        if words:
            statement = statement.where(search.condition(words))
        if query.sort in PRICE_SORTS:
            statement = _by_price(statement, query, day, per_page, offset, walk)
        else:
            statement = _order(statement, query.sort, lang, walk).limit(per_page).offset(offset)
    items = db.session.scalars(
        statement.options(selectinload(Product.images), *CARD_ONLY)).all()
    return Page(list(items), total, page, per_page)


def _best_first(statement, words: list[str], filtered: bool, limit: int, offset: int):
    """One page of ``statement``'s matches for ``words``, by relevance."""
    if not filtered:
        page = search.index_ranked(statement, words, limit, offset)
        if page is not None:
            return page
    statement, rank = search.ranked(statement, words)
    return statement.order_by(rank, Product.id).limit(limit).offset(offset)


@dataclass(frozen=True)
class Facets:
    """What a listing's filters offer within its categories."""

    #: Material codes of active products.
    materials: list[str]
    #: Variant options some family offers ("size": "160x200", "colour": code), each with
    #: how many listed products have it (a family counts once, a product of its own too).
    options: dict[str, list[tuple[str, int]]]


def facets_in(category_ids: list[int] | None) -> Facets:
    """The listing's filter choices within ``category_ids`` (all when None), in one query.

    Cached per process under the catalogue stamp: on a large catalogue the DISTINCT scans
    cost more than the rest of the listing.
    """
    stamp = cache.generation("product", "category")
    if stamp is None:
        return _facets(category_ids)
    key = ("facets", stamp, tuple(sorted(category_ids)) if category_ids is not None else None)
    return cache.remember(key, 3600, lambda: _facets(category_ids))


def _facets(category_ids: list[int] | None) -> Facets:
    parent = aliased(Product, name="parent")
    within = (lambda column: column.in_(category_ids)) if category_ids is not None else (
        lambda column: true())
    materials = select(literal("material").label("axis"), Product.material.label("a"),
                       cast(null(), String).label("b"), literal(0).label("n")).where(
        Product.sellable, Product.material.is_not(None),
        within(Product.category_id)).distinct()
    parts = [materials]
    for axis, columns in (("size", (Product.width_cm, Product.depth_cm)),
                          ("colour", (Product.colour,))):
        offered = (select(*columns).join(parent, Product.parent_id == parent.id)
                   .where(Product.active.is_(True), parent.active.is_(True),
                          parent.variant_axes.contains(axis), within(parent.category_id),
                          *(c.is_not(None) for c in columns)))
        matches = tuple_(*columns).in_(offered) if len(columns) > 1 else columns[0].in_(offered)
        # As text: one UNION, whose columns PostgreSQL wants of one type.
        second = cast(columns[1], String) if len(columns) > 1 else null()
        families = func.count(func.distinct(func.coalesce(Product.parent_id, Product.id)))
        parts.append(select(literal(axis), cast(columns[0], String), second, families).where(
            Product.sellable, Product.variant_axes == "", within(Product.category_id),
            matches).group_by(*columns))
    materials_found, options = [], {}
    for axis, a, b, n in db.session.execute(union_all(*parts)).all():
        if axis == "material":
            materials_found.append(a)
        else:
            options.setdefault(axis, []).append(("x".join(str(v) for v in (a, b) if v is not
                                                          None), n))
    for values in options.values():
        values.sort(key=lambda pair: [int(v) if v.isdigit() else v
                                      for v in pair[0].split("x")])
    return Facets(sorted(materials_found), options)


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


def suggest(q: str, limit: int = 8) -> list[Product]:
    """Return up to ``limit`` products for the live search box; needs two folded letters."""
    words = search.terms(q)
    if not words or sum(len(w) for w in words) < 2:
        return []
    statement = _best_first(select(Product).where(Product.active.is_(True),
                                                  Product.parent_id.is_(None)),
                            words, False, limit, 0)
    return list(db.session.scalars(statement).all())


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

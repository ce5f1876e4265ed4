"""Listings: a category's page, the products page and a search, with their filters and sorts
(one row per family); the live search box."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, literal_column, not_, or_, select, union_all
from sqlalchemy.orm import aliased, selectinload

from .. import shoptime
from ..extensions import db
from ..pagination import Page, clamp, count_and_clamp
from . import search
from .filters import ListingQuery
from .models import Product, on_sale_on, price_on
from .services import CARD_ONLY, CategoryTree

#: The index each sort can walk instead of sorting (search.walk_pays); "name" by language.
#: The price sorts walk two (``_by_price``).
SORT_INDEXES = {"name": "ix_product_name_{lang}", "": "ix_product_created_at",
                "newest": "ix_product_created_at"}
PRICE_SORTS = frozenset({"price_asc", "price_desc"})
#: What the two parts of a price sort walk: the regular prices, the sale prices.
PRICE_INDEXES = ("ix_product_price_cents", "ix_product_sale_price_cents")
#: A category with at most this many products is read through its own index and sorted:
#: walking the whole catalogue newest first to find a small category's old products took
#: 91-125 ms at 100,000 products (bench/RESULTS.md, 2026-12-07 night); sorting 300 rows
#: costs well under a millisecond. Larger listings are left to the planner.
FEW = 300


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
            if category is not None and not words and total <= FEW:
                statement = statement.with_hint(Product, "INDEXED BY ix_product_listing",
                                                "sqlite")
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



def suggest(q: str, limit: int = 8) -> list[Product]:
    """Return up to ``limit`` products for the live search box; needs two folded letters."""
    words = search.terms(q)
    if not words or sum(len(w) for w in words) < 2:
        return []
    statement = _best_first(select(Product).where(Product.active.is_(True),
                                                  Product.parent_id.is_(None)),
                            words, False, limit, 0)
    return list(db.session.scalars(statement).all())


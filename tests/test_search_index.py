"""The search index holds active products only, and every way of reading a page agrees.

SQLite's FTS5 index keeps a product exactly while it is active (migration 0006), so that a
search with no other filter is counted and ranked in the index alone; a page sorted by a column
walks that column's index when the words match many products (lesnamax/catalogue/search.py).
These are shortcuts: each must give the very page the plain query gives.
"""

from __future__ import annotations

import re

import flask_migrate
import pytest
from sqlalchemy import event, select, text

from lesnamax import create_app
from lesnamax.catalogue import search
from lesnamax.catalogue.models import Product
from lesnamax.extensions import db

from .conftest import base_config


def names_in(html: str) -> list[str]:
    return re.findall(r'<h3 class="card-title">([^<]+)</h3>', html)


def indexed_ids(app, word: str) -> set[int]:
    """The products the index lists under ``word`` (a scan without MATCH would read the content
    table, product, not the index)."""
    with app.app_context():
        return set(db.session.scalars(text(
            "SELECT rowid FROM product_fts WHERE product_fts MATCH :word"), {"word": word}))


def set_active(app, product_id: int, active: bool, **changes) -> None:
    with app.app_context():
        product = db.session.get(Product, product_id)
        product.active = active
        for name, value in changes.items():
            setattr(product, name, value)
        db.session.commit()


def test_the_index_follows_active(app, client, hx, make_product, engine_name):
    chair = make_product(name_sq="Karrige lisi", name_en="Oak chair")
    table = make_product(name_sq="Tavolinë lisi", name_en="Oak table")

    def found(q: str) -> list[str]:
        """The names a search lists (sorted), checked against the price order and suggestions."""
        listing = sorted(names_in(client.get("/products", query_string={"q": q}).text))
        by_price = names_in(client.get("/products", query_string={"q": q,
                                                                 "sort": "price_asc"}).text)
        suggestions = hx.get("/search/suggest", query_string={"q": q}).text
        assert sorted(by_price) == listing
        assert suggestions.count('href="/products/') == len(listing)
        assert all(name in suggestions for name in listing)
        return listing

    assert found("lisi") == ["Karrige lisi", "Tavolinë lisi"]
    set_active(app, chair.id, False)
    assert found("karrige") == []
    assert found("lisi") == ["Tavolinë lisi"]
    # Renamed while inactive, then active again: found by its new name only.
    set_active(app, chair.id, False, name_sq="Stol lisi", search_text="stol lisi oak stool")
    assert found("stol") == []
    set_active(app, chair.id, True)
    assert found("stol") == ["Stol lisi"]
    assert found("karrige") == []
    if engine_name == "sqlite":
        assert indexed_ids(app, "lisi") == {chair.id, table.id}
        set_active(app, table.id, False)
        assert indexed_ids(app, "lisi") == {chair.id}
        with app.app_context():  # deleting an inactive product leaves the index as it was
            db.session.execute(text("DELETE FROM product WHERE id = :id"), {"id": table.id})
            db.session.commit()
        assert indexed_ids(app, "lisi") == {chair.id}
        assert found("stol") == ["Stol lisi"]


@pytest.fixture
def many_chairs(app, make_category, make_product):
    """Sixty products matching "karrige" (prices, names and dates all different), and others."""
    other = make_category(slug="tjeter", name_sq="Tjetër", name_en="Other")
    for n in range(60):
        make_product(name_sq=f"Karrige {(n * 37) % 60:02d}", name_en=f"Chair {n:02d}",
                     price_cents=1000 + (n * 53) % 60 * 100, stock=n % 3, image=False)
    for n in range(20):
        make_product(name_sq=f"Tavolinë {n:02d}", name_en=f"Table {n:02d}",
                     category_id=other.id, image=False)
    return other


SORTS = ["", "newest", "price_asc", "price_desc", "name"]


@pytest.mark.parametrize("sort", SORTS)
def test_a_walk_gives_the_same_pages(app, make_app, many_chairs, monkeypatch, sort,
                                     engine_name, tmp_path):
    # Every page rendered, none answered by the page cache.
    shop = make_app({**base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path),
                     "PAGE_CACHE_SECONDS": 0})
    client = shop.test_client()

    def pages() -> list[list[str]]:
        return [names_in(client.get("/products", query_string={
            "q": "karrige", "sort": sort, "page": page}).text) for page in (1, 2, 3)]

    monkeypatch.setattr(search, "WALK_FROM", 10**9)
    plain = pages()
    assert sum(len(p) for p in plain) == 60 and len(set(sum(plain, []))) == 60
    monkeypatch.setattr(search, "WALK_FROM", 1)
    monkeypatch.setattr(search, "WALK_PART", 1)
    queries: list[str] = []
    with shop.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *args: queries.append(args[2]))
    assert pages() == plain
    walking = [q for q in queries if "INDEXED BY" in q]
    # Only a sorted page walks (relevance is ranked in the search index).
    assert len(walking) == (3 if sort and engine_name == "sqlite" else 0)


def test_walk_pays_only_for_many_matches_and_early_pages(app):
    with app.app_context():
        if not search._sqlite():
            assert not search.walk_pays(10**6, 0)
            return
        assert search.walk_pays(search.WALK_FROM, 0)
        assert not search.walk_pays(search.WALK_FROM - 1, 0)
        many = 4 * search.WALK_FROM  # with WALK_PART 4: pages starting before WALK_FROM
        assert search.walk_pays(many, search.WALK_FROM - 1)
        assert not search.walk_pays(many, search.WALK_FROM)


@pytest.mark.parametrize(("sort", "lang", "index"), [
    ("price_asc", "sq", "ix_product_price_cents"), ("price_desc", "sq", "ix_product_price_cents"),
    ("newest", "sq", "ix_product_created_at"), ("name", "sq", "ix_product_name_sq"),
    ("name", "en", "ix_product_name_en")])
def test_a_walk_reads_the_sort_index(app, count_queries, many_chairs, monkeypatch, sort, lang,
                                     index):
    """Whatever the statistics, a walk reads the sort column's index, and sorts nothing more
    than ties of a descending price. By price, it merges the walks of the regular and the sale
    prices, and sorts only the page's rows."""
    from lesnamax.catalogue.filters import ListingQuery
    from lesnamax.catalogue.listing import list_products
    from lesnamax.catalogue.services import menu_tree

    monkeypatch.setattr(search, "WALK_FROM", 1)
    with app.app_context():
        if not search._sqlite():
            assert search.index_count(["karrige"]) is None
            return
        with count_queries(parameters=True) as seen:
            list_products(ListingQuery(q="karrige", sort=sort), menu_tree(), lang, 24)
        statement, params = next(s for s in seen if "INDEXED BY" in s[0])
        raw = db.session.connection().connection.driver_connection
        plan = [row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {statement}", params)]
        assert f"SCAN product USING INDEX {index}" in plan
        if not sort.startswith("price"):
            assert "USE TEMP B-TREE FOR ORDER BY" not in plan
            return
        assert "MERGE (UNION ALL)" in plan
        assert any("USING INDEX ix_product_sale_price_cents" in step for step in plan)
        # One sort only: the page's own rows, after the merge.
        assert plan.count("USE TEMP B-TREE FOR ORDER BY") == 1
        assert plan[-1] == "USE TEMP B-TREE FOR ORDER BY"


@pytest.mark.parametrize("words", [["karrige"], ["kar"], ["chair", "0"], ["tav"], ["zzz"]])
def test_index_count_and_ranking_agree_with_the_join(app, many_chairs, words):
    with app.app_context():
        active = select(Product).where(Product.active.is_(True))
        joined, rank = search.ranked(active, words)
        expected = list(db.session.scalars(joined.with_only_columns(Product.id)
                                           .order_by(rank, Product.id)))
        if not search._sqlite():
            assert search.index_ranked(active, words, 24, 0) is None
            return
        assert search.index_count(words) == len(expected)
        got = []
        for offset in range(0, 72, 24):
            page = search.index_ranked(active, words, 24, offset)
            got += list(db.session.scalars(page.with_only_columns(Product.id)))
        assert got == expected[:72]


def test_migration_0006_reindexes_active_products_and_goes_back(tmp_path, engine_name):
    if engine_name != "sqlite":
        pytest.skip("migration 0006 changes SQLite's FTS5 triggers only; PostgreSQL has none")
    app = create_app(base_config(f"sqlite:///{tmp_path / 'm.sqlite'}", tmp_path))
    insert = text(
        "INSERT INTO category (id, slug, name_sq, name_en, position) VALUES (1, 'k', 'K', 'K', 1);"
    )
    product = (
        "INSERT INTO product (id, slug, sku, name_sq, name_en, description_sq, description_en, "
        "category_id, price_cents, stock, active, featured, created_at, updated_at, search_text) "
        "VALUES (:id, :slug, :slug, :name, :name, '', '', 1, 1000, 1, :active, 0, "
        "'2026-01-01', '2026-01-01', :name)"
    )
    with app.app_context():
        flask_migrate.upgrade(revision="0005")
        db.session.execute(insert)
        for n, active in [(1, True), (2, False), (3, True)]:
            db.session.execute(text(product), {"id": n, "slug": f"p{n}", "name": f"karrige {n}",
                                               "active": active})
        db.session.commit()
        assert indexed_ids(app, "karrige") == {1, 2, 3}
        flask_migrate.upgrade()
        assert indexed_ids(app, "karrige") == {1, 3}
        assert search.index_count(["karrige"]) == 2
        flask_migrate.downgrade(revision="0005")
        assert indexed_ids(app, "karrige") == {1, 2, 3}
        db.engine.dispose()

"""Search on 100,000 products uses its index on PostgreSQL (issue 6).

The products are made inside PostgreSQL (``generate_series``), the planner gets fresh
statistics, and every query a search page and the suggestions run is EXPLAINed exactly as the
app sent it: none may read the whole product table to find the matches. Speed itself is
measured by ``make bench``, never here. SQLite's FTS5 table is an index by construction.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from lesnamax.extensions import db

pytestmark = pytest.mark.skipif(
    "config.getoption('--db') != 'postgresql'",
    reason="PostgreSQL's planner is what this checks (pytest --db=postgresql, as make test does)",
)

PRODUCTS = 100_000
#: Words of the generated names: "karrige" in one product of 50, the rest spread widely.
NAMES = ["karrige lisi", "tavoline xhami", "dysheke ortopedik", "qilim leshi", "llambe tavoline"]


@pytest.fixture
def big_catalogue(app, make_category):
    category = make_category(slug="mobilje", name_sq="Mobilje", name_en="Furniture")
    with app.app_context():
        db.session.execute(text(
            "INSERT INTO product (slug, sku, name_sq, name_en, description_sq, description_en, "
            "category_id, price_cents, stock, active, featured, created_at, updated_at, "
            "search_text) "
            "SELECT 'p-' || n, 'SKU-' || n, name, name, '', '', :category, 1000 + n % 5000, "
            "n % 7, true, false, now(), now(), name || ' ' || n || ' mobilje' "
            "FROM (SELECT n, CASE WHEN n % 50 = 0 THEN 'karrige lisi' "
            "ELSE (ARRAY[:a, :b, :c, :d])[1 + n % 4] END AS name "
            "FROM generate_series(1, :count) AS n) AS generated"
        ), {"category": category.id, "count": PRODUCTS, "a": NAMES[1], "b": NAMES[2],
            "c": NAMES[3], "d": NAMES[4]})
        db.session.commit()
        db.session.execute(text("ANALYZE product"))
        db.session.commit()
    return category


def plans(app, seen) -> list[str]:
    """EXPLAIN each search statement the app ran, with the parameters it ran with."""
    out = []
    with app.app_context():
        connection = db.session.connection()
        raw = connection.connection.driver_connection
        for statement, parameters in seen:
            if "to_tsquery" not in statement:
                continue
            with raw.cursor() as cursor:
                cursor.execute("EXPLAIN " + statement, parameters)
                out.append("\n".join(row[0] for row in cursor.fetchall()))
    return out


@pytest.mark.parametrize("url", ["/products?q=karrige", "/products?q=karr&sort=price_asc",
                                 "/products?q=Karrigë+lisi&page=2"])
def test_search_pages_use_the_index(app, client, hx, big_catalogue, count_queries, url):
    with count_queries(parameters=True) as seen:
        answer = client.get(url)
    assert answer.status_code == 200 and "karrige lisi" in answer.text
    found = plans(app, seen)
    assert found, "no full-text query ran"
    for plan in found:
        assert "Seq Scan on product" not in plan, plan
        # The stored column (migration 0005), never a tsvector computed again per row.
        assert "to_tsvector" not in plan, plan
        if "sort=" not in url:  # best match first: the matches come from the GIN index
            assert "ix_product_search_tsv_stored" in plan, plan


def test_suggestions_use_the_index(app, hx, big_catalogue, count_queries):
    with count_queries(parameters=True) as seen:
        answer = hx.get("/search/suggest?q=karr")
    assert answer.status_code == 200 and "karrige lisi" in answer.text
    found = plans(app, seen)
    assert found
    for plan in found:
        assert "Seq Scan on product" not in plan and "to_tsvector" not in plan, plan

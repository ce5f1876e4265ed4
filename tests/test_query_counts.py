"""SQL queries per page are exact and do not grow with the catalogue."""

import pytest
from sqlalchemy import insert

from lesnamax.catalogue.models import Product, ProductImage, search_text_for
from lesnamax.extensions import db

#: The budget per page; issue 6 caps every page at 6.
EXPECTED = {
    "home": 4,
    "listing": 4,
    "category": 4,
    "product": 4,
    "search": 4,
    "suggest": 1,
    "price_list": 3,
}


def fill(app, category_id: int, count: int) -> str:
    """Insert ``count`` products (half discounted, some featured) with one image each."""
    with app.app_context():
        rows = []
        for n in range(count):
            values = {
                "id": n + 1,
                "slug": f"karrige-{n}",
                "sku": f"SKU-{n:06d}",
                "name_sq": f"Karrige {n}",
                "name_en": f"Chair {n}",
                "description_sq": "",
                "description_en": "",
                "category_id": category_id,
                "price_cents": 1000 + n,
                "regular_price_cents": 2000 + n if n % 2 else None,
                "stock": n % 7,
                "active": True,
                "featured": n % 5 == 0,
                "material": "oak",
            }
            values["search_text"] = search_text_for(values, ["Mobilje"])
            rows.append(values)
        db.session.execute(insert(Product), rows)
        db.session.execute(
            insert(ProductImage),
            [
                {
                    "product_id": n + 1,
                    "key": f"k{n}",
                    "width": 800,
                    "height": 600,
                    "alt_sq": "",
                    "alt_en": "",
                    "position": 0,
                }
                for n in range(count)
            ],
        )
        db.session.commit()
    return "karrige-1"


def pages(slug):
    return {
        "home": "/",
        "listing": "/products?in_stock=1&sort=price_desc&page=2",
        "category": "/category/mobilje",
        "product": f"/products/{slug}",
        "search": "/products?q=karrige",
        "suggest": "/search/suggest?q=kar",
        "price_list": "/cmimore",
    }


def measure(client, count_queries, slug) -> dict[str, int]:
    """Count each page's queries once per-process caches are warm (policy versions, material
    facets): the steady state every visitor after the first one sees."""
    for path in pages(slug).values():
        client.get(path)
    counts = {}
    for name, path in pages(slug).items():
        headers = {"HX-Request": "true"} if name == "suggest" else {}
        with count_queries() as queries:
            assert client.get(path, headers=headers).status_code == 200
        counts[name] = len(queries)
    return counts


@pytest.mark.parametrize("size", [20, 2000])
def test_queries_per_page_are_fixed(app, client, make_category, count_queries, size):
    category = make_category(slug="mobilje", name_sq="Mobilje")
    slug = fill(app, category.id, size)
    assert measure(client, count_queries, slug) == EXPECTED


def test_no_page_runs_more_than_six_queries():
    assert max(EXPECTED.values()) <= 6

"""SQL queries per page are exact and do not grow with the catalogue."""

import re

import pytest
from sqlalchemy import insert

from lesnamax import cache
from lesnamax.catalogue.models import Product, ProductImage, search_text_for
from lesnamax.extensions import db

#: Queries to render each page for a visitor, with the per-process caches warm (policy
#: versions, category menu, material facets under the current catalogue stamp). Issue 6 caps
#: every page at 6.
EXPECTED = {
    "home": 3,
    "listing": 3,
    "category": 3,
    "product": 3,
    "search": 3,
    "suggest": 1,
    "price_list": 2,
}
#: The first render after a catalogue change also reloads the policy versions (pages that
#: show the policy notice: not the suggestions, whose cache key no longer asks for it), the
#: category menu (pages that show it) and the material facets (listings).
AFTER_CHANGE = {"home": 5, "listing": 6, "category": 6, "product": 5, "search": 6,
                "suggest": 1, "price_list": 4}


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
                "price_cents": 2000 + n if n % 2 else 1000 + n,
                "sale_price_cents": 1000 + n if n % 2 else None,
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


def measure(client, count_queries, slug, before=lambda: None) -> dict[str, int]:
    """Count each page's queries; ``before`` runs ahead of each counted request."""
    counts = {}
    for name, path in pages(slug).items():
        headers = {"HX-Request": "true"} if name == "suggest" else {}
        before()
        with count_queries() as queries:
            assert client.get(path, headers=headers).status_code == 200
        counts[name] = len(queries)
    return counts


def warm(client, slug) -> None:
    for name, path in pages(slug).items():
        client.get(path, headers={"HX-Request": "true"} if name == "suggest" else {})


@pytest.mark.parametrize("size", [20, 2000])
def test_queries_per_page_are_fixed(app, client, make_category, make_user, login,
                                    count_queries, size):
    category = make_category(slug="mobilje", name_sq="Mobilje")
    slug = fill(app, category.id, size)
    warm(client, slug)
    # A visitor after the first: every catalogue page comes from the page cache.
    assert measure(client, count_queries, slug) == dict.fromkeys(EXPECTED, 0)

    # The first visitor after a catalogue change renders the page afresh (the shop's settings,
    # a part of their own, stay cached: two queries more when they change).
    def change():
        with app.app_context():
            cache.bump(app, parts=("product", "category", "policy"))

    assert measure(client, count_queries, slug, before=change) == AFTER_CHANGE

    # The header's personal links cost a visitor no query (the cart count is in the session).
    with count_queries() as queries:
        assert client.get("/header/me").status_code == 200
    assert len(queries) == 0

    # Logged-in customers get the same pages from the same cache; only their header partial
    # loads the account.
    login(make_user(language="sq"))
    warm(client, slug)
    assert measure(client, count_queries, slug) == dict.fromkeys(EXPECTED, 0)
    with count_queries() as queries:
        assert client.get("/header/me").status_code == 200
    assert len(queries) == 1


def test_no_page_runs_more_than_six_queries():
    assert max(AFTER_CHANGE.values()) <= 6
    assert max(EXPECTED.values()) + 1 <= 6


#: Cart pages and htmx answers, for a visitor and for a logged-in customer (who costs one
#: more query: loading the account).
CART_EXPECTED = {
    "cart": 3,  # cart, lines with products, their images (the category menu is cached)
    "add": 5,  # cart, product, its line, insert or update, the badge's sum
    "update": 4,  # cart, lines with products, images, update: the answer reuses the lines
    "remove": 4,
}


@pytest.mark.parametrize("logged_in", [False, True])
def test_cart_queries_are_fixed(app, client, hx, make_product, make_user, login,
                                count_queries, logged_in):
    if logged_in:
        login(make_user())
    products = [make_product(stock=20) for _ in range(6)]
    for product in products[:5]:
        hx.post("/cart/add", data={"product_id": product.id, "quantity": 2})
    line_id = int(re.search(r'action="/cart/lines/(\d+)"',
                                          client.get("/cart").text).group(1))
    client.get("/cart")  # warm the per-process category menu cache
    extra = 1 if logged_in else 0
    steps = {
        "cart": lambda: client.get("/cart"),
        "add": lambda: hx.post("/cart/add", data={"product_id": products[5].id}),
        "update": lambda: hx.post(f"/cart/lines/{line_id}", data={"action": "inc"}),
        "remove": lambda: hx.post(f"/cart/lines/{line_id}/remove"),
    }
    counts = {}
    for name, step in steps.items():
        with count_queries() as queries:
            assert step().status_code == 200
        counts[name] = len(queries) - extra
    assert counts == CART_EXPECTED
    assert max(CART_EXPECTED.values()) + 1 <= 6


def test_a_sale_keeps_the_menu_and_policy_cached(app, client, make_category, make_user, login,
                                                  count_queries):
    """Stock changes with every order; only what shows products is rendered afresh after one.

    Each kind of change reloads only what it touched, so even a logged-in customer's first
    page after any change stays within issue 6's six queries.
    """
    from sqlalchemy import update

    category = make_category(slug="mobilje", name_sq="Mobilje")
    slug = fill(app, category.id, 20)
    login(make_user())
    warm(client, slug)
    logged_in = {name: n + 1 for name, n in EXPECTED.items()}

    def sale():
        with app.app_context():
            db.session.execute(update(Product).where(Product.id == 1).values(stock=0))
            db.session.commit()

    after_sale = measure(client, count_queries, slug, before=sale)
    # Only the listings' material facets are counted again; menu and policy state stay.
    assert after_sale == {**logged_in, "listing": 5, "category": 5, "search": 5}
    for part in cache.PARTS:
        def change(part=part):
            with app.app_context():
                cache.bump(app, parts=[part])

        counts = measure(client, count_queries, slug, before=change)
        assert max(counts.values()) <= 6, (part, counts)


def test_an_inline_edit_runs_four_queries_and_shows_what_it_saved(client, hx, make_user, login,
                                                                  count_queries):
    """The account loaded for the request is kept through the commit (commit_keeping_loaded):
    the customer, the change record, the update, when each detail last changed."""
    login(make_user())
    client.get("/account")
    with count_queries() as queries:
        answer = hx.post("/account/fields/phone", data={"phone": "049 555 666"})
    assert answer.status_code == 200 and "049 555 666" in answer.text
    assert [q.split()[0] for q in queries] == ["SELECT", "INSERT", "UPDATE", "SELECT"]
    page = client.get("/account").text  # the next request reads the saved number back
    assert "049 555 666" in page

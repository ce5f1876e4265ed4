"""Catalogue pages: listings with filters, sorting and pagination; product page; price list."""

import json
import re
from datetime import UTC, date

import pytest
from babel.numbers import format_currency

from .shop_clock import set_clock


def names_in(html: str) -> list[str]:
    return re.findall(r'<h3 class="card-title">([^<]+)</h3>', html)


@pytest.fixture
def shop(make_category, make_product):
    """Two categories under Mobilje, a mattress category, and products with known prices."""
    furniture = make_category(slug="mobilje", name_sq="Mobilje", name_en="Furniture")
    living = make_category(
        slug="dhoma-ndenje", name_sq="Dhoma ndenje", name_en="Living room", parent_id=furniture.id
    )
    mattresses = make_category(slug="dysheke", name_sq="Dyshekë", name_en="Mattresses")
    make_product(
        name_sq="Karrige druri lisi",
        name_en="Oak chair",
        price_cents=4900,
        category_id=furniture.id,
        material="oak",
        stock=12,
        slug="karrige-druri-lisi",
    )
    make_product(
        name_sq="Divan me pëlhurë",
        name_en="Fabric sofa",
        price_cents=59000,
        category_id=living.id,
        material="fabric",
        stock=0,
    )
    make_product(
        name_sq="Dyshek memorie",
        name_en="Memory foam mattress",
        price_cents=39900,
        sale_price_cents=29900,
        category_id=mattresses.id,
        material="memory_foam",
        stock=3,
    )
    make_product(
        name_sq="Tavolinë e fshehur",
        name_en="Hidden table",
        price_cents=100,
        category_id=furniture.id,
        active=False,
    )
    return {"furniture": furniture, "living": living, "mattresses": mattresses}


def test_listing_shows_active_products_only(client, shop):
    html = client.get("/products").text
    assert sorted(names_in(html)) == ["Divan me pëlhurë", "Dyshek memorie", "Karrige druri lisi"]
    assert "3 produkte" in html


def test_category_page_includes_children(client, shop):
    html = client.get("/category/mobilje").text
    assert sorted(names_in(html)) == ["Divan me pëlhurë", "Karrige druri lisi"]
    assert "Dhoma ndenje" in html  # subcategory link
    assert names_in(client.get("/category/dhoma-ndenje").text) == ["Divan me pëlhurë"]


def test_unknown_category_is_404(client, shop):
    assert client.get("/category/nuk-ekziston").status_code == 404


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("min_price=100", ["Divan me pëlhurë", "Dyshek memorie"]),
        ("max_price=49", ["Karrige druri lisi"]),
        ("min_price=49&max_price=300", ["Dyshek memorie", "Karrige druri lisi"]),
        ("min_price=300&max_price=49", ["Dyshek memorie", "Karrige druri lisi"]),  # swapped
        ("max_price=49,00", ["Karrige druri lisi"]),
        ("in_stock=1", ["Dyshek memorie", "Karrige druri lisi"]),
        ("material=oak", ["Karrige druri lisi"]),
        ("category=dysheke", ["Dyshek memorie"]),
        ("category=mobilje&in_stock=1", ["Karrige druri lisi"]),
    ],
)
def test_filters(client, shop, query, expected):
    assert sorted(names_in(client.get(f"/products?{query}").text)) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price_asc", ["Karrige druri lisi", "Dyshek memorie", "Divan me pëlhurë"]),
        ("price_desc", ["Divan me pëlhurë", "Dyshek memorie", "Karrige druri lisi"]),
        ("name", ["Divan me pëlhurë", "Dyshek memorie", "Karrige druri lisi"]),
    ],
)
def test_sorting(client, shop, sort, expected):
    assert names_in(client.get(f"/products?sort={sort}").text) == expected


def test_name_sort_uses_the_page_language(client, shop):
    html = client.get("/products?sort=name&lang=en").text
    assert names_in(html) == ["Fabric sofa", "Memory foam mattress", "Oak chair"]


def test_newest_sort_is_the_default(client, make_product):
    from datetime import datetime, timedelta

    now = datetime.now(UTC)
    make_product(name_sq="E vjetër", created_at=now - timedelta(days=5))
    make_product(name_sq="E re", created_at=now)
    assert names_in(client.get("/products").text) == ["E re", "E vjetër"]


def test_pagination_edges(app, client, make_product):
    app.config["PRODUCTS_PER_PAGE"] = 2
    for n in range(5):
        make_product(name_sq=f"Produkt {n}", price_cents=100 * (n + 1))
    first = client.get("/products?sort=price_asc").text
    assert names_in(first) == ["Produkt 0", "Produkt 1"]
    assert "Faqja 1 nga 3" in first and 'rel="prev"' not in first and 'rel="next"' in first
    last = client.get("/products?sort=price_asc&page=3").text
    assert names_in(last) == ["Produkt 4"]
    assert 'rel="next"' not in last and 'rel="prev"' in last
    # Beyond the end: the last page, not an empty one.
    assert names_in(client.get("/products?sort=price_asc&page=99").text) == ["Produkt 4"]
    # Links keep the filters.
    assert 'href="/products?sort=price_asc&amp;page=2"' in first


def test_empty_listing_says_so(client, make_category):
    make_category()
    html = client.get("/products?q=asgjë").text
    assert "Nuk u gjet asnjë produkt." in html
    assert "0 produkte" in html


def test_listing_htmx_returns_only_the_grid(hx, shop):
    response = hx.get("/products?sort=price_asc", headers={"HX-Target": "product-grid"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="product-grid"')
    assert "<html" not in response.text and 'id="filters"' not in response.text
    assert names_in(response.text)[0] == "Karrige druri lisi"
    assert "HX-Request" in response.headers["Vary"]


def test_listing_without_htmx_is_a_full_page(client, shop):
    response = client.get("/products?sort=price_asc")
    assert "<html" in response.text and 'id="product-grid"' in response.text
    assert 'id="filters"' in response.text and 'hx-push-url="true"' in response.text
    assert "HX-Request" in response.headers["Vary"]


def test_boosted_and_history_restore_requests_get_the_full_page(hx, shop):
    for header in ("HX-Boosted", "HX-History-Restore-Request"):
        assert "<html" in hx.get("/products", headers={header: "true"}).text


def test_product_page(client, shop):
    html = client.get("/products/karrige-druri-lisi").text
    assert "<h1>Karrige druri lisi</h1>" in html
    assert format_currency(49, "EUR", locale="sq_XK") in html
    assert "Në stok" in html
    assert "dru lisi" in html  # material in Albanian
    assert 'aria-current="page">Karrige druri lisi' in html  # breadcrumb
    assert 'href="/category/mobilje"' in html


def test_product_page_in_english(client, shop):
    html = client.get("/products/karrige-druri-lisi?lang=en").text
    assert "<h1>Oak chair</h1>" in html and "In stock" in html and "oak wood" in html


def test_discounted_price_is_struck_through(client, shop, app):
    from lesnamax.catalogue.models import Product
    from lesnamax.extensions import db

    with app.app_context():
        slug = db.session.query(Product.slug).filter_by(name_sq="Dyshek memorie").scalar()
    html = client.get(f"/products/{slug}").text
    assert f'<del class="price-regular">{format_currency(399, "EUR", locale="sq_XK")}</del>' in html
    assert "−25%" in html
    assert "Kanë mbetur vetëm 3" in html


@pytest.mark.parametrize(
    ("stock", "text"),
    [(0, "Nuk ka në stok"), (1, "Ka mbetur vetëm 1"), (5, "Kanë mbetur vetëm 5"), (6, "Në stok")],
)
def test_stock_states(client, make_product, stock, text):
    product = make_product(stock=stock)
    assert text in client.get(f"/products/{product.slug}").text


def test_inactive_or_unknown_product_is_404(client, shop):
    assert client.get("/products/nuk-ekziston").status_code == 404
    assert client.get("/products/produkt-4").status_code == 404  # the inactive one


def test_product_json_ld(client, shop):
    html = client.get("/products/karrige-druri-lisi").text
    raw = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(raw)
    assert data["@type"] == "Product"
    assert data["name"] == "Karrige druri lisi"
    assert data["offers"]["price"] == "49.00"
    assert data["offers"]["priceCurrency"] == "EUR"
    assert data["offers"]["availability"] == "https://schema.org/InStock"
    assert data["image"] == ["http://shop.test/media/products/img1-800.webp"]


def test_json_ld_cannot_be_broken_out_of(client, make_product):
    product = make_product(name_sq="</script><script>alert(1)</script>")
    html = client.get(f"/products/{product.slug}").text
    assert "<script>alert(1)" not in html


def test_related_products_are_from_the_same_category(client, shop, make_product):
    make_product(name_sq="Karrige tjetër", category_id=shop["furniture"].id, price_cents=5000)
    make_product(name_sq="Dyshek tjetër", category_id=shop["mattresses"].id)
    html = client.get("/products/karrige-druri-lisi").text
    related = html.split('id="related-title"')[1]
    assert "Karrige tjetër" in related and "Dyshek tjetër" not in related


def test_price_list(client, shop):
    html = client.get("/cmimore").text
    assert "<h1>Çmimorja</h1>" in html
    today = date.today()
    months = [
        "janar",
        "shkurt",
        "mars",
        "prill",
        "maj",
        "qershor",
        "korrik",
        "gusht",
        "shtator",
        "tetor",
        "nëntor",
        "dhjetor",
    ]
    assert f"{today.day} {months[today.month - 1]} {today.year}" in html
    row = html.split("Dyshek memorie")[1].split("</tr>")[0]
    assert format_currency(399, "EUR", locale="sq_XK") in row  # regular
    assert format_currency(299, "EUR", locale="sq_XK") in row  # now
    assert "25%" in row
    assert "Tavolinë e fshehur" not in html


def test_price_list_shows_the_discount_period(client, make_product, monkeypatch):
    make_product(
        name_sq="Oferta",
        price_cents=1000,
        sale_price_cents=800,
        sale_starts_on=date(2026, 11, 20),
        sale_ends_on=date(2026, 12, 5),
    )
    set_clock(monkeypatch, "2026-12-05 12:00")
    row = client.get("/cmimore").text.split("Oferta")[1].split("</tr>")[0]
    assert "20 nën 2026" in row and "5 dhj 2026" in row
    # The day after, the sale is over (test_sale_prices.py has the boundaries).
    set_clock(monkeypatch, "2026-12-06 12:00")
    row = client.get("/cmimore").text.split("Oferta")[1].split("</tr>")[0]
    assert "nën 2026" not in row and "20%" not in row


def test_price_list_bad_page_is_not_an_error(client, shop):
    response = client.get("/cmimore?page=abc")
    assert response.status_code == 200
    assert "Karrige druri lisi" in response.text

"""Product cards are rendered once per content (lesnamax/cards.py) and never show stale data."""

import re

import pytest
from sqlalchemy import update

from lesnamax import cards
from lesnamax.cache import Lru
from lesnamax.catalogue.models import Product
from lesnamax.extensions import db

from .conftest import base_config

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def rendered(monkeypatch):
    """Names of the products whose card was rendered (not taken from the store) during the test."""
    names: list[str] = []
    render = cards.render

    def record(product, heading):
        names.append(product.name_sq)
        return render(product, heading)

    monkeypatch.setattr(cards, "render", record)
    return names


@pytest.fixture
def customer(client, make_user, login):
    # Logged in: the page cache never answers, so every visit renders its page.
    login(make_user())


def test_a_card_is_rendered_once_for_every_page_that_shows_it(client, make_product, customer,
                                                              rendered):
    products = [make_product(name_sq=f"Karrige {n}", featured=True) for n in range(3)]
    client.get("/products")
    assert sorted(rendered) == sorted(p.name_sq for p in products)
    rendered.clear()
    for path in ("/products", "/products?sort=price_asc", "/products?q=karrige", "/"):
        page = client.get(path).text
        assert all(p.name_sq in page for p in products), path
    assert rendered == []  # every card came from the store


def test_changed_price_stock_or_name_shows_at_once(app, client, make_product, customer):
    product = make_product(name_sq="Karrige lisi", name_en="Oak chair", price_cents=12_300,
                           stock=5)
    assert "123,00" in client.get("/products").text
    assert "Oak chair" in client.get("/products?lang=en").text
    with app.app_context():
        db.session.execute(update(Product).where(Product.id == product.id)
                           .values(price_cents=9_900, stock=0, name_sq="Karrige ahu",
                                   name_en="Beech chair"))
        db.session.commit()
    page = client.get("/products").text
    assert "99,00" in page and "123,00" not in page
    assert "Karrige ahu" in page and "Karrige lisi" not in page
    assert "Nuk ka në stok" in page and f'name="product_id" value="{product.id}"' not in page
    assert "Beech chair" in client.get("/products?lang=en").text


def test_languages_get_their_own_cards(client, make_product, customer):
    make_product(name_sq="Karrige lisi", name_en="Oak chair", stock=1)
    assert "Karrige lisi" in client.get("/products").text
    english = client.get("/products?lang=en").text
    assert "Oak chair" in english and "Only 1 left" in english and "Karrige lisi" not in english


def test_each_visitor_gets_their_own_token_in_stored_cards(app, make_app, make_product,
                                                            make_user, tmp_path):
    product = make_product(stock=5)
    shop = make_app({**base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path),
                     "WTF_CSRF_ENABLED": True, "PAGE_CACHE_SECONDS": 0})
    one, two = shop.test_client(), shop.test_client()
    token_one = TOKEN.search(one.get("/products").text)[1]
    page_two = two.get("/products").text  # its card comes from the store
    token_two = TOKEN.search(page_two)[1]
    assert token_one != token_two and "csrf-slot-" not in page_two
    added = two.post("/cart/add", data={"product_id": product.id, "csrf_token": token_two})
    assert added.status_code == 303
    assert one.post("/cart/add", data={"product_id": product.id,
                                       "csrf_token": token_two}).status_code == 400


def test_the_store_keeps_the_most_recently_used():
    store = Lru(size=2)
    store.put(("a",), "A")
    store.put(("b",), "B")
    assert store.get(("a",)) == "A"  # now the most recent
    store.put(("c",), "C")
    assert store.get(("b",)) is None and store.get(("a",)) == "A" and store.get(("c",)) == "C"

"""Product cards are rendered once per content (lesnamax/cards.py) and never show stale data."""

import pytest
from sqlalchemy import update

from lesnamax import cards
from lesnamax.catalogue.models import Product
from lesnamax.extensions import db

from .conftest import base_config


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
def customer(app, client, make_user, login):
    # The page cache off: every visit renders its page, so only the cards' store can answer.
    app.extensions.pop("lesnamax_pages", None)
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


def test_stored_cards_hold_nothing_of_the_visitor(app, make_app, make_product, tmp_path):
    product = make_product(stock=5)
    shop = make_app({**base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path),
                     "WTF_CSRF_ENABLED": True, "PAGE_CACHE_SECONDS": 0})
    one, two = shop.test_client(), shop.test_client()
    page_one = one.get("/products").text
    page_two = two.get("/products").text  # its card comes from the store
    assert page_one == page_two and "csrf_token" not in page_two
    # The card's form works without a token (the origin check guards it: test_origin_check).
    added = two.post("/cart/add", data={"product_id": product.id},
                     headers={"Sec-Fetch-Site": "same-origin"})
    assert added.status_code == 303


def test_the_store_keeps_the_most_recently_used(app, make_app, make_product, tmp_path):
    products = [make_product(name_sq=f"Karrige {n}") for n in range(3)]
    shop = make_app({**base_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path),
                     "PAGE_CACHE_SECONDS": 0, "CARD_CACHE_SIZE": 2})
    shop.test_client().get("/products")
    store, _lock = shop.extensions["lesnamax_cards"]
    # Three cards rendered, two kept: the least recently used went.
    assert len(store) == 2 and {key[2] for key in store} < {p.id for p in products}

"""Sale prices start and end with the shop's day (Prishtinë), on every page and in every total.

A product has a regular price and optionally a sale price with a first and a last day
(``Product.offer``). In December Prishtinë is UTC+1: its midnight is 23:00 UTC of the day before,
so "00:00 on 6 December" below is still 5 December on the server's clock.
"""

import json
import re
from datetime import date

import flask_migrate
import pytest
from babel.numbers import format_currency
from sqlalchemy import select, text

from lesnamax import shoptime
from lesnamax.catalogue.models import Product, price_on
from lesnamax.extensions import db
from lesnamax.orders.models import OrderLine

from .shop_clock import set_clock
from .test_checkout import go_to_review, place_form


def euros(cents: int) -> str:
    return format_currency(cents / 100, "EUR", locale="sq_XK")


@pytest.fixture
def sale(make_product):
    """A sofa at 500 € on sale at 400 € from 1 to 5 December 2026."""
    return make_product(name_sq="Divan", name_en="Sofa", slug="divan", price_cents=50000,
                        sale_price_cents=40000, sale_starts_on=date(2026, 12, 1),
                        sale_ends_on=date(2026, 12, 5))


def offer_on(day: date, **sale) -> tuple:
    offer = Product(price_cents=10000, **sale).offer(day)
    return offer.price_cents, offer.regular_cents, offer.on_sale, offer.until


def test_an_offer_runs_from_its_first_to_its_last_day():
    window = {"sale_price_cents": 8000, "sale_starts_on": date(2026, 12, 1),
              "sale_ends_on": date(2026, 12, 5)}
    assert offer_on(date(2026, 11, 30), **window) == (10000, 10000, False, None)
    assert offer_on(date(2026, 12, 1), **window) == (8000, 10000, True, date(2026, 12, 5))
    assert offer_on(date(2026, 12, 5), **window) == (8000, 10000, True, date(2026, 12, 5))
    assert offer_on(date(2026, 12, 6), **window) == (10000, 10000, False, None)


def test_open_ended_and_startless_sales_and_no_sale():
    assert offer_on(date(2099, 1, 1), sale_price_cents=8000,
                    sale_starts_on=date(2026, 12, 1)) == (8000, 10000, True, None)
    assert offer_on(date(2026, 11, 30), sale_price_cents=8000,
                    sale_starts_on=date(2026, 12, 1))[2] is False
    assert offer_on(date(2000, 1, 1), sale_price_cents=8000,
                    sale_ends_on=date(2026, 12, 5)) == (8000, 10000, True, date(2026, 12, 5))
    assert offer_on(date(2026, 12, 1)) == (10000, 10000, False, None)
    # A "sale" price not below the regular one is no sale (the forms refuse it anyway).
    assert offer_on(date(2026, 12, 1), sale_price_cents=10000) == (10000, 10000, False, None)


def test_the_shop_day_turns_at_midnight_in_prishtine(app, monkeypatch):
    with app.app_context():
        set_clock(monkeypatch, "2026-12-05 23:59")
        assert shoptime.shop_today() == date(2026, 12, 5)
        moment = set_clock(monkeypatch, "2026-12-06 00:00")
        assert moment.date() == date(2026, 12, 5)  # UTC is still on the 5th...
        assert shoptime.shop_today() == date(2026, 12, 6)  # ...the shop is not


def test_the_sql_price_agrees_with_the_offer(app, make_product):
    days = [date(2026, 11, 30), date(2026, 12, 1), date(2026, 12, 5), date(2026, 12, 6)]
    windows = [{}, {"sale_price_cents": 700}, {"sale_price_cents": 700,
                                                 "sale_starts_on": date(2026, 12, 1)},
               {"sale_price_cents": 700, "sale_ends_on": date(2026, 12, 5)},
               {"sale_price_cents": 700, "sale_starts_on": date(2026, 12, 1),
                "sale_ends_on": date(2026, 12, 5)}]
    ids = [make_product(price_cents=1000, image=False, **w).id for w in windows]
    with app.app_context():
        for day in days:
            in_sql = dict(db.session.execute(
                select(Product.id, price_on(day)).where(Product.id.in_(ids))).all())
            products = db.session.scalars(select(Product).where(Product.id.in_(ids)))
            assert in_sql == {p.id: p.offer(day).price_cents for p in products}, day


def product_page(client) -> tuple[str, dict]:
    html = client.get("/products/divan").text
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html,
                              re.S).group(1))
    return html, ld["offers"]


def test_the_last_day_of_a_sale_ends_at_midnight_in_prishtine(client, sale, monkeypatch):
    set_clock(monkeypatch, "2026-12-05 23:59")
    html, offer = product_page(client)
    assert f'<strong class="price-now">{euros(40000)}</strong>' in html
    assert f'<del class="price-regular">{euros(50000)}</del>' in html
    assert "Oferta vlen deri më 5 dhjetor 2026" in html
    assert (offer["price"], offer["priceValidUntil"]) == ("400.00", "2026-12-05")
    assert euros(40000) in client.get("/products").text  # the card
    # Midnight in Prishtinë (22:00... 23:00 UTC, still 5 December on the server): the page
    # and the card were cached a minute ago, and must not be served again.
    set_clock(monkeypatch, "2026-12-06 00:00")
    html, offer = product_page(client)
    assert f'<strong class="price-now">{euros(50000)}</strong>' in html
    assert "price-regular" not in html and "Oferta vlen" not in html
    assert offer["price"] == "500.00" and "priceValidUntil" not in offer
    listing = client.get("/products").text
    assert euros(50000) in listing and euros(40000) not in listing


def test_the_first_day_of_a_sale_starts_at_midnight(client, sale, monkeypatch):
    set_clock(monkeypatch, "2026-11-30 23:59")
    html, offer = product_page(client)
    assert offer["price"] == "500.00" and "price-regular" not in html
    assert not on_sale_at_home(client)
    set_clock(monkeypatch, "2026-12-01 00:00")
    html, offer = product_page(client)
    assert offer["price"] == "400.00" and "price-regular" in html
    assert "−20%" in html
    assert on_sale_at_home(client) == ["divan"]


def test_an_open_ended_sale_shows_no_end(client, make_product, monkeypatch):
    make_product(slug="divan", price_cents=50000, sale_price_cents=40000,
                 sale_starts_on=date(2026, 12, 1))
    set_clock(monkeypatch, "2027-06-01 12:00")
    html, offer = product_page(client)
    assert offer["price"] == "400.00" and "priceValidUntil" not in offer
    assert "price-regular" in html and "Oferta vlen" not in html


def names(html: str) -> list[str]:
    return re.findall(r'<a class="card-link" href="/products/([\w-]+)"', html)


def on_sale_at_home(client) -> list[str]:
    """The products in the home page's "On sale" section."""
    html = client.get("/").text
    if 'id="home-discounts"' not in html:
        return []
    return names(html.split('id="home-discounts"')[1].split("</section>")[0])


def test_the_home_page_lists_offers_of_the_day(client, sale, monkeypatch):
    set_clock(monkeypatch, "2026-12-05 23:59")
    assert on_sale_at_home(client) == ["divan"]
    set_clock(monkeypatch, "2026-12-06 00:00")
    assert on_sale_at_home(client) == []


def test_price_filters_and_sorts_use_the_price_of_the_day(client, sale, make_product,
                                                          monkeypatch):
    make_product(slug="kolltuk", price_cents=45000)
    set_clock(monkeypatch, "2026-12-05 23:59")
    assert names(client.get("/products?sort=price_asc").text) == ["divan", "kolltuk"]
    assert names(client.get("/products?sort=price_desc").text) == ["kolltuk", "divan"]
    assert names(client.get("/products?max_price=420").text) == ["divan"]
    assert names(client.get("/products?max_price=420&sort=price_desc").text) == ["divan"]
    assert names(client.get("/products?min_price=420").text) == ["kolltuk"]
    assert names(client.get("/products?min_price=420&sort=price_asc").text) == ["kolltuk"]
    set_clock(monkeypatch, "2026-12-06 00:00")
    assert names(client.get("/products?sort=price_asc").text) == ["kolltuk", "divan"]
    assert names(client.get("/products?max_price=420").text) == []
    assert names(client.get("/products?max_price=420&sort=price_desc").text) == []
    assert names(client.get("/products?min_price=420&sort=price_asc").text) == ["kolltuk",
                                                                                "divan"]


def test_the_price_list_shows_offers_of_its_day(client, sale, monkeypatch):
    set_clock(monkeypatch, "2026-12-05 23:59")
    page = client.get("/cmimore").text
    assert "Çmimorja e datës 5 dhjetor 2026" in page
    row = page.split("Divan")[1].split("</tr>")[0]
    assert "1 dhj 2026" in row and "5 dhj 2026" in row and "20%" in row
    set_clock(monkeypatch, "2026-12-06 00:00")
    page = client.get("/cmimore").text
    assert "Çmimorja e datës 6 dhjetor 2026" in page
    row = page.split("Divan")[1].split("</tr>")[0]
    assert "dhj 2026" not in row and "20%" not in row and euros(40000) not in row


def test_the_cart_and_the_order_charge_the_price_of_the_day(app, client, sale, make_user,
                                                            login, monkeypatch):
    login(make_user())
    set_clock(monkeypatch, "2026-12-05 23:59")
    client.post("/cart/add", data={"product_id": sale.id, "quantity": "1"})
    cart = client.get("/cart").text
    assert euros(40000) in cart and "Çmimi ka ndryshuar" not in cart
    set_clock(monkeypatch, "2026-12-06 00:00")
    cart = client.get("/cart").text
    assert euros(50000) in cart and euros(40000) not in cart
    assert "Çmimi ka ndryshuar që kur e shtuat këtë produkt." in cart
    review = go_to_review(client, delivery="pickup").text
    assert euros(50000) in review and euros(40000) not in review
    assert client.post("/checkout/place",
                       data=place_form(review)).status_code == 303
    with app.app_context():
        line = db.session.scalar(select(OrderLine))
        assert (line.unit_price_cents, line.line_total_cents) == (50000, 50000)


def test_an_order_placed_on_the_last_day_gets_the_sale_price(app, client, sale, make_user,
                                                             login, monkeypatch):
    login(make_user())
    set_clock(monkeypatch, "2026-12-05 23:58")
    client.post("/cart/add", data={"product_id": sale.id, "quantity": "2"})
    review = go_to_review(client, delivery="pickup").text
    assert client.post("/checkout/place",
                       data=place_form(review)).status_code == 303
    with app.app_context():
        line = db.session.scalar(select(OrderLine))
        assert (line.unit_price_cents, line.line_total_cents) == (40000, 80000)


def test_a_review_seen_before_midnight_is_not_placed_at_the_new_price(app, client, sale,
                                                                       make_user, login,
                                                                       monkeypatch):
    login(make_user())
    set_clock(monkeypatch, "2026-12-05 23:59")
    client.post("/cart/add", data={"product_id": sale.id, "quantity": "1"})
    review = go_to_review(client, delivery="pickup").text
    assert euros(40000) in review
    set_clock(monkeypatch, "2026-12-06 00:00")  # the sale ended while the customer read
    again = client.post("/checkout/place", data=place_form(review))
    assert again.status_code == 409 and euros(50000) in again.text
    with app.app_context():
        assert db.session.scalar(select(OrderLine)) is None


def plain(rows) -> list[tuple]:
    """Rows as text: SQLite's driver returns raw SQL dates as strings, PostgreSQL's as dates."""
    return [tuple(None if v is None else str(v) for v in row) for row in rows]


def test_migration_0007_turns_discounts_into_dated_sale_prices_and_back(app, make_category):
    """Old rows: ``price_cents`` charged, ``regular_price_cents`` the old price. New rows: the
    regular price, and the charged one as a sale price with the same days."""
    category = make_category()
    insert = text(
        "INSERT INTO product (id, slug, sku, name_sq, name_en, description_sq, description_en, "
        "category_id, price_cents, regular_price_cents, discount_starts_on, discount_ends_on, "
        "stock, active, featured, created_at, updated_at, search_text) VALUES (:id, :sku, :sku, "
        "'P', 'P', '', '', :category, :price, :regular, :starts, :ends, 1, :active, :active, "
        "'2026-01-01', '2026-01-01', 'p')")
    old = [  # id, price, regular, starts, ends
        (1, 8000, 10000, date(2026, 11, 1), date(2026, 11, 20)),  # a sale that has ended
        (2, 8000, 10000, None, None),  # a sale with no days
        (3, 5000, None, None, None),  # no sale
        (4, 5000, 4000, date(2026, 1, 1), None),  # a "regular" price below the price: noise
    ]
    columns = "id, price_cents, sale_price_cents, sale_starts_on, sale_ends_on"
    with app.app_context():
        flask_migrate.downgrade(revision="0006")
        for pid, price, regular, starts, ends in old:
            db.session.execute(insert, {"id": pid, "sku": f"S{pid}", "category": category.id,
                                        "price": price, "regular": regular, "starts": starts,
                                        "ends": ends, "active": True})
        db.session.commit()
        flask_migrate.upgrade(revision="0007")
        rows = db.session.execute(text(f"SELECT {columns} FROM product ORDER BY id")).all()
        assert plain(rows) == plain([
            (1, 10000, 8000, date(2026, 11, 1), date(2026, 11, 20)),
            (2, 10000, 8000, None, None),
            (3, 5000, None, None, None),
            (4, 5000, None, None, None),
        ])
        db.session.commit()
        flask_migrate.downgrade(revision="0006")
        back = text("SELECT id, price_cents, regular_price_cents, discount_starts_on, "
                    "discount_ends_on FROM product ORDER BY id")
        assert plain(db.session.execute(back)) == plain([*old[:3], (4, 5000, None, None, None)])
        db.session.commit()
        flask_migrate.upgrade()
        db.session.execute(text("DELETE FROM product"))
        db.session.commit()


@pytest.mark.parametrize("sort", ["price_asc", "price_desc"])
def test_pages_sorted_by_price_follow_the_price_of_the_day(app, client, make_product,
                                                           monkeypatch, sort):
    app.config["PRODUCTS_PER_PAGE"] = 7
    expected = []
    for n in range(20):  # every third product with a sale, half of them over since yesterday
        sale = {"sale_price_cents": 100 * (n % 5) + 50, "sale_ends_on": date(2026, 12, 5 + n % 2)
                } if n % 3 == 0 else {}
        made = make_product(slug=f"p{n}", price_cents=1000 - 37 * n, image=False, **sale)
        on_sale = sale and n % 2 == 1
        expected.append((sale["sale_price_cents"] if on_sale else made.price_cents, made.id,
                         f"p{n}"))
    expected.sort(key=lambda e: (e[0] if sort == "price_asc" else -e[0], e[1]))
    set_clock(monkeypatch, "2026-12-06 09:00")
    pages = [names(client.get(f"/products?sort={sort}&page={page}").text) for page in (1, 2, 3)]
    assert [len(p) for p in pages] == [7, 7, 6]
    assert sum(pages, []) == [slug for _price, _id, slug in expected]

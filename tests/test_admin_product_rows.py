"""Admin products: price and stock edited in place in the list's rows, with htmx (the row
comes back) and without JavaScript (a redirect back to the list); a stock sold meanwhile (409);
hostile input on the row forms; the CSRF token on every product form."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest

from lesnamax.catalogue.models import Product
from lesnamax.extensions import db

from . import admin_support
from .admin_support import LONG, events, product, text
from .shop_clock import set_clock

# Fixtures from admin_support: pytest finds them as attributes of this module.
en, owner = admin_support.en, admin_support.owner


# --- price in place -----------------------------------------------------------------------


def test_price_saved_with_htmx_returns_the_row(app, client, hx, owner, make_product):
    item = make_product(price_cents=10000)
    response = hx.post(f"/admin/products/{item.id}/price", data={"price": "89,90"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith(f'<tr id="product-{item.id}"') and "<html" not in body
    assert 'value="89,90"' in body or 'value="89.90"' in body
    assert product(app, item.id).price_cents == 8990
    [event] = events(app, "product.price")
    assert event.subject_id == str(item.id) and "100.00 € → 89.90 €" in event.detail
    assert event.actor_email == owner.email
    shop = text(client.get(f"/products/{item.slug}"))
    assert "89.90" in shop


def test_price_saved_without_javascript_redirects_back_to_the_list(app, client, owner,
                                                                  make_product):
    item = make_product(price_cents=10000)
    response = client.post(f"/admin/products/{item.id}/price",
                           data={"price": "1 250", "back": "/admin/products?sort=name&page=2"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/products?sort=name&page=2"
    assert product(app, item.id).price_cents == 125000
    assert "saved" in text(client.get(response.headers["Location"]))


@pytest.mark.parametrize("back", ["https://evil.test/admin/products", "//evil.test/x", "/cart",
                                  "/admin/products\\@evil", "/admin/products\r\nX-A: b",
                                  "/admin/products\x00"])
def test_the_way_back_stays_on_the_product_list(client, owner, make_product, back):
    item = make_product()
    response = client.post(f"/admin/products/{item.id}/price",
                           data={"price": "12", "back": back})
    assert response.headers["Location"] == "/admin/products"


@pytest.mark.parametrize(("typed", "cents"), [
    ("12,50", 1250), ("12.50", 1250), ("1 250", 125000), ("12,5€", 1250),
    ("1\u00a0234,50\u00a0€", 123450), ("1000000", 100_000_000), ("0,01", 1),
])
def test_prices_people_type(app, hx, owner, make_product, typed, cents):
    item = make_product()
    assert hx.post(f"/admin/products/{item.id}/price", data={"price": typed}).status_code == 200
    assert product(app, item.id).price_cents == cents


@pytest.mark.parametrize(("typed", "message"), [
    ("", "This field is required."),
    ("   ", "This field is required."),
    ("abc", "Write the price in euros"),
    ("-3", "cannot be negative"),
    ("0", "more than 0"),
    ("1000000,01", "more than 1 000 000"),
    ("99999999999", "Write the price in euros"),
    ("1.250", "Write the price in euros"),
    ("12,345", "Write the price in euros"),
    ("<script>alert(1)</script>", "Write the price in euros"),
    ("12\x0050", "Write the price in euros"),
    (LONG, "too long"),
])
def test_bad_prices_are_refused_with_the_typed_text_kept(app, hx, owner, make_product, typed,
                                                         message):
    item = make_product(price_cents=5000)
    response = hx.post(f"/admin/products/{item.id}/price", data={"price": typed})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith(f'<tr id="product-{item.id}"')
    assert message in unescape(body)
    assert "<script>alert" not in body
    if typed.strip() and "\x00" not in typed:
        assert f'value="{typed}"' in unescape(body)
    assert 'aria-invalid="true"' in body
    assert product(app, item.id).price_cents == 5000
    assert events(app, "product.price") == []


def test_bad_price_without_javascript_shows_the_row_with_its_message(client, owner,
                                                                    make_product):
    item = make_product()
    response = client.post(f"/admin/products/{item.id}/price", data={"price": "abc"})
    assert response.status_code == 422
    body = text(response)
    assert "<html" in body and f'id="product-{item.id}"' in body and 'value="abc"' in body


def test_a_regular_price_at_or_below_the_sale_price_ends_the_sale(app, hx, owner, make_product):
    item = make_product(price_cents=10000, sale_price_cents=8000,
                        sale_starts_on=date(2026, 12, 1), sale_ends_on=date(2026, 12, 31))
    assert hx.post(f"/admin/products/{item.id}/price", data={"price": "90"}).status_code == 200
    saved = product(app, item.id)
    assert (saved.price_cents, saved.sale_price_cents) == (9000, 8000)
    assert hx.post(f"/admin/products/{item.id}/price", data={"price": "80"}).status_code == 200
    saved = product(app, item.id)
    assert (saved.price_cents, saved.sale_price_cents, saved.sale_starts_on,
            saved.sale_ends_on) == (8000, None, None, None)
    # Values and column names only: the audit page is read in Albanian.
    assert [e.detail for e in events(app, "product.price")] == [
        "100.00 € → 90.00 €", "90.00 € → 80.00 €, sale_price_cents: 80.00 € → –"]


@pytest.mark.parametrize(("wall_clock", "badge"), [
    ("2026-11-30 23:59", "Sale from Dec 1, 2026"), ("2026-12-01 00:00", "Discounted"),
    ("2026-12-31 23:59", "Discounted"), ("2027-01-01 00:00", "Sale ended")])
def test_the_list_tells_a_coming_running_and_ended_sale(client, owner, make_product,
                                                        monkeypatch, wall_clock, badge):
    item = make_product(name_en="Sofa", price_cents=10000, sale_price_cents=8000,
                 sale_starts_on=date(2026, 12, 1), sale_ends_on=date(2026, 12, 31))
    set_clock(monkeypatch, wall_clock)
    row = text(client.get("/admin/products")).split(f'id="product-{item.id}"')[1]
    row = row.split("</tr>")[0]
    assert badge in row and "Sale price €80.00, Dec 1, 2026 – Dec 31, 2026" in row


def test_unknown_product_is_404(hx, owner):
    assert hx.post("/admin/products/999/price", data={"price": "1"}).status_code == 404
    assert hx.post("/admin/products/999/stock", data={"stock": "1",
                                                      "stock_was": "1"}).status_code == 404


# --- stock in place -----------------------------------------------------------------------


def test_stock_saved_with_htmx(app, client, hx, owner, make_product):
    item = make_product(stock=4)
    response = hx.post(f"/admin/products/{item.id}/stock", data={"stock": "7", "stock_was": "4"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith(f'<tr id="product-{item.id}"')
    assert 'name="stock_was" value="7"' in body
    assert product(app, item.id).stock == 7
    [event] = events(app, "product.stock")
    assert event.detail == "4 → 7"


def test_stock_without_javascript(app, client, owner, make_product):
    item = make_product(stock=4)
    response = client.post(f"/admin/products/{item.id}/stock",
                           data={"stock": "0", "stock_was": "4"})
    assert response.status_code == 303
    assert product(app, item.id).stock == 0
    shop = text(client.get(f"/products/{item.slug}"))
    assert "Add to cart" not in shop


def test_stock_changed_meanwhile_is_not_overwritten(app, hx, owner, make_product):
    item = make_product(stock=10)
    with app.app_context():  # a sale while the owner looked at the list
        db.session.get(Product, item.id).stock = 8
        db.session.commit()
    response = hx.post(f"/admin/products/{item.id}/stock", data={"stock": "15", "stock_was": "10"})
    assert response.status_code == 409
    body = text(response)
    assert "changed to 8" in body
    assert 'name="stock_was" value="8"' in body and 'value="15"' in body
    assert product(app, item.id).stock == 8
    assert events(app, "product.stock") == []
    # Saving again from the refreshed row applies it.
    response = hx.post(f"/admin/products/{item.id}/stock", data={"stock": "15", "stock_was": "8"})
    assert response.status_code == 200 and product(app, item.id).stock == 15


@pytest.mark.parametrize("typed", ["", "-1", "100001", "abc", "2.5", "12,5€", "<script>", LONG,
                                   "1\x002", "٣"])
def test_bad_stock_is_refused(app, hx, owner, make_product, typed):
    item = make_product(stock=4)
    response = hx.post(f"/admin/products/{item.id}/stock", data={"stock": typed, "stock_was": "4"})
    assert response.status_code == 422
    assert "whole number" in text(response) or "required" in text(response) or \
        "too long" in text(response)
    assert product(app, item.id).stock == 4


@pytest.mark.parametrize("seen", [None, "", "abc", "-1"])
def test_stock_without_the_seen_value_is_refused(app, hx, owner, make_product, seen):
    item = make_product(stock=4)
    data = {"stock": "9"} if seen is None else {"stock": "9", "stock_was": seen}
    response = hx.post(f"/admin/products/{item.id}/stock", data=data)
    assert response.status_code == 422
    assert "out of date" in text(response)
    assert product(app, item.id).stock == 4


def test_forms_carry_the_csrf_token(app, client, hx, owner, make_product):
    item = make_product(price_cents=1000)
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/admin/products").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert hx.post(f"/admin/products/{item.id}/price", data={"price": "20"}).status_code == 400
    response = hx.post(f"/admin/products/{item.id}/price", data={"price": "20"},
                       headers={"X-CSRFToken": token})
    assert response.status_code == 200
    response = client.post(f"/admin/products/{item.id}/stock",
                           data={"stock": "3", "stock_was": "10", "csrf_token": token})
    assert response.status_code == 303
    assert (product(app, item.id).price_cents, product(app, item.id).stock) == (2000, 3)
    for path in (f"/admin/products/{item.id}/edit", "/admin/products/new",
                 f"/admin/products/{item.id}/delete"):
        forms_html = re.findall(r"<form[^>]*method=\"post\".*?</form>",
                                client.get(path).get_data(as_text=True), re.S)
        assert forms_html and all('name="csrf_token"' in f for f in forms_html), path

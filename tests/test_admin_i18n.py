"""The admin pages in Albanian: a crawl of every page an admin can reach, and the answers to
bad input, must not show an English UI string."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest

from lesnamax.cart.models import OPEN, Cart, CartLine
from lesnamax.extensions import db
from lesnamax.orders import services as orders

from .test_translations import crawl, english_leaks


@pytest.fixture
def busy_shop(app, make_user, make_product, make_category):
    """A little of everything: products, a customer with an order, a pending policy."""
    from lesnamax.privacy import services as privacy

    parent = make_category(slug="mobilje", name_sq="Mobilje", name_en="Furniture")
    make_category(slug="karrige", name_sq="Karrige", name_en="Chairs", parent_id=parent.id)
    products = [make_product(stock=n, category_id=parent.id) for n in (0, 3, 40)]
    customer = make_user(first_name="Drita", email="drita@example.test")
    with app.app_context():
        cart = Cart(user_id=customer.id, status=OPEN)
        db.session.add(cart)
        db.session.flush()
        db.session.add(CartLine(cart_id=cart.id, product_id=products[2].id, quantity=2,
                                price_when_added_cents=0))
        db.session.commit()
        delivery = orders.Delivery("Drita", "Krasniqi", "drita@example.test", "+38344123456",
                                   "Rr. 1", "prishtine", "", "standard", "cash")
        order = orders.place_order(cart.id, customer.id, delivery, "i18n-1", ip="192.0.2.1",
                                   language="sq", policy_version=1)
        privacy.publish("Politika\n\nTekst.", "Policy\n\nText.", date.today() + timedelta(20),
                        privacy.utcnow(), "Ndryshim.", "A change.")
        return {"order": order.number, "customer": customer.id, "product": products[2].id}


def test_no_english_on_albanian_admin_pages(client, hx, admin, busy_shop):
    client.set_cookie("lang", "sq")
    pages = crawl(client, ["/admin/"], limit=150, within="/admin")
    expected = {"/admin/", "/admin/products", "/admin/categories", "/admin/csv",
                "/admin/orders", "/admin/customers", "/admin/policy", "/admin/audit",
                f"/admin/orders/{busy_shop['order']}",
                f"/admin/customers/{busy_shop['customer']}",
                f"/admin/products/{busy_shop['product']}/edit"}
    assert expected <= set(pages), expected - set(pages)
    assert english_leaks(pages) == []


def test_no_english_in_answers_to_bad_input(client, hx, admin, busy_shop):
    client.set_cookie("lang", "sq")
    hx.set_cookie("lang", "sq")
    product, order, customer = busy_shop["product"], busy_shop["order"], busy_shop["customer"]
    pages = {
        "product-new": client.post("/admin/products/new", data={}).text,
        "product-edit": client.post(f"/admin/products/{product}/edit",
                                    data={"price": "abc", "stock": "-3"}).text,
        "price-row": hx.post(f"/admin/products/{product}/price", data={"price": "12,5x"}).text,
        "stock-row": hx.post(f"/admin/products/{product}/stock", data={"stock": "x"}).text,
        "upload": client.post(f"/admin/products/{product}/images",
                              data={"images": (io.BytesIO(b"<html>"), "a.jpg")},
                              content_type="multipart/form-data").text,
        "category": client.post("/admin/categories", data={}).text,
        "csv": client.post("/admin/csv/import",
                           data={"file": (io.BytesIO(b"sku;price\nA;-3\n"), "p.csv")},
                           content_type="multipart/form-data").text,
        "status": client.post(f"/admin/orders/{order}/status",
                              data={"status": "delivered", "current": "x"}).text,
        "disclosure": client.post(f"/admin/customers/{customer}/disclosures/new", data={}).text,
        "policy": client.post("/admin/policy/new", data={"effective_from": "2020-01-01"}).text,
        "orders-bad-filter": client.get("/admin/orders?since=abc&status=nope").text,
        "audit-bad-date": client.get("/admin/audit?since=abc").text,
    }
    assert english_leaks(pages) == []

"""A product made to order: the owner ticks it, the cart carries it, the order line keeps it."""

import re

from sqlalchemy import select

from lesnamax.catalogue.models import Product
from lesnamax.extensions import db
from lesnamax.money import vat_in
from lesnamax.orders.models import OrderLine

from . import admin_support, test_payments
from .test_admin_products import form_values, new_id
from .test_payments import go_to_review, place_form

card_order = test_payments.card_order
en, owner = admin_support.en, admin_support.owner


def test_vat_in_a_gross_price():
    assert vat_in(11800, 18) == 1800
    assert vat_in(24990, 18) == 3812  # 249,90 × 18 / 118 = 38,12
    assert vat_in(10800, 8) == 800
    assert vat_in(0, 18) == 0


def test_the_line_keeps_what_the_product_was_when_ordered(app, client, card_order):
    with app.app_context():
        line = db.session.scalar(select(OrderLine))
        assert line.made_to_order is False
        product = db.session.get(Product, line.product_id)
        product.made_to_order = True
        db.session.commit()
        assert db.session.scalar(select(OrderLine.made_to_order)) is False


def test_an_order_of_a_made_to_order_product_says_so_on_its_line(app, client, make_product,
                                                                 make_user, login):
    sofa = make_product(name_sq="Divan sipas masës", price_cents=90000, stock=2)
    chair = make_product(name_sq="Karrige", price_cents=5000, stock=2)
    with app.app_context():
        db.session.get(Product, sofa.id).made_to_order = True
        db.session.commit()
    login(make_user())
    client.post("/cart/add", data={"product_id": sofa.id})
    client.post("/cart/add", data={"product_id": chair.id})
    client.post("/checkout/place", data=place_form(go_to_review(client, payment="cash").text))
    with app.app_context():
        assert dict(db.session.execute(select(OrderLine.product_id, OrderLine.made_to_order))
                    .all()) == {sofa.id: True, chair.id: False}


def test_the_owner_ticks_made_to_order(app, client, owner, make_category):
    category = make_category()
    assert 'name="made_to_order"' in client.get("/admin/products/new").text
    client.post("/admin/products/new", data=form_values(category.id, made_to_order="y"))
    with app.app_context():
        assert db.session.get(Product, new_id(app)).made_to_order is True
    edit = client.get(f"/admin/products/{new_id(app)}/edit").text
    box = re.search(r'<input[^>]*name="made_to_order"[^>]*>', edit).group(0)
    assert "checked" in box

"""Goods received back lock their product rows in placing's order (by family, then product:
``orders.status.lines_in_lock_order``), whatever order the return's lines were written in,
so a return received while a buyer takes the same products' stock cannot deadlock on
PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select

from lesnamax.extensions import db
from lesnamax.orders.models import Order, OrderLine
from lesnamax.returns import manage

from .test_checkout import go_to_review, place_form
from .variants_support import OWNER, make_family, stock_of

UPDATE = re.compile(r"^\s*UPDATE product SET stock", re.I)


def test_a_return_received_locks_products_family_by_family(
        app, client, make_product, make_category, make_user, login, count_queries):
    lone = make_product(name_sq="Komodë Sharri", stock=5)  # an id below the family's
    family = make_family(app, make_category)
    variant = family.variant_ids[0]  # 90×200, 4 left
    login(make_user())
    for product_id in (variant, lone.id):
        client.post("/cart/add", data={"product_id": product_id})
    placed = client.post("/checkout/place",
                         data=place_form(go_to_review(client, payment="cash").text))
    assert placed.status_code == 303
    with app.app_context():
        order = db.session.scalar(select(Order))
        line_of = {line.product_id: line.id for line in db.session.scalars(
            select(OrderLine).where(OrderLine.order_id == order.id))}
        # The owner lists the variant first: the return's lines are written in that order.
        ret = manage.start(order.number, {line_of[variant]: 1, line_of[lone.id]: 1}, "",
                           OWNER, datetime.now(UTC))
        ret_id = ret.id
    with count_queries(parameters=True) as statements, app.app_context():
        manage.receive(ret_id, "requested", OWNER, datetime.now(UTC))
    updated = [params[-1] if isinstance(params, (list, tuple)) else params["id_1"]
               for statement, params in statements if UPDATE.match(statement)]
    assert updated == [lone.id, variant]  # lone.id < the family's parent id
    assert stock_of(app, lone.id) == 5 and stock_of(app, variant) == 4
    assert stock_of(app, family.id) == 13  # the family's stock followed its variant's

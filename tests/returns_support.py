"""Orders to withdraw from and return: a customer's cash order of a chair (2 pieces) and a
sofa made to order, delivered when a test says so; the two steps of the withdrawal."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from lesnamax.catalogue.models import Product
from lesnamax.extensions import db
from lesnamax.orders import status as order_status
from lesnamax.orders.models import Order, OrderLine
from lesnamax.returns.models import Return

from .test_checkout import go_to_review, place_form


@pytest.fixture
def placed(app, client, make_product, make_user, login, tmp_path):
    """A logged-in customer's cash order: 2 chairs and a made-to-order sofa."""
    app.config["MAIL_OUTBOX"] = str(tmp_path / "outbox")
    chair = make_product(name_sq="Karrige lisi", price_cents=5000, stock=5)
    sofa = make_product(name_sq="Divan sipas masës", price_cents=90000, stock=2)
    with app.app_context():
        db.session.get(Product, sofa.id).made_to_order = True
        db.session.commit()
    user = make_user(first_name="Arbër")
    login(user)
    client.post("/cart/add", data={"product_id": chair.id, "quantity": "2"})
    client.post("/cart/add", data={"product_id": sofa.id})
    response = client.post("/checkout/place",
                           data=place_form(go_to_review(client, payment="cash").text))
    assert response.status_code == 303
    with app.app_context():
        order = db.session.scalar(select(Order).order_by(Order.id.desc()))
        lines = {line.product_id: line.id for line in db.session.scalars(
            select(OrderLine).where(OrderLine.order_id == order.id))}
        number = order.number
    return SimpleNamespace(number=number, user=user, chair=chair, sofa=sofa,
                           chair_line=lines[chair.id], sofa_line=lines[sofa.id],
                           outbox=tmp_path / "outbox")


def deliver(app, number: str) -> None:
    """Move the order along to delivered, as the owner would (the delivery time is now)."""
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        for status in ("processing", "shipped", "delivered"):
            order_status.set_status(order, status)
        db.session.commit()


def key_of(html: str) -> str:
    return re.search(r'name="key" value="([0-9a-f]+)"', html).group(1)


def withdraw(client, number: str, lines: dict[int, int], reason: str = "",
             key: str | None = None):
    """Both steps as a browser sends them; returns (step-one page, confirmation response)."""
    form = client.get(f"/orders/{number}/withdraw")
    key = key or key_of(form.text)
    data = {"key": key, "reason": reason, **{f"line-{i}": str(q) for i, q in lines.items()}}
    step = client.post(f"/orders/{number}/withdraw", data=data)
    done = client.post(f"/orders/{number}/withdraw", data={**data, "confirmed": "yes"})
    return step, done


def stock(app, product_id: int) -> int:
    with app.app_context():
        return db.session.get(Product, product_id).stock


def returns(app) -> list[Return]:
    with app.app_context():
        rows = db.session.scalars(select(Return).order_by(Return.id)).all()
        for row in rows:
            db.session.expunge(row)
        return rows

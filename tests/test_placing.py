"""The endings of a "place order" POST that the buying tests do not reach: each answer comes
from checkout/placing.py and nothing is ordered."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lesnamax.catalogue.models import Product
from lesnamax.extensions import db
from lesnamax.orders.models import Order

from .test_checkout import go_to_review, place_form


@pytest.fixture
def review(client, make_product, make_user, login):
    """A customer on the review page of one chair; its form and the product."""
    chair = make_product(name_sq="Karrige", stock=4)
    login(make_user())
    client.post("/cart/add", data={"product_id": chair.id})
    return {"form": place_form(go_to_review(client).text), "chair": chair.id}


def nothing_ordered(app, chair_id):
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 0
        assert db.session.get(Product, chair_id).stock == 4


def test_a_tampered_form_is_shown_again_with_a_400(app, client, review):
    answer = client.post("/checkout/place", data={**review["form"], "fingerprint": "x"})
    assert answer.status_code == 400 and "Formulari skadoi" in answer.text
    nothing_ordered(app, review["chair"])


def test_an_unfinished_step_is_asked_for(app, client, review):
    with client.session_transaction() as session:
        session["checkout"] = {k: v for k, v in session["checkout"].items() if k != "payment"}
    answer = client.post("/checkout/place", data=review["form"])
    assert answer.status_code == 303 and answer.headers["Location"] == "/checkout/payment"
    nothing_ordered(app, review["chair"])


def test_an_emptied_cart_without_an_order_goes_to_the_cart(app, client, review):
    client.post("/cart/lines/1/remove")
    answer = client.post("/checkout/place", data=review["form"])
    assert answer.status_code == 303 and answer.headers["Location"] == "/cart"
    assert "Shporta juaj është e zbrazët." in client.get("/cart").text
    nothing_ordered(app, review["chair"])


def test_a_visitor_who_is_not_logged_in_goes_to_the_checkout_start(app, review):
    answer = app.test_client().post("/checkout/place", data=review["form"])
    assert answer.status_code == 303 and answer.headers["Location"] == "/checkout"
    nothing_ordered(app, review["chair"])


def test_another_customers_key_and_cart_find_nothing(app, client, review, make_user, login):
    """Only the customer's own orders are found by key or cart: another gets the cart page."""
    placed = client.post("/checkout/place", data=review["form"])
    assert placed.status_code == 303 and "/orders/LM-" in placed.headers["Location"]
    login(make_user(email="tjeter@example.test"))
    answer = client.post("/checkout/place", data=review["form"])
    assert answer.status_code == 303 and answer.headers["Location"] == "/cart"


def test_another_customers_key_with_a_full_cart_is_a_400_and_orders_nothing(
    app, client, review, make_product, make_user, login
):
    """A tampered form carrying someone else's order key: refused, never a 500 or their order."""
    assert client.post("/checkout/place", data=review["form"]).status_code == 303
    login(make_user(email="tjeter@example.test"))
    lamp = make_product(name_sq="Llambë", stock=3)
    client.post("/cart/add", data={"product_id": lamp.id})
    form = place_form(go_to_review(client).text)
    answer = client.post("/checkout/place", data={**form, "idempotency_key":
                                                  review["form"]["idempotency_key"]})
    assert answer.status_code == 400 and "Formulari skadoi" in answer.text
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 1
        assert db.session.get(Product, lamp.id).stock == 3


def test_a_cart_filled_in_falling_product_order_can_be_placed(app, client, make_product,
                                                             make_user, login):
    """The review page lists lines as added and placing reads them by product: one digest."""
    first, second = make_product(name_sq="Tavolinë", stock=2), make_product(name_sq="Raft",
                                                                            stock=2)
    login(make_user(email="rend@example.test"))
    client.post("/cart/add", data={"product_id": second.id})
    client.post("/cart/add", data={"product_id": first.id})
    answer = client.post("/checkout/place", data=place_form(go_to_review(client).text))
    assert answer.status_code == 303 and "/orders/LM-" in answer.headers["Location"]

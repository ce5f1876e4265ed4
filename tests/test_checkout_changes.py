"""What the customer saw is what they pay: the review form carries a fingerprint of its
figures, and placing stops (nothing ordered) when a price, a line's availability or the delivery
changed since."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lesnamax.catalogue.models import Product
from lesnamax.extensions import db
from lesnamax.orders.models import Order, OrderLine

from .test_checkout import go_to_review, place_form


@pytest.fixture
def chair(make_product):
    return make_product(name_sq="Karrige lisi", name_en="Oak chair", price_cents=4990, stock=5)



def test_a_price_raised_after_the_review_stops_the_order(app, client, make_product, make_user,
                                                        login):
    table = make_product(name_sq="Tavolinë ngrënieje", price_cents=17350, stock=5)
    login(make_user())
    client.post("/cart/add", data={"product_id": table.id})
    form = place_form(go_to_review(client).text)
    with app.app_context():  # the shop raises the price while the customer reads the review
        db.session.get(Product, table.id).price_cents = 99900
        db.session.commit()
    stopped = client.post("/checkout/place", data=form)
    assert stopped.status_code == 409
    assert "asgjë nuk u porosit" in stopped.text and "999,00" in stopped.text
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 0
        assert db.session.get(Product, table.id).stock == 5
    # The page shown again carries the new figures: placing from it orders at the new price.
    placed = client.post("/checkout/place", data=place_form(stopped.text))
    assert placed.status_code == 303 and "/orders/LM-" in placed.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(OrderLine.unit_price_cents)) == 99900


@pytest.mark.parametrize("change", ["inactive", "sold out", "delivery"])
def test_a_line_gone_or_delivery_changed_after_the_review_stops_the_order(
    app, client, chair, make_product, make_user, login, change
):
    lamp = make_product(name_sq="Llambë", price_cents=2500, stock=10)
    login(make_user())
    client.post("/cart/add", data={"product_id": lamp.id})
    client.post("/cart/add", data={"product_id": chair.id})
    form = place_form(go_to_review(client).text)
    if change == "delivery":  # changed in another tab: pick-up instead of delivery
        client.post("/checkout/delivery", data={"method": "pickup"})
    else:
        with app.app_context():
            product = db.session.get(Product, chair.id)
            if change == "inactive":
                product.active = False
            else:
                product.stock = 0
            db.session.commit()
    stopped = client.post("/checkout/place", data=form)
    assert stopped.status_code == 409 and "asgjë nuk u porosit" in stopped.text
    if change != "delivery":
        assert "Karrige lisi" in stopped.text.split('role="alert"')[1].split("</p>")[0]
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 0
        assert db.session.get(Product, lamp.id).stock == 10


def test_the_service_checks_the_figures_inside_its_transaction(app, client, chair, make_user,
                                                              login):
    """A change after the page's own check (between it and the write lock) still stops."""
    from lesnamax.cart.models import OPEN, Cart
    from lesnamax.orders import services as orders

    user = make_user()
    login(user)
    client.post("/cart/add", data={"product_id": chair.id})
    seen = place_form(go_to_review(client).text)["fingerprint"]
    with app.app_context():
        cart = db.session.scalar(select(Cart))
        delivery = orders.Delivery("Arta", "K", user.email, "+38344123456", "Rr. 1", "prishtine",
                                   "10000", "standard", "cash")
        db.session.get(Product, chair.id).price_cents = 5990
        db.session.commit()
        with pytest.raises(orders.FiguresChanged):
            orders.place_order(cart.id, user.id, delivery, "a" * 32, ip=None, language="sq",
                               policy_version=1, seen=seen)
        assert db.session.scalar(select(func.count(Order.id))) == 0
        assert db.session.get(Product, chair.id).stock == 5
        assert db.session.get(Cart, cart.id).status == OPEN


def test_a_change_is_told_before_the_policy_is_asked_for(app, client, chair, make_user, login):
    """The page shown again for any reason carries new figures: the change must be said."""
    from lesnamax.privacy import services

    login(make_user())
    with app.app_context():
        services.publish("Politika\n\nE re.", "Policy\n\nNew.", date.today() + timedelta(10),
                         services.utcnow())
        from lesnamax.privacy.models import PolicyVersion

        version = select(PolicyVersion).filter_by(kind="privacy", version=2)
        db.session.scalar(version).effective_from = date.today()
        db.session.commit()
        services.forget_cache()
    client.post("/cart/add", data={"product_id": chair.id})
    form = place_form(go_to_review(client).text)  # the policy box left unticked
    with app.app_context():
        db.session.get(Product, chair.id).price_cents = 5990
        db.session.commit()
    stopped = client.post("/checkout/place", data=form)
    assert stopped.status_code == 409 and "asgjë nuk u porosit" in stopped.text


def test_a_product_made_to_order_after_the_review_stops_the_order(app, client, chair,
                                                                 make_user, login):
    """Made to order means no withdrawal: the review said the 14 days apply, so a product
    flagged meanwhile is a change the customer must see before the contract binds them."""
    login(make_user())
    client.post("/cart/add", data={"product_id": chair.id})
    form = place_form(go_to_review(client).text)
    with app.app_context():
        db.session.get(Product, chair.id).made_to_order = True
        db.session.commit()
    stopped = client.post("/checkout/place", data=form)
    assert stopped.status_code == 409 and "asgjë nuk u porosit" in stopped.text
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 0
    placed = client.post("/checkout/place", data=place_form(stopped.text))
    assert placed.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(OrderLine.made_to_order)) is True

"""A double-clicked "place order": both requests arrive together and both land on one order.

The soak test found the windows: the second request looked for its key before the first
committed, then found the cart empty (a 303 to the cart, or a 500 on the missing cart) or the
stock gone (a 409). Each window is opened here on purpose by hiding the first order from the
first look, then the real race runs on both engines.
"""

import threading

import pytest
from sqlalchemy import func, select

from lesnamax.catalogue.models import Product
from lesnamax.extensions import db
from lesnamax.orders import services as orders
from lesnamax.orders.models import Order

from .test_checkout import go_to_review, place_form


@pytest.fixture
def placed(app, client, make_product, make_user, login):
    """A customer who has just placed an order for the last chair; its key and Location."""
    chair = make_product(name_sq="Karrige e fundit", stock=1)
    login(make_user())
    client.post("/cart/add", data={"product_id": chair.id})
    form = place_form(go_to_review(client).text)
    first = client.post("/checkout/place", data=form)
    assert first.status_code == 303 and "/orders/LM-" in first.headers["Location"]
    return {"key": form["idempotency_key"], "form": form, "location": first.headers["Location"],
            "chair": chair.id}


def hide_first_look(monkeypatch):
    """The first search for a key finds nothing, as when the twin had not committed yet."""
    real = orders.by_idempotency_key
    looks = []

    def late(key):
        looks.append(key)
        return None if len(looks) == 1 else real(key)

    monkeypatch.setattr(orders, "by_idempotency_key", late)
    return looks


def test_twin_that_finds_the_cart_emptied_goes_to_the_order(app, client, placed, monkeypatch):
    looks = hide_first_look(monkeypatch)
    second = client.post("/checkout/place", data=placed["form"])
    assert second.status_code == 303 and second.headers["Location"] == placed["location"]
    assert looks == [placed["key"]]  # the key's look was hidden: the cart's found the order
    page = client.get(second.headers["Location"])
    assert "Shporta juaj është e zbrazët" not in page.text  # no "cart is empty" flash on the way
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 1


@pytest.mark.parametrize("cart_lines", ["emptied", "still there"])
def test_service_hands_back_the_twins_order(app, placed, monkeypatch, cart_lines):
    """place_order: the cart emptied (EmptyCart) or the stock taken (OutOfStock) by the twin."""
    from lesnamax.cart.models import CartLine

    with app.app_context():
        order = db.session.scalar(select(Order))
        if cart_lines == "emptied":  # else they are read as the twin commits: stock is gone
            db.session.execute(db.delete(CartLine).where(CartLine.cart_id == order_cart(order)))
            db.session.commit()
        hide_first_look(monkeypatch)
        delivery = orders.Delivery("A", "K", order.email, "+38344123456", "Rr. 1", "prishtine",
                                   "10000", "standard", "cash")
        again = orders.place_order(order_cart(order), order.user_id, delivery, placed["key"],
                                   ip=None, language="sq", policy_version=1)
        assert again.id == order.id
        assert db.session.scalar(select(func.count(Order.id))) == 1
        assert db.session.get(Product, placed["chair"]).stock == 0


def order_cart(order) -> int:
    from lesnamax.cart.models import Cart

    return db.session.scalar(select(Cart.id).where(Cart.user_id == order.user_id))


def test_two_clicks_at_once_make_one_order(app, client, make_product, make_user, login):
    """The real race, ten times: two requests with one session and one key, released together."""
    product = make_product(name_sq="Karrige", stock=1000)
    login(make_user())
    twin = app.test_client()
    twin.set_cookie("session", client.get_cookie("session").value)
    for _round in range(10):
        client.post("/cart/add", data={"product_id": product.id})
        form = place_form(go_to_review(client).text)
        twin.set_cookie("session", client.get_cookie("session").value)
        barrier = threading.Barrier(2)
        answers = [None, None]

        def press(i, c, form=form, barrier=barrier, answers=answers):
            barrier.wait()
            answers[i] = c.post("/checkout/place", data=form)

        pair = enumerate((client, twin))
        threads = [threading.Thread(target=press, args=(i, c)) for i, c in pair]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert [a.status_code for a in answers] == [303, 303]
        assert answers[0].headers["Location"] == answers[1].headers["Location"]
        assert "/orders/LM-" in answers[0].headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 10
        assert db.session.get(Product, product.id).stock == 990


def test_two_tabs_placed_at_once_make_one_order(app, client, make_product, make_user, login,
                                                tmp_path):
    """One cart, its review page open in two tabs (two keys), both placed at the same moment:
    one order, the stock taken once, one e-mail; both tabs land on that order."""
    app.config["MAIL_OUTBOX"] = str(tmp_path / "outbox")
    product = make_product(name_sq="Karrige", stock=1000)
    login(make_user())
    twin = app.test_client()
    rounds = 8
    for _round in range(rounds):
        client.post("/cart/add", data={"product_id": product.id})
        forms = [place_form(go_to_review(client).text), place_form(client.get(
            "/checkout/review").text)]
        assert forms[0]["idempotency_key"] != forms[1]["idempotency_key"]
        twin.set_cookie("session", client.get_cookie("session").value)
        barrier = threading.Barrier(2)
        answers = [None, None]

        def press(i, c, forms=forms, barrier=barrier, answers=answers):
            barrier.wait()
            answers[i] = c.post("/checkout/place", data=forms[i])

        threads = [threading.Thread(target=press, args=(i, c))
                   for i, c in enumerate((client, twin))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert [a.status_code for a in answers] == [303, 303]
        assert answers[0].headers["Location"] == answers[1].headers["Location"]
        assert "/orders/LM-" in answers[0].headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == rounds
        assert db.session.get(Product, product.id).stock == 1000 - rounds
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == rounds


def test_a_tab_placed_after_the_other_finds_its_order(app, client, make_product, make_user,
                                                      login):
    product = make_product(name_sq="Karrige", stock=10)
    login(make_user())
    client.post("/cart/add", data={"product_id": product.id})
    first_tab = place_form(go_to_review(client).text)
    second_tab = place_form(client.get("/checkout/review").text)
    placed = client.post("/checkout/place", data=first_tab)
    late = client.post("/checkout/place", data=second_tab)
    assert late.status_code == 303 and late.headers["Location"] == placed.headers["Location"]
    assert "tjetër" in client.get(late.headers["Location"]).text  # "already ordered in another…"
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 1
        assert db.session.get(Product, product.id).stock == 9


def test_the_service_gives_a_claimed_cart_s_order_to_the_other_tab(app, placed):
    """place_order with another key for a cart already placed: no second order, the first."""
    with app.app_context():
        order = db.session.scalar(select(Order))
        delivery = orders.Delivery("A", "K", order.email, "+38344123456", "Rr. 1", "prishtine",
                                   "10000", "standard", "cash")
        again = orders.place_order(order_cart(order), order.user_id, delivery, "b" * 32,
                                   ip=None, language="sq", policy_version=1)
        assert again.id == order.id and again.idempotency_key == placed["key"]
        assert db.session.scalar(select(func.count(Order.id))) == 1
        assert db.session.get(Product, placed["chair"]).stock == 0


def test_a_stale_tab_of_an_ordered_cart_does_not_order_the_same_items_again(
    app, client, make_product, make_user, login
):
    """Cart A placed from tab B; the same items added again and the checkout walked again:
    tab A's "place" goes to cart A's order instead of ordering the new cart unseen."""
    product = make_product(name_sq="Karrige", stock=10)
    login(make_user())
    client.post("/cart/add", data={"product_id": product.id})
    tab_a = place_form(go_to_review(client).text)
    placed = client.post("/checkout/place", data=place_form(client.get("/checkout/review").text))
    client.post("/cart/add", data={"product_id": product.id})
    go_to_review(client)
    late = client.post("/checkout/place", data=tab_a)
    assert late.status_code == 303 and late.headers["Location"] == placed.headers["Location"]
    assert "tjetër" in client.get(late.headers["Location"]).text
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 1
        assert db.session.get(Product, product.id).stock == 9
    assert "Karrige" in client.get("/cart").text  # the new cart is still there to review


def test_a_review_of_another_cart_without_an_order_is_shown_again(
    app, client, make_product, make_user, login
):
    product = make_product(name_sq="Karrige", stock=10)
    login(make_user())
    client.post("/cart/add", data={"product_id": product.id})
    form = {**place_form(go_to_review(client).text), "cart_id": "987654"}
    answer = client.post("/checkout/place", data=form)
    assert answer.status_code == 409 and "asgjë nuk u porosit" in answer.text
    with app.app_context():
        assert db.session.scalar(select(func.count(Order.id))) == 0

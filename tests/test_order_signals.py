"""An order's news travels by signal (orders/signals.py), once and after the commit; the
confirmation e-mail of a cash order, a card payment and a switch to cash is written to the
outbox inside the change's own transaction, so it is there before anyone hears the news."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lesnamax.extensions import db
from lesnamax.orders import signals
from lesnamax.orders.models import Order
from lesnamax.outbox import OutboxMessage

from .test_checkout import go_to_review, place_form
from .test_mail_failures import mail_down, mail_up, purge, time_passes  # noqa: F401
from .test_payments import APPROVED, DECLINED, card_order, mails, reply  # noqa: F401

SIGNALS = {"placed": signals.order_placed, "paid": signals.order_paid,
           "to cash": signals.order_switched_to_cash}


@pytest.fixture
def heard(app):
    """Every signal sent during the test: (name, order number, the order's committed status,
    the confirmations committed for it by then)."""
    seen = []

    def receivers():
        for name, signal in SIGNALS.items():
            def receiver(sender, order, name=name, **extra):
                assert sender is app
                assert not db.session().in_transaction()  # the writer committed and let go
                # Read on another connection: only what is committed is there.
                with db.engine.connect() as other:
                    status = other.scalar(select(Order.status).where(Order.id == order.id))
                    confirmations = other.scalar(select(func.count(OutboxMessage.id)).where(
                        OutboxMessage.subject.contains(order.number)))
                seen.append((name, order.number, status, confirmations))
            yield signal, receiver

    connected = list(receivers())
    for signal, receiver in connected:
        signal.connect(receiver)
    yield seen
    for signal, receiver in connected:
        signal.disconnect(receiver)


def place_cash(client, make_product, make_user, login):
    product = make_product(name_sq="Tavolinë", price_cents=12000, stock=2)
    login(make_user())
    client.post("/cart/add", data={"product_id": product.id})
    form = place_form(go_to_review(client).text)
    placed = client.post("/checkout/place", data=form)
    assert placed.status_code == 303
    return placed.headers["Location"].rsplit("/", 1)[1], form


def outbox(app):
    from pathlib import Path

    folder = Path(app.config["MAIL_OUTBOX"])
    return list(folder.glob("*.eml")) if folder.exists() else []


def test_a_cash_order_is_announced_once_and_confirmed_once(app, client, make_product,
                                                           make_user, login, heard):
    number, form = place_cash(client, make_product, make_user, login)
    assert heard == [("placed", number, "cash_on_delivery", 1)]  # the e-mail came first
    # A second click lands on the same order: no second announcement, no second e-mail.
    assert client.post("/checkout/place", data=form).headers["Location"] == f"/orders/{number}"
    assert heard == [("placed", number, "cash_on_delivery", 1)]
    [mail] = outbox(app)
    assert number in mail.read_text(encoding="utf-8")


def test_a_card_order_is_announced_when_placed_and_confirmed_once_when_paid(
    app, client, heard, card_order  # noqa: F811
):
    with app.app_context():
        number = db.session.scalar(select(Order.number))
    assert heard == [("placed", number, "awaiting_payment", 0)]
    assert mails(card_order) == []  # not paid yet: nothing to confirm
    data = reply(card_order["fields"])
    assert client.post("/payment/nestpay/callback", data=data).text == "Approved"
    assert client.post("/payment/nestpay/callback", data=data).text == "Approved"
    assert client.post("/payment/nestpay/ok", data=data).status_code == 303
    assert heard == [("placed", number, "awaiting_payment", 0), ("paid", number, "paid", 1)]
    assert len(mails(card_order)) == 1


def test_a_switch_to_cash_is_announced_once_and_confirmed_once(app, client, heard,
                                                               card_order):  # noqa: F811
    failed = client.post("/payment/nestpay/fail", data=reply(card_order["fields"], **DECLINED))
    number = failed.headers["Location"].rsplit("/", 1)[1]
    for _press in range(2):
        assert client.post(f"/orders/{number}/pay-on-delivery").status_code == 303
    assert [name for name, *_rest in heard] == ["placed", "to cash"]
    assert heard[1] == ("to cash", number, "cash_on_delivery", 1)
    [mail] = mails(card_order)
    assert number in mail.read_text(encoding="utf-8")


def test_a_switch_to_cash_with_smtp_down_is_made_and_confirmed_later(
    app, client, card_order, mail_down, mail_up  # noqa: F811
):
    failed = client.post("/payment/nestpay/fail", data=reply(card_order["fields"], **DECLINED))
    number = failed.headers["Location"].rsplit("/", 1)[1]
    switched = client.post(f"/orders/{number}/pay-on-delivery")
    assert switched.status_code == 303
    assert client.get(switched.headers["Location"]).status_code == 200
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert order.payment_method == "cash"
        [waiting] = db.session.scalars(select(OutboxMessage))
        assert waiting.sent_at is None  # written with the switch, waiting for the server
    sink = mail_up()
    time_passes(app)
    purge(app)
    purge(app)
    assert len(sink.messages) == 1 and number in sink.messages[0]["Subject"]


def test_an_order_placed_outside_a_request_is_confirmed_with_the_shops_link(
    app, make_product, make_user
):
    """A tool placing an order on the shop's side (no request running) sends the same e-mail."""
    from lesnamax.cart.models import OPEN, Cart, CartLine
    from lesnamax.orders import services as orders

    product = make_product(name_sq="Raft", stock=3)
    customer = make_user(email="drita@example.test")
    with app.app_context():
        cart = Cart(user_id=customer.id, status=OPEN)
        db.session.add(cart)
        db.session.flush()
        db.session.add(CartLine(cart_id=cart.id, product_id=product.id, quantity=1,
                                price_when_added_cents=0))
        db.session.commit()
        delivery = orders.Delivery("Drita", "K", customer.email, "+38344123456", "Rr. 1",
                                   "prishtine", "", "standard", "cash")
        number = orders.place_order(cart.id, customer.id, delivery, "tool-1", ip=None,
                                    language="sq", policy_version=1).number
    [mail] = outbox(app)
    assert f"http://shop.test/orders/{number}" in mail.read_text(encoding="utf-8")


def test_the_owner_applying_a_payment_in_review_confirms_the_order_once(
    app, client, heard, card_order  # noqa: F811
):
    """A half 3-D approval waits in review; when the owner moves it to paid, the card order's
    confirmation is due then, written with the change of status."""
    from lesnamax.audit import Actor
    from lesnamax.orders import manage

    with app.app_context():
        order = db.session.scalar(select(Order))
        order.status = "payment_review"
        db.session.commit()
        number = order.number
        owner = Actor(None, "pronari@example.test", None)
        manage.change_status(number, "payment_review", "paid", owner, notify=False)
    assert heard[-1] == ("paid", number, "paid", 1)
    assert len(mails(card_order)) == 1


def test_a_failing_receiver_is_logged_and_the_order_stays_placed(app, client, make_product,
                                                                 make_user, login, caplog):
    def broken(sender, order, **extra):
        raise RuntimeError("the template broke")

    signals.order_placed.connect(broken)
    try:
        number, _form = place_cash(client, make_product, make_user, login)
    finally:
        signals.order_placed.disconnect(broken)
    assert "order-placed: a receiver failed" in caplog.text
    assert client.get(f"/orders/{number}").status_code == 200
    [mail] = outbox(app)  # the other receiver still ran
    assert number in mail.read_text(encoding="utf-8")

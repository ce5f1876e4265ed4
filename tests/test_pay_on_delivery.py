"""After a declined card: pay again by card, or switch the same order to cash on delivery."""

import threading

import pytest
from sqlalchemy import select

from lesnamax.catalogue.models import Product
from lesnamax.extensions import db
from lesnamax.orders.models import Order

from .test_payments import DECLINED, card_order, mails, order_state, reply  # noqa: F401


@pytest.fixture
def declined(app, client, card_order):  # noqa: F811
    """The card was declined: the order is payment_failed and its stock was returned."""
    answer = client.post("/payment/nestpay/fail", data=reply(card_order["fields"], **DECLINED))
    assert order_state(app) == ("payment_failed", "failed", 3)
    return {**card_order, "number": answer.headers["Location"].rsplit("/", 1)[1]}


def switch(client, number):
    return client.post(f"/orders/{number}/pay-on-delivery")


def test_the_failed_order_offers_card_and_cash(client, declined):
    page = client.get(f"/orders/{declined['number']}").text
    assert f'action="/orders/{declined["number"]}/retry"' in page
    assert f'action="/orders/{declined["number"]}/pay-on-delivery"' in page
    assert "Paguaj me kartelë" in page and "Paguaj në dorëzim" in page
    assert page.count('name="csrf_token"') >= 2


def test_switching_takes_the_stock_and_sends_one_cash_confirmation(app, client, declined):
    answer = switch(client, declined["number"])
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/orders/{declined['number']}"
    page = client.get(answer.headers["Location"]).text
    assert "Pagesa me para në dorë në dorëzim" in page and "Faleminderit për porosinë" in page
    assert 'action="/orders/' + declined["number"] + '/retry"' not in page
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert (order.status, order.payment_method) == ("cash_on_delivery", "cash")
        assert db.session.scalar(select(Product.stock)) == 2  # taken again
    sent = mails(declined)
    assert len(sent) == 1 and declined["number"] in sent[0].read_text(encoding="utf-8")
    # Pressed again (back button, second click): nothing more happens.
    assert switch(client, declined["number"]).status_code == 303
    assert order_state(app)[2] == 2 and len(mails(declined)) == 1
    # Nor can the cash order go back to the bank.
    client.post(f"/orders/{declined['number']}/retry")
    assert order_state(app) == ("cash_on_delivery", "failed", 2)


def test_two_switches_at_once_switch_once(app, client, declined):
    twin = app.test_client()
    twin.set_cookie("session", client.get_cookie("session").value)
    barrier, answers = threading.Barrier(2), []

    def press(c):
        barrier.wait()
        answers.append(switch(c, declined["number"]).status_code)

    threads = [threading.Thread(target=press, args=(c,)) for c in (client, twin)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert answers == [303, 303]
    assert order_state(app)[::2] == ("cash_on_delivery", 2)
    assert len(mails(declined)) == 1


def test_no_switch_when_the_stock_is_gone(app, client, declined):
    with app.app_context():
        db.session.scalar(select(Product)).stock = 0  # sold to someone else meanwhile
        db.session.commit()
    answer = switch(client, declined["number"])
    assert answer.status_code == 303
    page = client.get(answer.headers["Location"]).text
    assert "Nga “Dyshek” kanë mbetur vetëm 0" in page
    assert order_state(app) == ("payment_failed", "failed", 0)
    assert mails(declined) == []


@pytest.mark.parametrize("bank", ["approved", "review", "waiting"])
def test_never_switches_a_card_that_went_through_or_may(app, client, card_order, bank):  # noqa: F811
    number = card_order["fields"]["oid"].rsplit("-", 1)[0]
    if bank == "approved":
        client.post("/payment/nestpay/ok", data=reply(card_order["fields"]))
    elif bank == "review":  # signed by the bank, but another amount: a person must look
        client.post("/payment/nestpay/ok", data=reply(card_order["fields"], amount="24.99"))
    before = order_state(app)
    sent = len(mails(card_order))
    answer = switch(client, number)
    assert answer.status_code == 303
    assert "nuk mund të kalojë" in client.get(answer.headers["Location"]).text
    assert order_state(app) == before and len(mails(card_order)) == sent
    with app.app_context():
        assert db.session.scalar(select(Order.payment_method)) == "card"


def test_someone_elses_order_is_404(app, declined, make_user):
    stranger = app.test_client()
    other = make_user()
    stranger.post("/account/login", data={"email": other.email, "password": other.password})
    assert switch(stranger, declined["number"]).status_code == 404
    assert switch(stranger, "LM-2026-999999").status_code == 404
    assert order_state(app) == ("payment_failed", "failed", 3)


def test_a_late_approval_after_switching_goes_to_a_person(app, client, declined):
    """The bank approving the declined attempt after all (it should not, but its answer is
    what counts): the order is not paid twice nor its stock taken twice; it waits for review
    (on the owner's dashboard), where the shop refunds the card."""
    switch(client, declined["number"])
    client.post("/payment/nestpay/callback", data=reply(declined["fields"]))
    assert order_state(app) == ("payment_review", "needs_review", 2)
    assert len(mails(declined)) == 1


def test_a_lost_approval_after_expiry_and_switch_waits_on_the_dashboard(
    app, client, card_order, make_admin, login  # noqa: F811
):
    """Approved at the bank, callback lost; the attempt expires, the customer switches to
    cash; then the callback arrives. The card was charged: the owner must see it."""
    from datetime import UTC, datetime, timedelta

    from lesnamax.payments.models import PaymentAttempt

    with app.app_context():
        db.session.scalar(select(PaymentAttempt)).created_at = datetime.now(UTC) - timedelta(
            hours=2
        )
        db.session.commit()
    app.test_cli_runner().invoke(args=["purge-expired"])
    assert order_state(app) == ("payment_failed", "expired", 3)
    number = card_order["fields"]["oid"].rsplit("-", 1)[0]
    switch(client, number)
    assert order_state(app) == ("cash_on_delivery", "expired", 2)
    answer = client.post("/payment/nestpay/callback", data=reply(card_order["fields"]))
    assert answer.text == "Approved"
    assert order_state(app) == ("payment_review", "needs_review", 2)  # stock held once
    assert "po e kontrollojmë pagesën tuaj" in client.get(f"/orders/{number}").text
    assert len(mails(card_order)) == 1  # the cash confirmation only; no "paid" mail
    login(make_admin(email="pronari@example.test"))
    page = client.get("/admin/").text
    assert "1 pagesë me kartelë duhet kontrolluar" in page


def _slow_set_status(monkeypatch, before):
    """Run ``before()`` just before start_attempt moves the order (after it read it)."""
    from lesnamax.orders import status as order_status

    original = order_status.set_status

    def slow(order, new):
        if threading.current_thread().name == "card":
            before()
        return original(order, new)

    monkeypatch.setattr(order_status, "set_status", slow)


def test_a_card_retry_racing_a_switch_to_cash_takes_the_stock_once(
    app, client, declined, monkeypatch
):
    """The retry has read the failed order; the switch comes in before it moves it. With the
    order's row locked, the switch waits and then finds a pending card attempt."""
    twin = app.test_client()
    twin.set_cookie("session", client.get_cookie("session").value)
    read, switched, answers = threading.Event(), threading.Event(), {}
    _slow_set_status(monkeypatch, lambda: (read.set(), switched.wait(2)))

    def card():
        answers["card"] = client.post(f"/orders/{declined['number']}/retry").headers["Location"]

    def cash():
        read.wait(10)
        answers["cash"] = switch(twin, declined["number"]).status_code
        switched.set()

    threads = [threading.Thread(target=card, name="card"), threading.Thread(target=cash)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert answers == {"card": f"/payment/{declined['number']}/pay", "cash": 303}
    with app.app_context():
        order = db.session.scalar(select(Order))
        assert (order.status, order.payment_method) == ("awaiting_payment", "card")
        assert db.session.scalar(select(Product.stock)) == 2  # taken once


def test_two_pay_again_clicks_at_once_make_one_attempt(app, client, declined, monkeypatch):
    from time import sleep

    from lesnamax.payments.models import PaymentAttempt

    twin = app.test_client()
    twin.set_cookie("session", client.get_cookie("session").value)
    barrier, answers = threading.Barrier(2), []
    _slow_set_status(monkeypatch, lambda: sleep(0.5))  # both would have read the order

    def press(c):
        barrier.wait()
        answers.append(c.post(f"/orders/{declined['number']}/retry").headers["Location"])

    threads = [threading.Thread(target=press, args=(c,), name="card") for c in (client, twin)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert answers == [f"/payment/{declined['number']}/pay"] * 2
    with app.app_context():
        oids = db.session.scalars(select(PaymentAttempt.oid).order_by(PaymentAttempt.id)).all()
        assert oids == [f"{declined['number']}-1", f"{declined['number']}-2"]
        assert db.session.scalar(select(Product.stock)) == 2


@pytest.mark.parametrize("way", ["cash", "card"])
def test_no_switch_nor_retry_for_a_product_no_longer_sold(app, client, declined, way):
    with app.app_context():
        db.session.scalar(select(Product)).active = False  # taken off sale, stock left
        db.session.commit()
    if way == "cash":
        answer = switch(client, declined["number"])
    else:
        answer = client.post(f"/orders/{declined['number']}/retry")
    assert answer.status_code == 303
    page = client.get(answer.headers["Location"]).text
    assert "Nga “Dyshek” kanë mbetur vetëm 0" in page
    assert order_state(app) == ("payment_failed", "failed", 3)
    with app.app_context():
        assert db.session.scalar(select(Order.payment_method)) == "card"
    assert mails(declined) == []

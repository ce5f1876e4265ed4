"""Admin orders: status changes along the one transition table, with stock, audit and e-mail."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import select

from lesnamax.catalogue.models import Product
from lesnamax.extensions import db
from lesnamax.orders.models import Order
from lesnamax.outbox import OutboxMessage

from . import admin_orders_support as support
from .account_support import text_of
from .admin_orders_support import audit, move, state, tr

# Fixtures shared with the other admin order tests.
card_order = support.card_order
make_order = support.make_order
outbox = support.outbox

# Changing the status

def test_each_step_of_the_pipeline(app, client, admin, make_order, outbox):
    order = make_order(status="paid", payment="card")
    for old, new in (("paid", "processing"), ("processing", "shipped"),
                     ("shipped", "delivered")):
        response = move(client, order, old, new, notify="")
        assert response.status_code == 303
        assert response.headers["Location"] == f"/admin/orders/{order.number}"
        assert state(app, order) == (new, 8)  # stock stays taken all the way
    assert [e.detail for e in audit(app, "order.status")] == [
        "paid → processing", "processing → shipped", "shipped → delivered"]
    assert outbox() == []


def test_cancel_returns_the_stock(app, client, admin, make_order, outbox):
    order = make_order(status="processing", quantity=3)
    assert state(app, order) == ("processing", 7)
    response = move(client, order, "processing", "cancelled")
    assert response.status_code == 303
    assert state(app, order) == ("cancelled", 10)
    page = client.get(response.headers["Location"]).text
    assert tr(app, "Status changed to “%(status)s”. The e-mail to the customer is in the outbox.",
              status="Anuluar") in page
    event = audit(app, "order.status")[0]
    assert (event.subject_id, event.detail, event.actor_email) == (
        order.number, "processing → cancelled", admin.email)


def test_cash_order_from_checkout_cancelled(app, client, make_product, make_user, login,
                                            make_admin, outbox):
    from .test_checkout import go_to_review, place_form

    chair = make_product(name_sq="Karrige lisi", price_cents=4990, stock=5)
    login(make_user())
    client.post("/cart/add", data={"product_id": chair.id, "quantity": "2"})
    placed = client.post("/checkout/place",
                         data=place_form(go_to_review(client).text))
    number = placed.headers["Location"].rsplit("/", 1)[1]
    client.post("/account/logout")
    login(make_admin(email="shefi@example.test"))
    with app.app_context():
        assert db.session.get(Product, chair.id).stock == 3
    response = client.post(f"/admin/orders/{number}/status",
                           data={"current": "cash_on_delivery", "status": "cancelled"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Product, chair.id).stock == 5
    assert len(outbox()) == 1  # the confirmation only: the box was not ticked


@pytest.mark.parametrize(("left", "said"), [(1, "ka mbetur 1"), (0, "kanë mbetur 0")])
def test_back_into_stock_when_stock_is_gone(app, client, admin, make_order, make_product,
                                            left, said):
    product = make_product(name_sq="Divan", stock=left)
    order = make_order(status="payment_failed", payment="card", product=product, quantity=2)
    response = move(client, order, "payment_failed", "paid")
    assert response.status_code == 409
    # The Albanian plural: "ka mbetur 1", "kanë mbetur 0".
    assert (f"Nuk ka stok të mjaftueshëm për “Divan” ({said}), prandaj porosia nuk mund "
            "ta marrë përsëri.") in response.text
    assert state(app, order) == ("payment_failed", left)
    assert audit(app, "order.status") == []


def test_back_into_stock_when_there_is_enough(app, client, admin, make_order):
    order = make_order(status="payment_failed", payment="card", quantity=2)
    assert move(client, order, "payment_failed", "paid").status_code == 303
    assert state(app, order) == ("paid", 8)


def test_transition_not_in_the_table(app, client, admin, make_order):
    order = make_order(status="paid")
    response = move(client, order, "paid", "delivered")
    assert response.status_code == 409
    assert tr(app, "This change of status is not allowed.") in response.text
    assert state(app, order) == ("paid", 8)
    assert audit(app, "order.status") == []


def test_stale_form_gets_409_and_the_current_state(app, client, admin, make_order):
    order = make_order(status="paid")
    assert move(client, order, "paid", "processing").status_code == 303
    response = move(client, order, "paid", "cancelled", note="Shënim i mbajtur")
    assert response.status_code == 409
    assert tr(app, "Someone changed this order meanwhile: it is now “%(status)s”. Check it "
              "and choose again.", status="Në përpunim") in response.text
    assert "Shënim i mbajtur" in response.text  # what was typed is kept
    assert 'name="current" type="hidden" value="processing"' in response.text
    assert state(app, order) == ("processing", 8)


def test_repeated_submit_changes_and_mails_once(app, client, admin, make_order, outbox):
    order = make_order(status="paid")
    assert move(client, order, "paid", "processing").status_code == 303
    again = move(client, order, "paid", "processing")
    assert again.status_code == 303
    assert tr(app, "The order is already in this status; nothing was changed.") in client.get(
        again.headers["Location"]).text
    assert len(outbox()) == 1 and len(audit(app, "order.status")) == 1


def test_two_admins_at_once_apply_once(app, make_order, make_admin, outbox):
    order = make_order(status="processing", quantity=3)
    clients = []
    for n in range(2):
        user = make_admin(email=f"admin{n}@example.test")
        c = app.test_client()
        c.post("/account/login", data={"email": user.email, "password": user.password})
        clients.append(c)
    barrier = threading.Barrier(2)
    results = [None, None]

    def go(i):
        barrier.wait()
        results[i] = move(clients[i], order, "processing", "cancelled")

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [r.status_code for r in results] == [303, 303]
    assert state(app, order) == ("cancelled", 10)  # the stock came back once, not twice
    assert len(audit(app, "order.status")) == 1 and len(outbox()) == 1


def test_status_email_in_the_orders_language(app, client, admin, make_order, outbox):
    sq = make_order(status="paid")
    en = make_order(status="paid", language="en", email="john@example.test", first_name="John")
    move(client, sq, "paid", "processing", note="Dërgesa vjen të martën.")
    move(client, en, "paid", "processing")
    first, second = sorted(outbox(), key=lambda m: m["To"] != "arta@example.test")
    assert first["To"] == "arta@example.test"
    assert first["Subject"] == tr(app, "Your order %(number)s: %(status)s", number=sq.number,
                                  status="Në përpunim")
    body = text_of(first)
    assert "Përshëndetje Arta" in body and "Në përpunim" in body and "Processing" not in body
    assert "Dërgesa vjen të martën." in body
    assert f"http://shop.test/orders/{sq.number}" in body
    assert second["To"] == "john@example.test"
    assert second["Subject"] == f"Your order {en.number}: Processing"
    assert f"http://shop.test/orders/{en.number}" in text_of(second)


def test_no_email_when_unticked_or_erased(app, client, admin, make_order, outbox):
    quiet = make_order(status="paid")
    erased = make_order(status="paid", email="", first_name="", last_name="", phone="",
                        street="", ip=None)
    response = move(client, quiet, "paid", "processing", notify="")
    assert tr(app, "Status changed to “%(status)s”. No e-mail was sent.",
              status="Në përpunim") in client.get(response.headers["Location"]).text
    move(client, erased, "paid", "processing")
    assert outbox() == []
    assert state(app, erased)[0] == "processing"
    assert tr(app, "The customer's personal data was erased at their request.") in client.get(
        f"/admin/orders/{erased.number}").text


def test_mail_server_down_keeps_the_change_and_its_mail(app, client, admin, make_order):
    """The message waits in the outbox: the change is not undone, the mail not lost."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nobody listens there
    order = make_order(status="paid")
    response = move(client, order, "paid", "processing")
    assert response.status_code == 303
    assert tr(app, "Status changed to “%(status)s”. The e-mail to the customer is in the "
              "outbox.", status="Në përpunim") in client.get(response.headers["Location"]).text
    assert state(app, order)[0] == "processing"
    with app.app_context():
        [row] = db.session.scalars(select(OutboxMessage)).all()
        assert row.sent_at is None and row.attempts == 1 and "Connection" in row.last_error
        assert row.recipient == "arta@example.test"


@pytest.mark.parametrize(("data", "message"), [
    ({"status": "<script>alert(1)</script>"}, "Choose a status from the list."),
    ({"status": ""}, "This field is required."),
    ({"current": "nope"}, "Choose a status from the list."),
    ({"current": ""}, "This field is required."),
    ({"note": "a\x00b"}, "This field contains invisible or control characters."),
    ({"note": "x" * 1001}, "This field is too long."),
])
def test_hostile_form_input(app, client, admin, make_order, data, message):
    order = make_order(status="paid")
    response = move(client, order, **{"current": "paid", "new": "processing", **data})
    assert response.status_code == 422
    assert tr(app, message) in response.text and "<script>alert" not in response.text
    assert state(app, order) == ("paid", 8) and audit(app, "order.status") == []


def test_htmx_change_answers_with_the_status_section(app, hx, admin, make_order, outbox):
    order = make_order(status="paid")
    response = move(hx, order, "paid", "processing")
    assert response.status_code == 200 and "<html" not in response.text
    assert 'id="order-status"' in response.text
    assert tr(app, "Status changed to “%(status)s”. The e-mail to the customer is in the outbox.",
              status="Në përpunim") in response.text
    assert 'name="current" type="hidden" value="processing"' in response.text
    assert 'value="shipped"' in response.text
    stale = move(hx, order, "paid", "cancelled")
    assert stale.status_code == 409 and 'id="order-status"' in stale.text
    assert "<html" not in stale.text and "Në përpunim" in stale.text
    bad = move(hx, order, "processing", "<b>")
    assert bad.status_code == 422 and "<html" not in bad.text


def test_with_csrf_on_the_page_token_is_accepted(app, client, hx, admin, make_order):
    app.config["WTF_CSRF_ENABLED"] = True
    order = make_order(status="paid")
    html = client.get(f"/admin/orders/{order.number}").text
    form = html.split('class="admin-form status-form"', 1)[1]
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    header = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', html).group(1)
    assert move(client, order, "paid", "processing", notify="").status_code == 400
    assert state(app, order)[0] == "paid"
    response = move(client, order, "paid", "processing", notify="", csrf_token=token)
    assert response.status_code == 303 and state(app, order)[0] == "processing"
    response = hx.post(f"/admin/orders/{order.number}/status", headers={"X-CSRFToken": header},
                       data={"current": "processing", "status": "shipped"})
    assert response.status_code == 200 and state(app, order)[0] == "shipped"


def test_admin_cancel_and_bank_approval_at_once_keep_stock_right(app, card_order, make_admin):
    """The owner cancels a card order in the instant the bank approves it. Whichever wins,
    the stock matches the outcome: taken if the order ends paid, returned (once) if it ends
    cancelled (the approval then waits for a person, as money was taken)."""
    from lesnamax.payments.models import PaymentAttempt

    from .test_payments import reply

    owner = make_admin(email="pronari2@example.test")
    staff = app.test_client()
    staff.post("/account/login", data={"email": owner.email, "password": owner.password})
    bank = app.test_client()
    with app.app_context():
        number = db.session.scalar(select(Order.number))
    barrier = threading.Barrier(2)

    def cancel():
        barrier.wait()
        staff.post(f"/admin/orders/{number}/status",
                   data={"current": "awaiting_payment", "status": "cancelled", "notify": ""})

    def approve():
        barrier.wait()
        bank.post("/payment/nestpay/callback", data=reply(card_order["fields"]))

    threads = [threading.Thread(target=cancel), threading.Thread(target=approve)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with app.app_context():
        order = db.session.scalar(select(Order))
        attempt = db.session.scalar(select(PaymentAttempt))
        stock = db.session.get(Product, card_order["product"].id).stock
    if order.status == "paid":
        assert stock == 2 and attempt.status == "paid"
    else:
        assert order.status == "cancelled" and stock == 3 and attempt.status == "needs_review"

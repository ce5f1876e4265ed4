"""A mail server that is down never costs an order (issue item 18).

The order stays placed and the customer sees the normal page; the confirmation is not marked
sent, and ``flask purge-expired`` sends it later, exactly once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from lesnamax.extensions import db
from lesnamax.orders import emails
from lesnamax.orders.models import CANCELLED, Order

from . import test_payments
from .test_checkout import go_to_review, place_form
from .test_mail import Sink, free_port
from .test_payments import reply

card_order = test_payments.card_order  # the real card checkout, reused as a fixture here


@pytest.fixture
def mail_down(app):
    """SMTP pointing at a port where nothing listens (connection refused)."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())


@pytest.fixture
def mail_up(app):
    """Returns a function that starts a real SMTP server (aiosmtpd) and points the shop at it."""
    from aiosmtpd.controller import Controller

    started = []

    def start():
        sink = Sink()
        controller = Controller(sink, hostname="127.0.0.1", port=free_port())
        controller.start()
        started.append(controller)
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
        return sink

    yield start
    for controller in started:
        controller.stop()


def place_cash_order(client, make_product, make_user, login):
    product = make_product(name_sq="Tavolinë", price_cents=12000, stock=2)
    login(make_user(first_name="Arbër"))
    client.post("/cart/add", data={"product_id": product.id})
    return client.post("/checkout/place", data=place_form(go_to_review(client).text))


def the_order(app) -> Order:
    with app.app_context():
        order = db.session.scalar(select(Order))
        db.session.expunge(order)
        return order


def purge(app):
    result = app.test_cli_runner().invoke(args=["purge-expired"])
    assert result.exit_code == 0, result.output
    return result.output


def test_cash_order_with_smtp_down_is_placed_and_retried_once(
    app, client, make_product, make_user, login, mail_down, mail_up
):
    placed = place_cash_order(client, make_product, make_user, login)
    assert placed.status_code == 303 and "/orders/LM-" in placed.headers["Location"]
    page = client.get(placed.headers["Location"])
    assert page.status_code == 200  # the normal confirmation page
    order = the_order(app)
    assert order.confirmation_sent_at is None and order.confirmation_claimed_at is None
    assert "0 order confirmations" in purge(app)  # still down: nothing marked sent
    assert the_order(app).confirmation_sent_at is None

    sink = mail_up()
    assert "Sent 1 order confirmations" in purge(app)
    assert len(sink.messages) == 1
    assert order.number in sink.messages[0]["Subject"]
    assert the_order(app).confirmation_sent_at is not None
    purge(app)
    assert len(sink.messages) == 1  # exactly once


def test_card_payment_with_smtp_down_is_paid_and_retried(app, client, card_order, mail_down,
                                                         mail_up):
    answer = client.post("/payment/nestpay/ok", data=reply(card_order["fields"]))
    assert answer.status_code == 303
    assert client.get(answer.headers["Location"]).status_code == 200
    assert the_order(app).status == "paid"
    assert the_order(app).confirmation_sent_at is None
    sink = mail_up()
    purge(app)
    assert len(sink.messages) == 1


def test_a_sent_confirmation_is_marked_and_not_repeated(app, client, make_product, make_user,
                                                        login, mail_up):
    sink = mail_up()
    place_cash_order(client, make_product, make_user, login)
    assert len(sink.messages) == 1
    assert the_order(app).confirmation_sent_at is not None
    purge(app)
    assert len(sink.messages) == 1


def test_a_claim_left_by_a_dead_sender_expires(app, client, make_product, make_user, login,
                                               mail_down, mail_up):
    place_cash_order(client, make_product, make_user, login)
    now = datetime.now(UTC)
    with app.app_context():
        # Another process claimed it a moment ago and is sending: leave it alone...
        db.session.execute(update(Order).values(confirmation_claimed_at=now))
        db.session.commit()
        sink = mail_up()
        assert emails.retry_confirmations(now) == (0, 1)
        assert sink.messages == []
        # ...unless it has been silent for longer than any send takes (it died).
        later = now + timedelta(minutes=emails.CLAIM_MINUTES + 1)
        assert emails.retry_confirmations(later) == (1, 0)
    assert len(sink.messages) == 1


def test_retry_leaves_cancelled_old_and_unpaid_orders_alone(app, card_order, mail_up):
    # card_order: placed by card, not paid: no confirmation is due.
    sink = mail_up()
    now = datetime.now(UTC)
    with app.app_context():
        assert emails.retry_confirmations(now) == (0, 0)
        db.session.execute(update(Order).values(payment_method="cash", status=CANCELLED))
        db.session.commit()
        assert emails.retry_confirmations(now) == (0, 0)
        db.session.execute(update(Order).values(status="cash_on_delivery"))
        db.session.commit()
        late = now + timedelta(days=emails.RETRY_DAYS, minutes=1)
        assert emails.retry_confirmations(late) == (0, 0)  # too late to confirm
        assert emails.retry_confirmations(now) == (1, 0)
        assert db.session.scalar(select(func.count(Order.id))) == 1
    assert len(sink.messages) == 1


def _same_answer_for_known_and_unknown(app, path, known, caplog, logged):
    answers = []
    for address in (known, "nobody@example.test"):
        browser = app.test_client()
        response = browser.post(path, data={"email": address})
        answers.append((response.status_code, response.headers.get("Location"),
                        browser.get(response.headers["Location"]).get_data(as_text=True)
                        if response.status_code == 303 else ""))
    assert [(status, location) for status, location, _ in answers] == [(303, "/account/login")] * 2
    for _, _, page in answers:  # the same flash (the pages differ only in their CSRF tokens)
        assert "Nëse ekziston një llogari" in page and "Nuk mundëm ta dërgojmë" not in page
    [record] = [r for r in caplog.records if r.getMessage() == logged]
    assert record.exc_info is not None  # the failure is logged with its exception


def test_password_reset_with_smtp_down_answers_as_for_an_unknown_address(
    app, make_user, mail_down, caplog
):
    """A 503 only for registered addresses would tell which addresses have accounts."""
    user = make_user()
    _same_answer_for_known_and_unknown(app, "/account/password/reset", user.email, caplog,
                                       "password reset e-mail not sent")


def test_registration_with_smtp_down_says_so_the_same_for_a_taken_address(
    app, client, make_user, mail_down
):
    from .test_account import register

    make_user(email="zana@example.test")
    answers = []
    for address in ("drita@example.test", "zana@example.test"):
        response = register(app.test_client(), email=address)
        page = response.get_data(as_text=True)
        assert "Nuk mundëm ta dërgojmë" in page
        assert f'value="{address}"' in page  # nothing the person typed is lost
        answers.append(response.status_code)
    assert answers == [503, 503]


def test_signin_link_with_smtp_down_answers_as_for_an_unknown_address(
    app, make_user, mail_down, caplog
):
    from lesnamax.account import throttle

    user = make_user()
    _same_answer_for_known_and_unknown(app, "/account/login/link", user.email, caplog,
                                       "sign-in link e-mail not sent")
    # Nothing went out, so nothing counts against the mailbox: three more tries are allowed.
    with app.app_context():
        assert all(throttle.may_send_mail(app.config, "signin", user.email) for _ in range(3))
        assert not throttle.may_send_mail(app.config, "signin", user.email)

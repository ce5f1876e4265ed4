"""The payment ledger and the owner's money operations, against a bank in memory."""
from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from lesnamax.audit import Actor, AuditEvent
from lesnamax.catalogue.models import Product
from lesnamax.extensions import db
from lesnamax.orders.models import Order, OrderLine
from lesnamax.payments import ledger, manage
from lesnamax.payments.models import PaymentAttempt, PaymentMovement

from . import ledger_support, test_payments
from .ledger_support import age, attempt_id, confirm_refund, movements, pay

card_order = test_payments.card_order
bank = ledger_support.bank
OWNER = Actor(user_id=None, email="pronari@example.test", ip="192.0.2.1")


def later() -> datetime:
    """A retry's time: after the wait that lets the bank book a lost operation."""
    return datetime.now(UTC) + manage.STALE_REQUEST + timedelta(minutes=1)


def order_of(app):
    with app.app_context():
        return db.session.scalar(select(Order))


def status_and_stock(app):
    with app.app_context():
        return db.session.scalar(select(Order.status)), db.session.scalar(select(Product.stock))


def mails(card_order):
    return test_payments.mails(card_order)


def test_attempt_and_capture_rows(app, client, card_order, bank):
    assert movements(app) == [("attempt", "done", 24990)]
    pay(client, card_order, bank)
    assert movements(app) == [("attempt", "done", 24990), ("capture", "done", 24990)]
    # The callback repeats the approval: one capture still.
    client.post("/payment/nestpay/callback", data=test_payments.reply(card_order["fields"]))
    assert movements(app) == [("attempt", "done", 24990), ("capture", "done", 24990)]
    with app.app_context():
        assert ledger.order_figures(1) == ledger.Figures(paid=24990)


def test_declined_attempt_has_no_capture(app, client, card_order, bank):
    client.post("/payment/nestpay/fail",
                data=test_payments.reply(card_order["fields"], **test_payments.DECLINED))
    assert movements(app) == [("attempt", "done", 24990)]


def test_cancel_same_day_voids_and_returns_stock_once_done(app, client, card_order, bank):
    oid = pay(client, card_order, bank)
    assert status_and_stock(app) == ("paid", 2)
    with app.app_context():
        result = manage.cancel(1, OWNER, datetime.now(UTC), "customer asked")
        assert result.state == "done" and result.cancelled
    assert bank.calls == [("void", oid)]
    assert movements(app)[-1] == ("void", "done", 24990)
    assert status_and_stock(app) == ("cancelled", 3)
    sent = mails(card_order)
    assert len(sent) == 3  # the confirmation, the cancellation and its credit note
    with app.app_context():
        assert ledger.order_figures(1).balance == 0
        actions = [e.action for e in db.session.scalars(select(AuditEvent))]
        assert actions.count("payment.cancel") == 1 and actions.count("order.status") == 1


def test_cancel_next_day_credits_in_full(app, client, card_order, bank):
    oid = pay(client, card_order, bank)
    with app.app_context():
        capture = db.session.scalar(select(PaymentMovement).where(
            PaymentMovement.kind == "capture"))
        capture.answered_at -= timedelta(days=1)
        db.session.commit()
    bank.sales[oid].day -= timedelta(days=1)
    with app.app_context():
        result = manage.cancel(1, OWNER, datetime.now(UTC))
    assert result.cancelled and bank.calls == [("refund", oid, 24990)]
    assert status_and_stock(app) == ("cancelled", 3)


def test_refused_void_leaves_the_order_and_the_next_try_credits(app, client, card_order, bank):
    oid = pay(client, card_order, bank)
    bank.sales[oid].day -= timedelta(days=1)  # the bank settled already
    with app.app_context():
        result = manage.cancel(1, OWNER, datetime.now(UTC))
        assert result.state == "refused" and not result.cancelled
    assert status_and_stock(app) == ("paid", 2)
    with app.app_context():
        assert ledger.order_figures(1) == ledger.Figures(paid=24990)
        result = manage.cancel(1, OWNER, datetime.now(UTC))
    assert result.cancelled and bank.calls[-1] == ("refund", oid, 24990)
    assert len(mails(card_order)) == 3  # confirmation, cancellation, one credit note


def test_partial_refund_of_a_line_and_an_amount(app, client, card_order, bank):
    pay(client, card_order, bank)
    with app.app_context():
        order = db.session.get(Order, 1)
        line_id = order.id  # one line, id 1
        result = manage.refund(order, None, {line_id: 1}, OWNER, "scratched")
        assert result.state == "done"
        assert result.movements[0].lines[0]["quantity"] == 1
        assert manage.refundable_lines(order) == {line_id: 0}
        with pytest.raises(manage.MoneyRefused) as refused:
            manage.refund(order, None, {line_id: 1}, OWNER)
        assert refused.value.reason == "bad_lines"
        with pytest.raises(manage.MoneyRefused) as refused:
            manage.refund(order, 1, None, OWNER)
        assert refused.value.reason == "not_paid"  # the one line was the whole order
    # Every piece given back before shipping: the order ends (stock back).
    assert status_and_stock(app) == ("cancelled", 3)
    assert len(mails(card_order)) == 3  # confirmation, refund, its credit note


def test_refund_above_the_balance_is_refused_and_nothing_moves(app, client, card_order, bank):
    pay(client, card_order, bank)
    with app.app_context():
        order = db.session.get(Order, 1)
        manage.refund(order, 10000, None, OWNER)
        with pytest.raises(manage.MoneyRefused) as refused:
            manage.refund(order, 14991, None, OWNER)
        assert refused.value.available_cents == 14990
    assert movements(app)[2:] == [("refund", "done", 10000)]
    assert len(bank.calls) == 1


def test_bank_down_then_retry_refunds_once(app, client, card_order, bank):
    oid = pay(client, card_order, bank)
    bank.down = True
    with app.app_context():
        result = manage.refund(db.session.get(Order, 1), 5000, None, OWNER)
        assert result.state == "unknown"
        lost = result.movements[0].id
        figures = ledger.order_figures(1)
        assert (figures.refunded, figures.uncertain, figures.refundable) == (0, 5000, 19990)
        # No second refund while the first is unknown.
        with pytest.raises(manage.MoneyRefused) as refused:
            manage.refund(db.session.get(Order, 1), 100, None, OWNER)
        assert refused.value.reason == "in_flight"
        with pytest.raises(manage.MoneyRefused) as refused:  # the bank may still book it
            manage.retry(lost, OWNER, datetime.now(UTC))
        assert refused.value.reason == "too_soon" and bank.calls[-1][0] == "refund"
        with pytest.raises(bank_unavailable()):
            manage.retry(lost, OWNER, later())
    assert movements(app)[-1] == ("refund", "unknown", 5000)
    bank.down = False
    with app.app_context():
        retried = manage.retry(lost, OWNER, later())
        assert retried.state == "done"
    assert bank.sales[oid].refunded_cents == 5000
    assert movements(app)[2:] == [("refund", "refused", 5000), ("refund", "done", 5000)]
    assert len(mails(card_order)) == 3  # the confirmation, one refund, one credit note


def test_retry_when_the_bank_did_apply_the_lost_refund(app, client, card_order, bank):
    oid = pay(client, card_order, bank)
    bank.lose = 1  # the refund happens at the bank, its answer is lost
    with app.app_context():
        result = manage.refund(db.session.get(Order, 1), 5000, None, OWNER)
        assert result.state == "unknown"
        retried = manage.retry(result.movements[0].id, OWNER, later())
        assert retried.state == "done"
        assert ledger.order_figures(1).refunded == 5000
    assert bank.sales[oid].refunded_cents == 5000  # not twice
    assert [c[0] for c in bank.calls] == ["refund", "query"]
    assert movements(app)[2:] == [("refund", "done", 5000)]
    with app.app_context():
        with pytest.raises(manage.MoneyRefused):  # done now: nothing to retry
            manage.retry(result.movements[0].id, OWNER, later())


def test_two_owners_refund_at_once_one_refund(app, client, card_order, bank):
    pay(client, card_order, bank)
    barrier = threading.Barrier(2)
    outcomes = []

    def go():
        with app.app_context():
            barrier.wait()
            try:
                outcomes.append(manage.refund(db.session.get(Order, 1), 20000, None, OWNER).state)
            except manage.MoneyRefused as refused:
                outcomes.append(refused.reason)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) in (["done", "in_flight"], ["done", "too_much"])
    assert [c[0] for c in bank.calls] == ["refund"]
    with app.app_context():
        assert ledger.order_figures(1).refunded == 20000


def test_in_flight_is_unique_per_attempt(app, client, card_order, bank):
    from sqlalchemy.exc import IntegrityError

    pay(client, card_order, bank)
    with app.app_context():
        attempt = db.session.scalar(select(PaymentAttempt))
        now = datetime.now(UTC)
        ledger.request(attempt, "refund", 100, OWNER, now)
        with pytest.raises(IntegrityError):
            ledger.request(attempt, "refund", 100, OWNER, now)
        db.session.rollback()


def test_ask_the_bank(app, client, card_order, bank):
    oid = pay(client, card_order, bank)
    with app.app_context():
        status, text = manage.ask_bank(attempt_id(app, oid), OWNER)
        assert status.state == "approved" and text == "Banka: approved"
        assert db.session.scalar(select(AuditEvent.action).where(
            AuditEvent.action == "payment.query")) == "payment.query"


def bank_unavailable():
    from .ledger_support import bankapi

    return bankapi.BankUnavailable


# Reconciliation before expiry

def _age(app, hours=2):
    with app.app_context():
        for attempt in db.session.scalars(select(PaymentAttempt)):
            attempt.created_at = datetime.now(UTC) - timedelta(hours=hours)
        db.session.commit()


def _events(app):
    from lesnamax.payments.models import PaymentEvent

    with app.app_context():
        return [(e.channel, e.outcome) for e in db.session.scalars(select(PaymentEvent))]


def test_reconciliation_applies_a_late_approval(app, client, card_order, bank):
    from lesnamax.payments import services

    bank.approve(card_order["fields"]["oid"], 24990)  # approved at the bank, reply lost
    _age(app)
    with app.app_context():
        assert services.expire_pending(datetime.now(UTC), 30) == 0
    assert status_and_stock(app) == ("paid", 2)
    assert movements(app)[-1] == ("capture", "done", 24990)
    assert _events(app) == [("api-query", "paid")]
    assert len(mails(card_order)) == 1  # the confirmation, as if the callback had come
    # The bank's callback arriving after all changes nothing.
    client.post("/payment/nestpay/callback", data=test_payments.reply(card_order["fields"]))
    assert len(mails(card_order)) == 1 and len(movements(app)) == 2


def test_reconciliation_expires_a_declined_or_unknown_attempt(app, client, card_order, bank):
    from lesnamax.payments import services

    _age(app)
    with app.app_context():
        assert services.expire_pending(datetime.now(UTC), 30) == 1
    assert status_and_stock(app) == ("payment_failed", 3)
    assert _events(app) == [("api-query", "expired")]
    assert bank.calls == [("query", card_order["fields"]["oid"])]


def test_reconciliation_waits_while_the_bank_is_down(app, client, card_order, bank):
    from lesnamax.payments import services

    bank.down = True
    _age(app)
    with app.app_context():
        assert services.expire_pending(datetime.now(UTC), 30) == 0
    assert status_and_stock(app) == ("awaiting_payment", 2)  # stock still held
    _age(app, hours=services.UNREACHABLE_HOURS + 1)
    with app.app_context():
        assert services.expire_pending(datetime.now(UTC), 30) == 1
    assert status_and_stock(app) == ("payment_failed", 3)


def test_reconciliation_with_another_amount_goes_to_review(app, client, card_order, bank):
    from lesnamax.payments import services

    bank.approve(card_order["fields"]["oid"], 100)
    _age(app)
    with app.app_context():
        services.expire_pending(datetime.now(UTC), 30)
    assert status_and_stock(app) == ("payment_review", 2)
    assert mails(card_order) == []


# A double charge

def double_charge(app, client, card_order, bank) -> tuple[str, str]:
    """Attempt 1 expires unanswered (the bank is down), attempt 2 is paid, then attempt 1's
    approval arrives: two charges for one order."""
    import re

    from lesnamax.payments import services

    bank.down = True
    _age(app, hours=services.UNREACHABLE_HOURS + 1)
    with app.app_context():
        services.expire_pending(datetime.now(UTC), 30)
    bank.down = False
    number = card_order["fields"]["oid"].rsplit("-", 1)[0]
    second = client.get(client.post(f"/orders/{number}/retry").headers["Location"]).text
    oid_2 = re.search(r'name="oid" value="([^"]+)"', second).group(1)
    pay(client, card_order, bank, oid=oid_2)
    oid_1 = pay(client, card_order, bank)
    return oid_1, oid_2


def test_double_charge_found_and_the_extra_refunded(app, client, card_order, bank):
    oid_1, oid_2 = double_charge(app, client, card_order, bank)
    assert status_and_stock(app)[0] == "paid"
    with app.app_context():
        found = manage.double_charges()
        assert [(d.order.number, d.attempt.oid, d.amount_cents) for d in found] == [
            (oid_1.rsplit("-", 1)[0], oid_1, 24990)]
        result = manage.refund_extra(1, attempt_id(app, oid_1), OWNER, datetime.now(UTC))
        assert result.state == "done" and not result.cancelled
        assert manage.double_charges() == []
        assert ledger.order_figures(1) == ledger.Figures(paid=49980, refunded=24990)
    assert bank.calls[-1] == ("void", oid_1)
    assert status_and_stock(app) == ("paid", 2)


# The owner's pages

def test_owner_cancels_with_a_confirmation_step(app, client, card_order, bank, make_admin,
                                                login):
    oid = pay(client, card_order, bank)
    number = oid.rsplit("-", 1)[0]
    login(make_admin(email="pronari@example.test"))
    page = client.get(f"/admin/orders/{number}")
    assert page.status_code == 200 and "249,90" in page.text
    confirm = client.get(f"/admin/orders/{number}/cancel-payment")
    assert confirm.status_code == 200 and oid in confirm.text and bank.calls == []
    done = client.post(f"/admin/orders/{number}/cancel-payment")
    assert done.status_code == 303 and bank.calls == [("void", oid)]
    assert status_and_stock(app) == ("cancelled", 3)
    assert client.post(f"/admin/orders/{number}/cancel-payment").status_code == 303
    assert bank.calls == [("void", oid)]  # a repeated POST asks nothing more


def test_owner_refund_above_the_balance_gets_a_translated_422(app, client, card_order, bank,
                                                              make_admin, login):
    oid = pay(client, card_order, bank)
    number = oid.rsplit("-", 1)[0]
    login(make_admin(email="pronari@example.test"))
    form = client.get(f"/admin/orders/{number}/refund")
    assert form.status_code == 200
    too_much = client.post(f"/admin/orders/{number}/refund", data={"amount": "300"})
    assert too_much.status_code == 422 and "249,90" in too_much.text
    garbage = client.post(f"/admin/orders/{number}/refund", data={"line-1": "x<"})
    assert garbage.status_code == 422
    step = client.post(f"/admin/orders/{number}/refund", data={"amount": "20,50"})
    assert step.status_code == 200 and bank.calls == [] and 'value="yes"' in step.text
    no_token = client.post(f"/admin/orders/{number}/refund",
                           data={"amount": "20,50", "confirmed": "yes"})
    assert no_token.status_code == 422 and bank.calls == []
    done = confirm_refund(client, number, amount="20,50")
    assert done.status_code == 303 and bank.calls == [("refund", oid, 2050)]
    page = client.get(f"/admin/orders/{number}").text
    assert "20,50" in page and "229,40" in page


def test_owner_sees_not_done_retry_when_the_bank_is_down(app, client, card_order, bank,
                                                         make_admin, login):
    oid = pay(client, card_order, bank)
    number = oid.rsplit("-", 1)[0]
    login(make_admin(email="pronari@example.test"))
    bank.down = True
    confirm_refund(client, number, amount="10")
    with app.app_context():
        lost = db.session.scalar(select(PaymentMovement.id).where(
            PaymentMovement.state == "unknown"))
    page = client.get(f"/admin/orders/{number}").text
    assert f"/admin/payments/movements/{lost}/retry" in page
    bank.down = False
    too_soon = client.post(f"/admin/payments/movements/{lost}/retry", follow_redirects=True)
    assert "pas pesë minutash" in too_soon.text and bank.sales[oid].refunded_cents == 0
    age(app, lost)
    assert client.get(f"/admin/payments/movements/{lost}/retry").status_code == 200
    assert client.post(f"/admin/payments/movements/{lost}/retry").status_code == 303
    assert bank.sales[oid].refunded_cents == 1000
    ask = client.post(f"/admin/payments/{attempt_id(app, oid)}/ask", follow_redirects=True)
    assert "Banka: approved" in ask.text


def test_double_charge_task_on_the_dashboard_refunded_in_two_clicks(
        app, client, card_order, bank, make_admin, login):
    oid_1, _oid_2 = double_charge(app, client, card_order, bank)
    number = oid_1.rsplit("-", 1)[0]
    customer_page = client.get(f"/orders/{number}").text
    login(make_admin(email="pronari@example.test"))
    board = client.get("/admin/").text
    link = f"/admin/orders/{number}/refund-extra/{attempt_id(app, oid_1)}"
    assert link in board
    assert client.get(link).status_code == 200 and bank.calls[-1][0] != "void"
    assert client.post(link).status_code == 303
    assert bank.calls[-1] == ("void", oid_1)
    assert link not in client.get("/admin/").text
    assert "Balance" not in customer_page


def test_the_customer_sees_paid_refunded_and_balance(app, client, card_order, bank):
    oid = pay(client, card_order, bank)
    with app.app_context():
        manage.refund(db.session.get(Order, 1), 5000, None, OWNER)
    page = client.get(f"/orders/{oid.rsplit('-', 1)[0]}").text
    assert "249,90" in page and "50,00" in page and "199,90" in page


def test_the_same_confirmation_sent_twice_refunds_once(app, client, card_order, bank,
                                                       make_admin, login):
    """A double click or F5 on "Confirm" after the first refund is done: the first refund is
    done, the money left allows a second, and only the confirmation's token tells them apart."""
    oid = pay(client, card_order, bank)
    number = oid.rsplit("-", 1)[0]
    login(make_admin(email="pronari@example.test"))
    step = client.post(f"/admin/orders/{number}/refund", data={"amount": "20,50"})
    token = re.search(r'name="token" value="([0-9a-f]{32})"', step.text).group(1)
    sent = {"amount": "20,50", "confirmed": "yes", "token": token}
    first = client.post(f"/admin/orders/{number}/refund", data=sent)
    again = client.post(f"/admin/orders/{number}/refund", data=sent)
    assert first.status_code == again.status_code == 303
    assert bank.calls == [("refund", oid, 2050)]
    assert [m for m in movements(app) if m[0] == "refund"] == [("refund", "done", 2050)]
    shown = client.get(again.headers["Location"]).text
    assert "Ky rimbursim i është dërguar tashmë bankës" in shown
    # A new confirmation (a new token) is a new refund.
    confirm_refund(client, number, amount="20,50")
    assert bank.calls == [("refund", oid, 2050)] * 2


def test_a_retry_that_loses_the_race_to_the_late_answer_does_nothing(app, client, card_order,
                                                                    bank, monkeypatch):
    """The first request's answer lands between the retry's check and its write (PostgreSQL
    does not lock the movement's row): the retry's conditional write fails, and it neither
    e-mails nor asks the bank again."""
    pay(client, card_order, bank)
    bank.lose = 1
    with app.app_context():
        lost = manage.refund(db.session.get(Order, 1), 5000, None, OWNER).movements[0].id
    mails_before = len(mails(card_order))
    real_query = bank.query

    def late_answer_lands(oid):
        with db.engine.begin() as connection:
            connection.execute(update(PaymentMovement).where(PaymentMovement.id == lost)
                               .values(state="done", in_flight=None))
        return real_query(oid)

    monkeypatch.setattr(manage.bankapi, "query", late_answer_lands)
    monkeypatch.setattr(manage, "_retryable", lambda movement, now: True)  # both checks passed
    with app.app_context():
        with pytest.raises(manage.MoneyRefused) as refused:
            manage.retry(lost, OWNER, later())
    assert refused.value.reason == "not_retryable"
    assert [c[0] for c in bank.calls if c[0] == "refund"] == ["refund"]
    assert movements(app)[2:] == [("refund", "done", 5000)]
    assert len(mails(card_order)) == mails_before


def test_without_the_banks_api_reconciliation_expires_as_before(app, client, card_order):
    """A live shop may run without an API user: nothing can be asked, so an unanswered attempt
    expires after its minutes and gives its stock back, not after UNREACHABLE_HOURS."""
    from lesnamax.payments import services

    app.config["NESTPAY_API_URL"] = ""
    _age(app)
    with app.app_context():
        assert services.expire_pending(datetime.now(UTC), 30) == 1
    assert status_and_stock(app) == ("payment_failed", 3)


def test_the_status_form_cannot_cancel_a_paid_card_order_and_keep_its_money(
        app, client, card_order, bank, make_admin, login):
    oid = pay(client, card_order, bank)
    number = oid.rsplit("-", 1)[0]
    login(make_admin(email="pronari@example.test"))
    page = client.get(f"/admin/orders/{number}").text
    assert 'value="cancelled"' not in page.split('id="order-money"')[0]
    refused = client.post(f"/admin/orders/{number}/status",
                          data={"status": "cancelled", "current": "paid"})
    assert refused.status_code == 409 and "ende mban para" in refused.text
    assert status_and_stock(app) == ("paid", 2) and bank.calls == []
    # Given back in full, the plain cancel is offered again (nothing left to refund).
    confirm_refund(client, number, amount="249,90")
    assert 'value="cancelled"' in client.get(f"/admin/orders/{number}").text


def test_an_approval_after_the_owner_cancelled_is_a_task_to_give_back(
        app, client, card_order, bank, make_admin, login):
    """The owner cancels a card order still waiting for the bank; the bank's approval arrives
    after: the money is kept under review, and the dashboard asks to give it back."""
    oid = card_order["fields"]["oid"]
    number = oid.rsplit("-", 1)[0]
    customer = client.get_cookie("session").value
    login(make_admin(email="pronari@example.test"))
    assert client.post(f"/admin/orders/{number}/status", data={
        "status": "cancelled", "current": "awaiting_payment"}).status_code == 303
    bank.approve(oid, 24990)
    client.set_cookie("session", customer)
    client.post("/payment/nestpay/callback", data=test_payments.reply(card_order["fields"]))
    with app.app_context():
        assert ledger.order_figures(1).balance == 24990
    login(make_admin(email="pronari2@example.test"))
    board = client.get("/admin/").text
    link = f"/admin/orders/{number}/refund-extra/{attempt_id(app, oid)}"
    assert link in board and "pasi ajo u anulua" in board
    assert client.post(link).status_code == 303
    with app.app_context():
        assert ledger.order_figures(1).balance == 0
    assert link not in client.get("/admin/").text


def test_every_line_refunded_before_shipping_ends_the_order(app, client, card_order, bank):
    """Paid goods given back in full before they leave: the order is cancelled and its stock
    returns, so nothing paid back is shipped. A part refund leaves it paid."""
    pay(client, card_order, bank)
    with app.app_context():
        line = db.session.scalar(select(OrderLine.id))
        manage.refund(db.session.get(Order, 1), 1000, None, OWNER)
    assert status_and_stock(app) == ("paid", 2)
    with app.app_context():
        result = manage.refund(db.session.get(Order, 1), 23990, {line: 1}, OWNER)
        assert result.state == "done" and result.cancelled
    assert status_and_stock(app) == ("cancelled", 3)
    with app.app_context():
        assert ledger.order_figures(1).balance == 0


def test_a_void_that_timed_out_is_voided_again_the_same_day(app, client, card_order, bank):
    """Retried the same shop day, a lost void is asked again as a void: a credit the same day
    is what a real NestPay refuses (CORE-2508) until the next day."""
    from zoneinfo import ZoneInfo

    pay(client, card_order, bank)
    noon = datetime.now(ZoneInfo("Europe/Belgrade")).replace(hour=12, minute=0).astimezone(UTC)
    bank.down = True
    with app.app_context():
        lost = manage.cancel(1, OWNER, noon - timedelta(minutes=10)).movements[0]
        assert (lost.kind, lost.state) == ("void", "unknown")
        lost_id = lost.id
        db.session.execute(update(PaymentMovement).where(PaymentMovement.kind == "capture")
                           .values(answered_at=noon - timedelta(minutes=20)))
        db.session.commit()
    bank.down = False
    with app.app_context():
        retried = manage.retry(lost_id, OWNER, noon)
        assert retried.state == "done" and retried.cancelled
    assert [c[0] for c in bank.calls] == ["void", "query", "void"]  # the lost one, then
    assert movements(app)[2:] == [("void", "refused", 24990), ("void", "done", 24990)]
    assert status_and_stock(app) == ("cancelled", 3)

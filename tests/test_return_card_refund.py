"""A card order's return refunded through the sandbox bank (payments.manage.refund): only a
"done" answer makes the return refunded, a lost answer is settled from the ledger, never
asked twice."""

from __future__ import annotations

from sqlalchemy import select

from lesnamax.extensions import db
from lesnamax.orders.models import OrderLine
from lesnamax.payments.models import PaymentMovement

from . import test_ledger_sandbox, test_payments
from .ledger_support import age, movements
from .returns_support import deliver, returns, stock, withdraw
from .test_ledger_sandbox import as_owner, fault, paid, refunded_at_bank

card_order = test_payments.card_order
sandbox_bank = test_ledger_sandbox.sandbox_bank


def withdrawn(app, client, card_order, make_admin, login):
    app.config["NESTPAY_API_TIMEOUT"] = 5  # only the lost-answer test needs the short one
    oid, number = paid(app, client, card_order)
    deliver(app, number)
    with app.app_context():
        line_id = db.session.scalar(select(OrderLine.id))
    _step, done = withdraw(client, number, {line_id: 1})
    assert done.status_code == 303
    as_owner(client, make_admin, login)
    [ret] = returns(app)
    client.post(f"/admin/returns/{ret.id}/receive", data={"state": "requested"})
    return oid, number, ret.id


def test_the_return_is_refunded_to_the_card_once(app, client, card_order, sandbox_bank,
                                                make_admin, login):
    before = stock(app, card_order["product"].id)
    oid, _number, ret_id = withdrawn(app, client, card_order, make_admin, login)
    assert stock(app, card_order["product"].id) == before + 1
    page = client.get(f"/admin/returns/{ret_id}").text
    assert "Rimburso në kartë" in page
    done = client.post(f"/admin/returns/{ret_id}/refund",
                       data={"state": "received", "amount": "249,90"})
    assert done.status_code == 303
    assert refunded_at_bank(app, oid) == 24990
    assert movements(app)[-1] == ("refund", "done", 24990)
    [ret] = returns(app)
    assert (ret.state, ret.refund_method, ret.refund_cents) == ("refunded", "card", 24990)
    again = client.post(f"/admin/returns/{ret_id}/refund",
                        data={"state": "received", "amount": "249,90"})
    assert again.status_code == 409
    assert refunded_at_bank(app, oid) == 24990
    with app.app_context():
        reason = db.session.scalar(select(PaymentMovement.reason).where(
            PaymentMovement.kind == "refund"))
    assert reason.startswith(f"return #{ret_id}:")


def test_more_than_was_paid_is_refused_by_the_ledger(app, client, card_order, sandbox_bank,
                                                     make_admin, login):
    oid, _number, ret_id = withdrawn(app, client, card_order, make_admin, login)
    answer = client.post(f"/admin/returns/{ret_id}/refund",
                         data={"state": "received", "amount": "5000"})
    assert answer.status_code == 422
    assert refunded_at_bank(app, oid) == 0
    assert returns(app)[0].state == "received" and returns(app)[0].refund_claimed_at is None


def test_a_lost_answer_is_settled_from_the_ledger_not_asked_again(app, client, card_order,
                                                                  sandbox_bank, make_admin,
                                                                  login):
    oid, number, ret_id = withdrawn(app, client, card_order, make_admin, login)
    app.config["NESTPAY_API_TIMEOUT"] = 0.3
    fault(app, "timeout_applied")  # the bank refunds, its answer is lost
    client.post(f"/admin/returns/{ret_id}/refund", data={"state": "received",
                                                          "amount": "249,90"})
    fault(app, "")
    # The fault is over: a slow machine (tests in parallel) must not look like a bank down.
    app.config["NESTPAY_API_TIMEOUT"] = 5
    assert movements(app)[-1] == ("refund", "unknown", 24990)
    assert returns(app)[0].state == "received"
    waiting = client.post(f"/admin/returns/{ret_id}/refund",
                          data={"state": "received", "amount": "249,90"})
    assert waiting.status_code == 409 and "pret përgjigjen e bankës" in waiting.text
    with app.app_context():
        lost = db.session.scalar(select(PaymentMovement.id).where(
            PaymentMovement.state == "unknown"))
    age(app, lost)  # a retry waits until the bank has had time to book the lost refund
    client.post(f"/admin/payments/movements/{lost}/retry")  # the order page's retry
    settle = client.post(f"/admin/returns/{ret_id}/refund",
                         data={"state": "received", "amount": "249,90"})
    assert settle.status_code == 303
    assert refunded_at_bank(app, oid) == 24990
    [ret] = returns(app)
    assert (ret.state, ret.refund_cents) == ("refunded", 24990)


def test_a_cash_refund_of_a_card_order_is_refused(app, client, card_order, sandbox_bank,
                                                  make_admin, login):
    _oid, _number, ret_id = withdrawn(app, client, card_order, make_admin, login)
    from lesnamax.audit import Actor
    from lesnamax.returns import manage

    with app.app_context():
        try:
            manage.refund_cash(ret_id, "received", 100, Actor(None, "t@example.test", None),
                               manage.shoptime.now())
        except manage.Refused as refused:
            assert refused.reason == manage.Refused.NOT_CARD
        else:
            raise AssertionError("a card order's return was refunded in cash")

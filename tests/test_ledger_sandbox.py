"""The ledger's operations end to end against the sandbox bank's XML API (in-process), with
its fault switch: the bank down, the answer lost after the bank applied it, a late approval
found by reconciliation, a double charge given back."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from lesnamax.extensions import db
from lesnamax.payments import bankapi, sandbox, sandbox_api, services
from lesnamax.payments.models import PaymentAttempt, PaymentMovement

from . import test_payments
from .bank_faults import SLOW_ENOUGH, set_fault
from .ledger_support import age, confirm_refund, movements

card_order = test_payments.card_order


@pytest.fixture
def sandbox_bank(app):
    app.config["NESTPAY_API_TIMEOUT"] = SLOW_ENOUGH
    sandbox.register(app)
    yield app
    with app.app_context():
        sandbox_api.set_fault("")


def book(app, oid, cents=24990):
    with app.test_request_context():
        sandbox_api.record_sale(oid, cents, f"T-{oid}", "654321", f"H-{oid}")


def refunded_at_bank(app, oid) -> int:
    with app.test_request_context():
        return bankapi.query(oid).refunded_cents


def fault(app, mode):
    with app.app_context():
        set_fault(app, mode)


def paid(app, client, card_order):
    oid = card_order["fields"]["oid"]
    client.post("/payment/nestpay/ok", data=test_payments.reply(card_order["fields"]))
    book(app, oid)
    return oid, oid.rsplit("-", 1)[0]


def as_owner(client, make_admin, login):
    login(make_admin(email="pronari@example.test"))


def test_bank_down_not_done_then_retry_refunds_once(app, client, card_order, sandbox_bank,
                                                    make_admin, login):
    oid, number = paid(app, client, card_order)
    as_owner(client, make_admin, login)
    fault(app, "timeout")
    confirm_refund(client, number, amount="50")
    assert movements(app)[-1] == ("refund", "unknown", 5000)
    page = client.get(f"/admin/orders/{number}").text
    assert "nuk u krye, provo përsëri" in page
    fault(app, "")
    assert refunded_at_bank(app, oid) == 0
    with app.app_context():
        lost = db.session.scalar(select(PaymentMovement.id).where(
            PaymentMovement.state == "unknown"))
    age(app, lost)
    client.post(f"/admin/payments/movements/{lost}/retry")
    assert refunded_at_bank(app, oid) == 5000
    assert movements(app)[2:] == [("refund", "refused", 5000), ("refund", "done", 5000)]


def test_lost_answer_the_bank_applied_is_not_refunded_twice(app, client, card_order,
                                                            sandbox_bank, make_admin, login):
    oid, number = paid(app, client, card_order)
    as_owner(client, make_admin, login)
    fault(app, "timeout_applied")
    confirm_refund(client, number, amount="50")
    fault(app, "")
    with app.app_context():
        lost = db.session.scalar(select(PaymentMovement.id).where(
            PaymentMovement.state == "unknown"))
    age(app, lost)
    client.post(f"/admin/payments/movements/{lost}/retry")
    assert refunded_at_bank(app, oid) == 5000
    assert movements(app)[2:] == [("refund", "done", 5000)]


def test_owner_cancels_a_paid_order_by_void(app, client, card_order, sandbox_bank,
                                           make_admin, login):
    oid, number = paid(app, client, card_order)
    as_owner(client, make_admin, login)
    client.post(f"/admin/orders/{number}/cancel-payment")
    assert movements(app)[-1] == ("void", "done", 24990)
    with app.test_request_context():
        assert bankapi.query(oid).state == "voided"
    assert test_payments.order_state(app) == ("cancelled", "paid", 3)


def test_reconciliation_applies_a_late_approval_from_the_sandbox(app, client, card_order,
                                                                  sandbox_bank):
    oid = card_order["fields"]["oid"]
    book(app, oid)  # the bank approved; neither return reached the shop
    with app.app_context():
        db.session.scalar(select(PaymentAttempt)).created_at -= timedelta(hours=2)
        db.session.commit()
        assert services.expire_pending(datetime.now(UTC), 30) == 0
    assert test_payments.order_state(app) == ("paid", "paid", 2)


def test_double_charge_refunded_end_to_end(app, client, card_order, sandbox_bank, make_admin,
                                           login):
    import re

    oid_1 = card_order["fields"]["oid"]
    fault(app, "timeout")
    with app.app_context():
        db.session.scalar(select(PaymentAttempt)).created_at -= timedelta(
            hours=services.UNREACHABLE_HOURS + 1)
        db.session.commit()
        services.expire_pending(datetime.now(UTC), 30)
    fault(app, "")
    number = oid_1.rsplit("-", 1)[0]
    second = client.get(client.post(f"/orders/{number}/retry").headers["Location"]).text
    oid_2 = re.search(r'name="oid" value="([^"]+)"', second).group(1)
    client.post("/payment/nestpay/ok",
                data=test_payments.reply({**card_order["fields"], "oid": oid_2}))
    book(app, oid_2)
    client.post("/payment/nestpay/callback", data=test_payments.reply(card_order["fields"]))
    book(app, oid_1)
    as_owner(client, make_admin, login)
    board = client.get("/admin/").text
    with app.app_context():
        extra = db.session.scalar(select(PaymentAttempt.id).where(PaymentAttempt.oid == oid_1))
    link = f"/admin/orders/{number}/refund-extra/{extra}"
    assert link in board
    assert client.post(link).status_code == 303
    with app.test_request_context():
        assert bankapi.query(oid_1).state in ("voided", "refunded")
        assert bankapi.query(oid_2).state == "approved"
    assert link not in client.get("/admin/").text

"""The owner's money pages answer an id that is not theirs to act on with 404, never a 500."""

from __future__ import annotations

from sqlalchemy import select

from lesnamax.extensions import db
from lesnamax.payments.models import PaymentMovement

from . import test_payments
from .ledger_support import bank, pay  # noqa: F401 - fixture

card_order = test_payments.card_order


def test_retry_of_a_movement_that_gives_nothing_back_is_404(app, client, card_order, make_admin,
                                                           login, bank):  # noqa: F811 - fixture
    pay(client, card_order, bank)
    with app.app_context():
        capture = db.session.scalar(select(PaymentMovement.id)
                                    .where(PaymentMovement.kind == "capture"))
    client.post("/account/logout")
    login(make_admin(email="pronari@example.test"))
    for method in (client.get, client.post):
        assert method(f"/admin/payments/movements/{capture}/retry").status_code == 404
        assert method("/admin/payments/movements/999999/retry").status_code == 404


def test_money_pages_are_whole_pages_with_and_without_htmx(app, client, card_order, make_admin,
                                                           login, bank):  # noqa: F811 - fixture
    """Plain forms, no htmx target: an htmx request (a boosted link, say) gets the same whole
    page, and refused input the same 422 with what was typed."""
    oid = pay(client, card_order, bank)
    number = oid.rsplit("-", 1)[0]
    login(make_admin(email="pronari@example.test"))
    for headers in ({}, {"HX-Request": "true"}):
        confirm = client.get(f"/admin/orders/{number}/cancel-payment", headers=headers)
        assert confirm.status_code == 200 and "<html" in confirm.text and oid in confirm.text
        form = client.get(f"/admin/orders/{number}/refund", headers=headers)
        assert form.status_code == 200 and "<html" in form.text
        refused = client.post(f"/admin/orders/{number}/refund", headers=headers,
                              data={"amount": "abc", "reason": "rrugës"})
        assert refused.status_code == 422 and "<html" in refused.text
        assert 'value="abc"' in refused.text and "rrugës" in refused.text
    assert bank.calls == []

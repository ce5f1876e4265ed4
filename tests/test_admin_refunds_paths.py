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

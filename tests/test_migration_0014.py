"""Migration 0014 (the payment ledger) backfills an attempt row for every attempt and a capture
row for every paid one, on both engines, and goes down and up again.

Going up through 0015 rebuilds the "order" table on SQLite; with foreign keys on, that once
deleted every order's lines and payments (migrations/env.py turns them off while migrating).
"""

import flask_migrate
from sqlalchemy import delete, func, inspect, select

from lesnamax.extensions import db
from lesnamax.orders.models import Order, OrderLine
from lesnamax.payments.models import PaymentAttempt, PaymentMovement

from . import ledger_support, test_payments
from .ledger_support import movements, pay

card_order = test_payments.card_order
bank = ledger_support.bank


def counts():
    return [db.session.scalar(select(func.count()).select_from(model))
            for model in (Order, OrderLine, PaymentAttempt)]


def test_0014_backfills_the_ledger_from_the_attempts(app, client, card_order, bank):
    pay(client, card_order, bank)
    with app.app_context():
        kept = db.session.execute(
            select(PaymentMovement.kind, PaymentMovement.key, PaymentMovement.trans_id,
                   PaymentMovement.amount_cents, PaymentMovement.order_id,
                   PaymentMovement.attempt_id).order_by(PaymentMovement.id)).all()
        # Downgrading to 0013 drops the outbox too: empty it first, as a shop would have.
        before = counts()
        assert before[0] == 1 and before[1] >= 1 and before[2] == 1
        db.session.execute(delete(PaymentMovement))
        db.session.commit()
        flask_migrate.downgrade(revision="0013")
        db.engine.dispose()
        assert "payment_movement" not in inspect(db.engine).get_table_names()
        flask_migrate.upgrade()
        db.engine.dispose()
        again = db.session.execute(
            select(PaymentMovement.kind, PaymentMovement.key, PaymentMovement.trans_id,
                   PaymentMovement.amount_cents, PaymentMovement.order_id,
                   PaymentMovement.attempt_id).order_by(PaymentMovement.id)).all()
        assert [tuple(r) for r in again] == [tuple(r) for r in kept]
        assert db.session.scalar(select(PaymentMovement.actor_email)) == "system"
        assert counts() == before
    assert movements(app) == [("attempt", "done", 24990), ("capture", "done", 24990)]

"""Shared by the admin order tests (``test_admin_orders``, ``test_admin_order_status``):
orders written as checkout writes them, the outbox, and readers of state and audit."""
from __future__ import annotations

import email
import email.policy
import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from lesnamax.audit import AuditEvent
from lesnamax.catalogue.models import Product
from lesnamax.extensions import db
from lesnamax.orders.models import HOLDS_STOCK, Order, OrderLine
from lesnamax.orders.services import order_number

from . import test_payments

card_order = test_payments.card_order  # the real card checkout, reused as a fixture here


@pytest.fixture
def outbox(app, tmp_path):
    app.config["MAIL_OUTBOX"] = str(tmp_path / "outbox")
    folder = tmp_path / "outbox"

    def read() -> list[email.message.EmailMessage]:
        files = sorted(folder.glob("*.eml")) if folder.exists() else []
        return [email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
                for f in files]

    return read


@pytest.fixture
def make_order(app, make_product):
    """Write an order as checkout would (stock taken when its status holds stock)."""

    def make(status="cash_on_delivery", payment="cash", quantity=2, product=None,
             created_at=None, **values) -> SimpleNamespace:
        product = product or make_product(stock=10, price_cents=4990)
        details = {"email": "arta@example.test", "first_name": "Arta", "last_name": "Krasniqi",
                   "phone": "+38344123456", "street": "Rr. Bill Clinton 33",
                   "municipality": "prishtine", "postal_code": "10000",
                   "delivery_method": "standard", "language": "sq", "ip": "192.0.2.7",
                   "policy_version": 1, **values}
        with app.app_context():
            if status in HOLDS_STOCK:
                db.session.get(Product, product.id).stock -= quantity
            total = product.price_cents * quantity
            order = Order(status=status, payment_method=payment,
                          idempotency_key=uuid.uuid4().hex, subtotal_cents=total,
                          delivery_cents=250, total_cents=total + 250,
                          created_at=created_at or datetime.now(UTC), **details,
                          lines=[OrderLine(product_id=product.id, name=product.name_sq,
                                           sku=product.sku, unit_price_cents=product.price_cents,
                                           quantity=quantity, line_total_cents=total)])
            db.session.add(order)
            db.session.flush()
            order.number = order_number(order)
            db.session.commit()
            return SimpleNamespace(id=order.id, number=order.number, product_id=product.id)

    return make


def tr(app, msgid, **values) -> str:
    """The Albanian text of a message.

    Read from the catalogue rather than typed here, so these tests hold both before and after
    the new messages reach translations/sq (until then the catalogue answers in English).
    """
    with app.test_request_context(), force_locale("sq_XK"):
        return gettext(msgid, **values)


def state(app, order) -> tuple[str, int]:
    with app.app_context():
        found = db.session.get(Order, order.id)
        return found.status, db.session.get(Product, order.product_id).stock


def audit(app, action) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                       .order_by(AuditEvent.id)))


def move(client, order, current, new, **extra):
    data = {"current": current, "status": new, "notify": "y", "note": "", **extra}
    return client.post(f"/admin/orders/{order.number}/status", data=data)


# The list

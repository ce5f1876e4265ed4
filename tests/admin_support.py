"""Helpers shared by the admin product tests (``test_admin_products``,
``test_admin_product_rows``): English pages, and products and audit events read back."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import select

from lesnamax.audit import AuditEvent
from lesnamax.catalogue.models import Product
from lesnamax.extensions import db

LONG = "x" * 10_000


@pytest.fixture
def en(client):
    """Read pages in English: the assertions do not depend on the Albanian catalogue."""
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def owner(admin, en):
    return admin


def product(app, product_id) -> Product | None:
    with app.app_context():
        found = db.session.get(Product, product_id)
        if found is not None:
            db.session.expunge(found)
        return found


def events(app, action=None) -> list[AuditEvent]:
    with app.app_context():
        statement = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            statement = statement.where(AuditEvent.action == action)
        found = list(db.session.scalars(statement))
        db.session.expunge_all()
        return found


def text(response) -> str:
    return unescape(response.get_data(as_text=True))

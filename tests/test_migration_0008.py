"""Migration 0008 (cart token, order's cart) goes down and up again on both engines."""

import flask_migrate
from sqlalchemy import inspect

from lesnamax.extensions import db


def columns(table: str) -> set[str]:
    return {c["name"] for c in inspect(db.engine).get_columns(table)}


def test_0008_downgrades_and_upgrades(app):
    with app.app_context():
        assert "token" in columns("cart") and "cart_id" in columns("order")
        unique = {i["name"] for i in inspect(db.engine).get_indexes("order") if i["unique"]}
        assert "ix_order_cart_id" in unique
        flask_migrate.downgrade(revision="0007")
        db.engine.dispose()
        assert "token" not in columns("cart") and "cart_id" not in columns("order")
        flask_migrate.upgrade()
        db.engine.dispose()
        assert "token" in columns("cart") and "cart_id" in columns("order")

"""Migration 0020 gives an order delivered before it a delivery day (its last change: the
delivery is its final status), adds the returns' tables, and goes down and up again."""

from datetime import UTC, datetime

import flask_migrate
from sqlalchemy import func, inspect, select, text

from lesnamax.extensions import db
from lesnamax.orders.models import Order, OrderLine

from .returns_support import deliver, placed

placed = placed  # the fixture


def test_0020_backfills_the_delivery_day(app, client, placed):
    deliver(app, placed.number)
    with app.app_context():
        lines = db.session.scalar(select(func.count()).select_from(OrderLine))
        db.session.commit()  # the migration's DDL must not wait for this session's read
        flask_migrate.downgrade(revision="0016")
        db.engine.dispose()
        assert "order_return" not in inspect(db.engine).get_table_names()
        changed = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
        db.session.execute(text('UPDATE "order" SET updated_at = :at'), {"at": changed})
        db.session.commit()
        db.session.close()
        flask_migrate.upgrade()
        db.engine.dispose()
        delivered = db.session.scalar(select(Order.delivered_at))
        delivered = delivered if delivered.tzinfo else delivered.replace(tzinfo=UTC)
        assert delivered == changed
        assert db.session.scalar(select(func.count()).select_from(OrderLine)) == lines
        assert {"order_return", "order_return_line"} <= set(inspect(db.engine).get_table_names())

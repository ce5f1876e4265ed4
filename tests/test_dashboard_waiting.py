"""The dashboard's "waiting for action" lists only orders the owner has to act on (issue 17):
a shipped order is with the courier and was listed there."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from lesnamax.extensions import db
from lesnamax.orders import reports

from .test_admin_dashboard import ZONE, add_order


def test_shipped_orders_are_not_waiting_for_the_owner(app):
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    with app.app_context():
        for status in ("shipped", "shipped", "delivered", "cancelled", "processing",
                       "cash_on_delivery"):
            add_order(status, 1000, now)
        db.session.commit()
        waiting = dict(reports.dashboard(now, ZONE).waiting)
    assert "shipped" not in waiting
    assert waiting["processing"] == 1 and waiting["cash_on_delivery"] == 1


def test_the_dashboard_page_lists_no_shipped_orders_as_waiting(app, client, admin):
    with app.app_context():
        add_order("shipped", 1000, datetime.now(UTC))
        db.session.commit()
    html = client.get("/admin/?lang=en").text
    waiting = re.search(r'<section aria-labelledby="waiting-title">(.*?)</section>', html, re.S)
    assert waiting is not None and "Processing" in waiting.group(1)
    assert "Shipped" not in waiting.group(1) and "status=shipped" not in waiting.group(1)

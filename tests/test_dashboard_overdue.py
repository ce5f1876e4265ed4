"""The dashboard names the orders the owner forgot to mark delivered: shipped, or waiting for
pickup, longer than the longest delivery time plus a margin. The customer's 14 days to
withdraw run from the day marked delivered, so until then the withdrawal stays open."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from lesnamax import shopsettings
from lesnamax.extensions import db
from lesnamax.orders import reports
from lesnamax.orders.models import Order

_keys = itertools.count(1)
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def add(status: str, days_ago: float, *, method: str = "standard", payment: str = "cash",
        store: str | None = None, at: datetime = NOW) -> str:
    """An order last changed ``days_ago`` days before ``at``."""
    n = next(_keys)
    changed = at - timedelta(days=days_ago)
    db.session.add(Order(
        number=f"LM-2026-{900000 + n:06d}", status=status, idempotency_key=f"overdue{n}",
        email="a@example.test", first_name="Arta", last_name="Krasniqi", phone="+38344123456",
        street="Rr. 1", municipality="prishtine", delivery_method=method,
        pickup_store_name=store, payment_method=payment, subtotal_cents=1000,
        delivery_cents=0, total_cents=1000, policy_version=1,
        created_at=changed - timedelta(days=1), updated_at=changed))
    return f"LM-2026-{900000 + n:06d}"


def test_shipped_and_waiting_pickup_orders_past_the_days_are_listed_oldest_first(app):
    with app.app_context():
        shipped_long_ago = add("shipped", 30, payment="card")
        shipped_late = add("shipped", 10)
        add("shipped", 8)                                  # within the 9 days
        picked_card = add("paid", 12, method="pickup", payment="card", store="Prishtinë")
        picked_cash = add("cash_on_delivery", 11, method="pickup")
        picked_ready = add("processing", 9.5, method="pickup")
        add("paid", 40, payment="card")                    # to be shipped: "waiting" counts it
        add("processing", 40)
        add("delivered", 40)                               # its 14 days are running
        add("delivered", 40, method="pickup")
        add("cancelled", 40, method="pickup")
        add("payment_review", 40, method="pickup", payment="card")
        db.session.commit()
        found = reports.overdue(NOW, 9)
        assert found.days == 9 and found.total == 5
        assert [o.number for o in found.orders] == [
            shipped_long_ago, picked_card, picked_cash, shipped_late, picked_ready]
        assert reports.overdue(NOW, 31).total == 0


def test_the_list_is_cut_but_the_count_is_whole(app, monkeypatch):
    monkeypatch.setattr(reports, "OVERDUE_LISTED", 2)
    with app.app_context():
        numbers = [add("shipped", 20 - n) for n in range(5)]
        db.session.commit()
        found = reports.overdue(NOW, 9)
    assert found.total == 5 and [o.number for o in found.orders] == numbers[:2]


def test_the_days_are_the_longest_delivery_time_in_the_settings_plus_a_margin(app,
                                                                               monkeypatch):
    with app.app_context():
        shop = shopsettings.current()
        longest = max(rule.days_max for rule in shop.delivery.values())
        assert reports.overdue_days() == longest + reports.DELIVERY_MARGIN_DAYS
        slow = {**shop.delivery, "dragash": shopsettings.Rule(900, 3, 12)}
        monkeypatch.setattr(shopsettings, "current", lambda: replace(shop, delivery=slow))
        assert reports.overdue_days() == 12 + reports.DELIVERY_MARGIN_DAYS


def section(html: str) -> str:
    found = re.search(r'<section class="notice" id="overdue-deliveries".*?</section>', html,
                      re.S)
    return found.group(0) if found else ""


def test_the_dashboard_links_each_overdue_order_in_albanian_and_english(app, client, admin):
    now = datetime.now(UTC)
    with app.app_context():
        days = reports.overdue_days()
        first = add("shipped", days + 3, at=now)
        add("shipped", 1, at=now)
        db.session.commit()
    albanian = section(client.get("/admin/?lang=sq").text)
    assert (f"1 porosi, e dërguar ose në pritje për t’u marrë në dyqan prej më shumë se {days} "
            "ditësh, nuk është shënuar e dorëzuar") in albanian
    assert f'href="/admin/orders/{first}"' in albanian and "E dërguar" in albanian
    assert "14 ditët e klientit për t’u tërhequr" in albanian
    with app.app_context():
        second = add("paid", days + 1, method="pickup", payment="card", store="Ferizaj",
                     at=now)
        db.session.commit()
    english = section(client.get("/admin/?lang=en").text)
    assert (f"2 orders, shipped or waiting for pickup for more than {days} days, are not "
            "marked delivered") in english
    assert f'href="/admin/orders/{second}"' in english and "pickup: Ferizaj" in english
    assert "unchanged since" in english


def test_no_overdue_order_no_section(app, client, admin):
    with app.app_context():
        add("shipped", 1, at=datetime.now(UTC))
        db.session.commit()
    assert 'id="overdue-deliveries"' not in client.get("/admin/").text


def test_the_list_costs_one_query_whatever_its_length(app, client, admin, count_queries):
    client.get("/admin/")
    with count_queries() as before:
        client.get("/admin/")
    with app.app_context():
        for n in range(15):
            add("shipped" if n % 2 else "paid", 40 + n, method="pickup" if n % 2 == 0 else
                "standard", payment="card", store="Prishtinë", at=datetime.now(UTC))
        db.session.commit()
    with count_queries() as after:
        html = client.get("/admin/").text
    assert section(html).count("<li>") == 15
    assert len(after) == len(before)

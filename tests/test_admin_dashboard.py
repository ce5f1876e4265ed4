"""Dashboard figures, the server-drawn sales chart and the audit trail page."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from lesnamax import audit
from lesnamax.admin import chart
from lesnamax.audit import AuditEvent
from lesnamax.extensions import db
from lesnamax.orders import reports
from lesnamax.orders.models import Order

ZONE = ZoneInfo("Europe/Belgrade")
_keys = itertools.count(1)


def add_order(status: str, total: int, at: datetime) -> None:
    n = next(_keys)
    db.session.add(Order(
        number=f"LM-T-{n:06d}", status=status, idempotency_key=f"k{n}", email="a@example.test",
        first_name="Arta", last_name="Krasniqi", phone="+38344123456", street="Rr. 1",
        municipality="prishtine", delivery_method="standard", payment_method="cash",
        subtotal_cents=total, delivery_cents=0, total_cents=total, policy_version=1,
        created_at=at))


@pytest.fixture
def now():
    # 10:00 in Prishtina on 25 November 2026.
    return datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def test_figures_count_sales_only_in_the_shops_days(app, now):
    with app.app_context():
        add_order("paid", 10000, now - timedelta(hours=1))
        add_order("cash_on_delivery", 2550, now - timedelta(hours=2))
        add_order("cancelled", 99900, now - timedelta(hours=1))
        add_order("awaiting_payment", 88800, now - timedelta(hours=1))
        add_order("payment_failed", 77700, now - timedelta(hours=1))
        # 23:30 UTC on the 24th is 00:30 on the 25th in Prishtina: today.
        add_order("delivered", 100, datetime(2026, 11, 24, 23, 30, tzinfo=UTC))
        # 22:30 UTC on the 24th is still the 24th there: this month, not today.
        add_order("shipped", 5000, datetime(2026, 11, 24, 22, 30, tzinfo=UTC))
        add_order("processing", 700, datetime(2026, 11, 1, 0, 0, tzinfo=UTC))
        add_order("paid", 123400, datetime(2026, 10, 31, 12, 0, tzinfo=UTC))  # last month
        db.session.commit()
        figures = reports.dashboard(now, ZONE)
    assert (figures.today.orders, figures.today.revenue_cents) == (3, 12650)
    assert (figures.month.orders, figures.month.revenue_cents) == (5, 18350)
    days = dict(figures.days)
    assert len(figures.days) == 30 and figures.days[-1][0] == date(2026, 11, 25)
    assert days[date(2026, 11, 25)] == 12650 and days[date(2026, 11, 24)] == 5000
    assert days[date(2026, 10, 31)] == 123400 and date(2026, 10, 26) not in days
    assert dict(figures.waiting)["paid"] == 2 and dict(figures.waiting)["processing"] == 1


def test_low_stock_lists_active_products_lowest_first(app, make_product, now):
    make_product(name_sq="Karrige", stock=0)
    make_product(name_sq="Tavolinë", stock=3)
    make_product(name_sq="Divan", stock=50)
    make_product(name_sq="Fshehur", stock=1, active=False)
    with app.app_context():
        names = [p.name_sq for p in reports.dashboard(now, ZONE).low_stock]
    assert names == ["Karrige", "Tavolinë"]


def test_chart_geometry():
    days = [(date(2026, 11, 1) + timedelta(days=n), n * 1000) for n in range(30)]
    drawn = chart.bar_chart(days)
    assert len(drawn.bars) == 30 and drawn.best.cents == 29000 and drawn.total == 435000
    tallest = drawn.bars[-1]
    assert tallest.y >= drawn.top and tallest.y + tallest.height == drawn.bottom
    assert [t.cents for t in drawn.ticks] == [0, 10000, 20000, 30000, 40000]
    assert drawn.bars[-1].labelled and drawn.bars[-6].labelled and not drawn.bars[-2].labelled
    assert chart.nice_step(0) == 100 and chart.nice_step(123456) == 50000
    empty = chart.bar_chart([(date(2026, 11, 1), 0)])
    assert empty.best is None and empty.bars[0].height == 0


def test_dashboard_page_in_albanian(app, client, admin, make_product):
    make_product(name_sq="Karrige druri", stock=2)
    with app.app_context():
        add_order("paid", 45000, datetime.now(UTC) - timedelta(minutes=5))
        db.session.commit()
    page = client.get("/admin/").get_data(as_text=True)
    assert "Paneli" in page and "Karrige druri" in page
    assert "450,00\xa0€" in page
    svg = re.search(r"<svg class=\"chart\".*?</svg>", page, re.S).group(0)
    assert svg.count("<rect class=\"bar\"") == 30
    assert 'role="img"' in svg and "<title" in svg
    # Albanian month abbreviations under the axis and in the table.
    assert re.search(r"\b(jan|shk|mar|pri|maj|qer|korr|gush|sht|tet|nën|dhj)\b", svg)
    assert "/admin/orders?status=paid" in page


def test_dashboard_query_count_is_fixed(app, client, admin, make_product, count_queries):
    for n in range(12):
        make_product(stock=n % 3)
    with app.app_context():
        for n in range(20):
            add_order("paid", 1000, datetime.now(UTC) - timedelta(days=n))
        db.session.commit()
    client.get("/admin/")
    with count_queries() as queries:
        assert client.get("/admin/").status_code == 200
    # The admin, 4 figures, the double charges, the outbox counts, the returns waiting and
    # the orders not marked delivered (tests/test_dashboard_overdue.py).
    assert len(queries) <= 9, queries


def record(app, action, subject_type="product", subject_id=1, detail="", email="a@x.test",
           at=None):
    with app.app_context():
        event = audit.record(audit.Actor(None, email, "192.0.2.9"), action, subject_type,
                             subject_id, detail)
        if at:
            event.at = at
        db.session.commit()


def test_audit_page_lists_and_filters(app, client, admin):
    record(app, "product.price", detail="12,00 € → 10,00 €", email="besa@x.test")
    record(app, "order.status", "order", "LM-2026-000001", "paid → processing")
    record(app, "customer.view", "user", 7, at=datetime(2026, 1, 2, 12, tzinfo=UTC))
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Çmimi u ndryshua" in page and "192.0.2.9" in page and "besa@x.test" in page
    filtered = client.get("/admin/audit?action=order.status").get_data(as_text=True)
    assert "paid → processing" in filtered and "besa@x.test" not in filtered
    assert "besa@x.test" in client.get("/admin/audit?actor=BESA").get_data(as_text=True)
    old = client.get("/admin/audit?until=2026-01-02").get_data(as_text=True)
    assert "192.0.2.9" in old and "12,00 €" not in old
    assert "Nuk ka" in client.get("/admin/audit?subject_type=policy").get_data(as_text=True)
    # Each record links to its page.
    assert 'href="/admin/orders/LM-2026-000001"' in page and 'href="/admin/customers/7"' in page
    assert 'href="/admin/products/1/edit"' in page


@pytest.mark.parametrize("query", ["since=abc", "until=2026-13-45", "since=%00",
                                   "until=9999-12-31", "since=0001-01-01"])
def test_bad_audit_dates_are_a_400_with_a_message(client, admin, query):
    response = client.get(f"/admin/audit?{query}")
    assert response.status_code == 400
    assert "Shkruani një datë" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["action=<script>", "subject_type=x'--", "page=-5",
                                   "page=abc", "actor=" + "a" * 5000, "subject_id=%00"])
def test_odd_audit_filters_are_ignored(client, admin, query):
    response = client.get(f"/admin/audit?{query}")
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True)


def test_audit_pages(app, client, admin):
    with app.app_context():
        for n in range(audit.PAGE_SIZE + 3):
            audit.record(audit.Actor(None, "a@x.test", None), "product.stock", "product",
                         n, f"stock {n}")
        db.session.commit()
        assert db.session.query(AuditEvent).count() >= audit.PAGE_SIZE + 3
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert "stock 0<" in second and "stock 52<" not in second

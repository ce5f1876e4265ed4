"""Admin orders: the filtered list and one order's record (audited, payment events masked)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from lesnamax.extensions import db
from lesnamax.orders.models import Order
from lesnamax.payments.models import PaymentAttempt, PaymentEvent

from . import admin_orders_support as support
from . import test_payments
from .admin_orders_support import audit, tr

# Fixtures shared with the other admin order tests.
card_order = support.card_order
make_order = support.make_order


def test_list_newest_first_with_totals(client, admin, make_order):
    old = make_order(created_at=datetime.now(UTC) - timedelta(days=3), first_name="Blerim")
    new = make_order(first_name="Drita")
    html = client.get("/admin/orders").text
    assert html.index(new.number) < html.index(old.number)
    assert "102,30\xa0€" in html  # 2 × 49,90 + 2,50 delivery, formatted for sq
    assert 'aria-current="page">Porositë' in html


@pytest.mark.parametrize(("query", "found", "hidden"), [
    ("status=paid", "card", "cash"),
    ("payment=card", "card", "cash"),
    ("q=ilir", "card", "cash"),
    ("q=ILIR%40example", "card", "cash"),
    ("q=Drita+Hoxha", "card", "cash"),
])
def test_list_filters(client, admin, make_order, query, found, hidden):
    orders = {
        "card": make_order(status="paid", payment="card", email="ilir@example.test",
                           first_name="Drita", last_name="Hoxha"),
        "cash": make_order(),
    }
    html = client.get(f"/admin/orders?{query}").text
    assert orders[found].number in html and orders[hidden].number not in html


def test_looking_at_the_list_is_audited_without_the_search_words(app, client, admin,
                                                                   make_order):
    make_order()
    client.get("/admin/orders?status=paid&q=arta%40example.test")
    [event] = audit(app, "order.view")
    assert (event.subject_type, event.subject_id, event.actor_email) == (
        "order", None, admin.email)
    # Data, not English prose: the audit page is read in Albanian.
    assert event.detail == "status=paid page=1 q=…" and "arta" not in event.detail


def test_the_list_audit_detail_names_the_dates_as_data(app, client, admin, make_order):
    client.get("/admin/orders?since=2026-03-01&until=01.04.2026&page=1")
    [event] = audit(app, "order.view")
    assert event.detail == "since=2026-03-01 until=2026-04-01 page=1"


def test_list_search_by_number(client, admin, make_order):
    first, second = make_order(), make_order()
    html = client.get(f"/admin/orders?q={second.number}").text
    assert second.number in html and first.number not in html


def test_list_dates_are_the_shops_days(client, admin, make_order):
    # 23:30 UTC on 1 March is already 2 March in Prishtinë (UTC+1).
    late = make_order(created_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    early = make_order(created_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    html = client.get("/admin/orders?since=2026-03-02&until=2026-03-02").text
    assert late.number in html and early.number not in html
    html = client.get("/admin/orders?since=01.03.2026&until=01.03.2026").text
    assert early.number in html and late.number not in html
    # From and to the wrong way round are swapped, not refused.
    html = client.get("/admin/orders?since=2026-03-02&until=2026-03-01").text
    assert early.number in html and late.number in html


@pytest.mark.parametrize(("query", "reported"), [
    ("since=abc", True), ("until=2026-13-45", True), ("since=%00", True), ("status=nope", True),
    ("payment=bitcoin", True), ("page=-1", True), ("page=abc", True),
    ("page=99999999999", True), ("q=" + "x" * 300, True), ("q=%00%01", False),
    # Days far outside the shop's years once overflowed into a 500.
    ("until=9999-12-31", True), ("until=31.12.9999", True), ("since=0001-01-01", True),
    ("since=01.01.0001", True), ("since=9999-12-31", True), ("until=0001-01-01", True),
    ("since=1999-12-31", True), ("until=2101-01-01", True),
    ("since=2000-01-01&until=2100-12-31", False),
    ("q=%3Cscript%3Ealert(1)%3C/script%3E", False), ("q=100%25_", False),
])
def test_bad_filters_never_fail(app, client, admin, make_order, query, reported):
    order = make_order()
    response = client.get(f"/admin/orders?{query}")
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    notice = tr(app, "These filters were not understood and were ignored: %(names)s.",
                names="").rstrip(".")
    assert (notice in response.text) is reported
    if not query.startswith("q="):
        assert order.number in response.text  # the bad filter was dropped, not applied
    elif "script" in query:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text  # kept, escaped


def test_an_out_of_range_day_is_named_and_the_other_day_still_applies(app, client, admin,
                                                                     make_order):
    early = make_order(created_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    late = make_order(created_at=datetime(2026, 3, 20, 12, 0, tzinfo=UTC))
    # "From" is absurd and later than "To": it is dropped, not swapped into "To".
    response = client.get("/admin/orders?since=9999-12-31&until=2026-03-10")
    assert response.status_code == 200
    html = response.text
    assert early.number in html and late.number not in html
    assert tr(app, "These filters were not understood and were ignored: %(names)s.",
              names=tr(app, "From")) in html
    assert 'name="since" type="date" value=""' in html
    assert 'name="until" type="date" value="2026-03-10"' in html


def test_the_search_service_ignores_days_it_cannot_use(app, make_order):
    from datetime import date

    from lesnamax.audit import Actor
    from lesnamax.orders import manage as manage_orders

    order = make_order()
    with app.test_request_context():
        found = manage_orders.search(manage_orders.OrderFilter(since=date.min, until=date.max),
                                     Actor(None, "owner@example.test", None))
        assert [o.number for o in found.items] == [order.number]


def test_list_pages(client, admin, make_order, monkeypatch):
    from lesnamax.orders import manage as manage_orders

    monkeypatch.setattr(manage_orders, "PER_PAGE", 2)
    made = [make_order() for _ in range(5)]
    first = client.get("/admin/orders").text
    assert made[4].number in first and made[2].number not in first
    last = client.get("/admin/orders?page=3&payment=cash").text
    assert made[0].number in last and made[4].number not in last
    assert "payment=cash" in client.get("/admin/orders?payment=cash").text  # links keep filters
    # A page past the end shows the last one.
    assert made[0].number in client.get("/admin/orders?page=50").text


def test_list_query_count_does_not_grow_with_rows(app, client, admin, make_order,
                                                  count_queries):
    make_order()
    with count_queries() as few:
        client.get("/admin/orders")
    for _ in range(8):
        make_order()
    with count_queries() as many:
        client.get("/admin/orders")
    assert len(many) == len(few)


# One order

def test_order_page_shows_the_record_and_is_audited(app, client, admin, make_order):
    order = make_order(status="paid", payment="card", quantity=3)
    response = client.get(f"/admin/orders/{order.number}")
    html = response.text
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    for text in ("Produkt 1", "SKU-00001", "49,90\xa0€", "149,70\xa0€", "2,50\xa0€",
                 "152,20\xa0€", "Arta Krasniqi", "arta@example.test", "044 123 456",
                 "Rr. Bill Clinton 33", "Prishtinë", "10000", "Dërgesë në adresën tuaj",
                 "192.0.2.7", "E paguar"):
        assert text in html, text
    events = audit(app, "order.view")
    assert [(e.subject_type, e.subject_id, e.actor_email) for e in events] == [
        ("order", order.number, admin.email)]


def test_only_allowed_transitions_are_offered(client, admin, make_order):
    html = client.get(f"/admin/orders/{make_order(status='paid').number}").text
    form = html.split('class="admin-form status-form"', 1)[1].split("</form>", 1)[0]
    assert 'value="processing"' in form and 'value="cancelled"' in form
    for other in ("shipped", "delivered", "awaiting_payment", "payment_review"):
        assert f'value="{other}"' not in form
    assert "Në përpunim" in form and "Anuluar" in form
    assert "selected" not in form  # nothing preselected: the admin must choose
    assert "checked" in form.split('name="notify"', 1)[0].rsplit("<input", 1)[1]
    assert 'name="csrf_token"' in form and 'name="current" type="hidden" value="paid"' in form


def test_final_status_offers_no_form(app, client, admin, make_order):
    html = client.get(f"/admin/orders/{make_order(status='cancelled').number}").text
    assert "<form class=\"admin-form status-form\"" not in html
    assert tr(app, "This order's status is final; it cannot be changed any more.") in html


@pytest.mark.parametrize("number", ["LM-2026-999999", "x", "LM-2026-000001%00", "<script>"])
def test_unknown_orders_are_404(client, admin, number):
    assert client.get(f"/admin/orders/{number}").status_code == 404
    assert client.post(f"/admin/orders/{number}/status",
                       data={"current": "paid", "status": "processing"}).status_code == 404


def test_payment_events_are_shown_masked(app, client, card_order, make_admin, login):
    data = test_payments.reply(card_order["fields"], maskedCreditCard="4355081234564358",
                               extra_note="card 4111 1111 1111 1111")
    client.post("/payment/nestpay/ok", data=data)
    client.post("/account/logout")
    login(make_admin(email="shefi@example.test"))
    with app.app_context():
        number = db.session.scalar(select(Order.number))
    html = client.get(f"/admin/orders/{number}").text
    assert "435508******4358" in html and "411111******1111" in html
    assert "4355081234564358" not in html and "4111 1111 1111 1111" not in html
    assert data["HASH"] not in html and "HASH" not in html and "TEST1234" not in html
    assert "25123ABCD0001" in html and "654321" in html
    assert tr(app, "valid") in html and tr(app, "browser, approved page") in html


def test_old_unsanitised_fields_are_masked_on_the_page(app, client, admin, make_order):
    order = make_order(status="paid", payment="card")
    with app.app_context():
        attempt = PaymentAttempt(order_id=order.id, oid="OID-1", amount_cents=10230, rnd="r")
        db.session.add(attempt)
        db.session.flush()
        db.session.add(PaymentEvent(attempt_id=attempt.id, oid="OID-1", channel="callback",
                                    hash_valid=False, outcome="rejected",
                                    fields={"pan": "4111111111111111", "HASH": "c2VjcmV0",
                                            "cv2": "123", "ErrMsg": "<b>x</b>"}))
        db.session.commit()
    html = client.get(f"/admin/orders/{order.number}").text
    assert "4111111111111111" not in html and "c2VjcmV0" not in html
    assert "411111******1111" in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "OID-1" in html and tr(app, "invalid") in html and tr(app, "bank callback") in html

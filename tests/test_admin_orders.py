"""Admin orders: the filtered list, one order's record, status changes with stock, audit, e-mail."""

from __future__ import annotations

import email
import email.policy
import re
import threading
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from lesnamax.admin.models import AuditEvent
from lesnamax.catalogue.models import Product
from lesnamax.extensions import db
from lesnamax.orders.models import HOLDS_STOCK, Order, OrderLine
from lesnamax.orders.services import order_number
from lesnamax.payments.models import PaymentAttempt, PaymentEvent

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

    from lesnamax.admin.auditing import Actor
    from lesnamax.orders import admin as order_admin

    order = make_order()
    with app.test_request_context():
        found = order_admin.search(order_admin.OrderFilter(since=date.min, until=date.max),
                                   Actor(None, "owner@example.test", None))
        assert [o.number for o in found.items] == [order.number]


def test_list_pages(client, admin, make_order, monkeypatch):
    from lesnamax.orders import admin as order_admin

    monkeypatch.setattr(order_admin, "PER_PAGE", 2)
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


# Changing the status

def test_each_step_of_the_pipeline(app, client, admin, make_order, outbox):
    order = make_order(status="paid", payment="card")
    for old, new in (("paid", "processing"), ("processing", "shipped"),
                     ("shipped", "delivered")):
        response = move(client, order, old, new, notify="")
        assert response.status_code == 303
        assert response.headers["Location"] == f"/admin/orders/{order.number}"
        assert state(app, order) == (new, 8)  # stock stays taken all the way
    assert [e.detail for e in audit(app, "order.status")] == [
        "paid → processing", "processing → shipped", "shipped → delivered"]
    assert outbox() == []


def test_cancel_returns_the_stock(app, client, admin, make_order, outbox):
    order = make_order(status="processing", quantity=3)
    assert state(app, order) == ("processing", 7)
    response = move(client, order, "processing", "cancelled")
    assert response.status_code == 303
    assert state(app, order) == ("cancelled", 10)
    page = client.get(response.headers["Location"]).text
    assert tr(app, "Status changed to “%(status)s”. The customer was e-mailed.",
              status="Anuluar") in page
    event = audit(app, "order.status")[0]
    assert (event.subject_id, event.detail, event.actor_email) == (
        order.number, "processing → cancelled", admin.email)


def test_cash_order_from_checkout_cancelled(app, client, make_product, make_user, login,
                                            make_admin, outbox):
    from .test_checkout import go_to_review, key_of

    chair = make_product(name_sq="Karrige lisi", price_cents=4990, stock=5)
    login(make_user())
    client.post("/cart/add", data={"product_id": chair.id, "quantity": "2"})
    placed = client.post("/checkout/place",
                         data={"idempotency_key": key_of(go_to_review(client).text)})
    number = placed.headers["Location"].rsplit("/", 1)[1]
    client.post("/account/logout")
    login(make_admin(email="shefi@example.test"))
    with app.app_context():
        assert db.session.get(Product, chair.id).stock == 3
    response = client.post(f"/admin/orders/{number}/status",
                           data={"current": "cash_on_delivery", "status": "cancelled"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Product, chair.id).stock == 5
    assert len(outbox()) == 1  # the confirmation only: the box was not ticked


def test_back_into_stock_when_stock_is_gone(app, client, admin, make_order, make_product):
    product = make_product(name_sq="Divan", stock=1)
    order = make_order(status="payment_failed", payment="card", product=product, quantity=2)
    response = move(client, order, "payment_failed", "paid")
    assert response.status_code == 409
    assert tr(app, "Not enough stock of “%(name)s” (%(num)d left), so the order cannot take "
              "it back. Nothing was changed.", name="Divan", num=1) in response.text
    assert state(app, order) == ("payment_failed", 1)
    assert audit(app, "order.status") == []


def test_back_into_stock_when_there_is_enough(app, client, admin, make_order):
    order = make_order(status="payment_failed", payment="card", quantity=2)
    assert move(client, order, "payment_failed", "paid").status_code == 303
    assert state(app, order) == ("paid", 8)


def test_transition_not_in_the_table(app, client, admin, make_order):
    order = make_order(status="paid")
    response = move(client, order, "paid", "delivered")
    assert response.status_code == 409
    assert tr(app, "This change of status is not allowed.") in response.text
    assert state(app, order) == ("paid", 8)
    assert audit(app, "order.status") == []


def test_stale_form_gets_409_and_the_current_state(app, client, admin, make_order):
    order = make_order(status="paid")
    assert move(client, order, "paid", "processing").status_code == 303
    response = move(client, order, "paid", "cancelled", note="Shënim i mbajtur")
    assert response.status_code == 409
    assert tr(app, "Someone changed this order meanwhile: it is now “%(status)s”. Check it "
              "and choose again.", status="Në përpunim") in response.text
    assert "Shënim i mbajtur" in response.text  # what was typed is kept
    assert 'name="current" type="hidden" value="processing"' in response.text
    assert state(app, order) == ("processing", 8)


def test_repeated_submit_changes_and_mails_once(app, client, admin, make_order, outbox):
    order = make_order(status="paid")
    assert move(client, order, "paid", "processing").status_code == 303
    again = move(client, order, "paid", "processing")
    assert again.status_code == 303
    assert tr(app, "The order is already in this status; nothing was changed.") in client.get(
        again.headers["Location"]).text
    assert len(outbox()) == 1 and len(audit(app, "order.status")) == 1


def test_two_admins_at_once_apply_once(app, make_order, make_admin, outbox):
    order = make_order(status="processing", quantity=3)
    clients = []
    for n in range(2):
        user = make_admin(email=f"admin{n}@example.test")
        c = app.test_client()
        c.post("/account/login", data={"email": user.email, "password": user.password})
        clients.append(c)
    barrier = threading.Barrier(2)
    results = [None, None]

    def go(i):
        barrier.wait()
        results[i] = move(clients[i], order, "processing", "cancelled")

    threads = [threading.Thread(target=go, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [r.status_code for r in results] == [303, 303]
    assert state(app, order) == ("cancelled", 10)  # the stock came back once, not twice
    assert len(audit(app, "order.status")) == 1 and len(outbox()) == 1


def test_status_email_in_the_orders_language(app, client, admin, make_order, outbox):
    sq = make_order(status="paid")
    en = make_order(status="paid", language="en", email="john@example.test", first_name="John")
    move(client, sq, "paid", "processing", note="Dërgesa vjen të martën.")
    move(client, en, "paid", "processing")
    first, second = sorted(outbox(), key=lambda m: m["To"] != "arta@example.test")
    assert first["To"] == "arta@example.test"
    assert first["Subject"] == tr(app, "Your order %(number)s: %(status)s", number=sq.number,
                                  status="Në përpunim")
    body = first.get_content()
    assert "Përshëndetje Arta" in body and "Në përpunim" in body and "Processing" not in body
    assert "Dërgesa vjen të martën." in body
    assert f"http://shop.test/orders/{sq.number}" in body
    assert second["To"] == "john@example.test"
    assert second["Subject"] == f"Your order {en.number}: Processing"
    assert f"http://shop.test/orders/{en.number}" in second.get_content()


def test_no_email_when_unticked_or_erased(app, client, admin, make_order, outbox):
    quiet = make_order(status="paid")
    erased = make_order(status="paid", email="", first_name="", last_name="", phone="",
                        street="", ip=None)
    response = move(client, quiet, "paid", "processing", notify="")
    assert tr(app, "Status changed to “%(status)s”. No e-mail was sent.",
              status="Në përpunim") in client.get(response.headers["Location"]).text
    move(client, erased, "paid", "processing")
    assert outbox() == []
    assert state(app, erased)[0] == "processing"
    assert tr(app, "The customer's personal data was erased at their request.") in client.get(
        f"/admin/orders/{erased.number}").text


def test_mail_failure_keeps_the_change_and_says_so(app, client, admin, make_order):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nobody listens there
    order = make_order(status="paid")
    response = move(client, order, "paid", "processing")
    assert response.status_code == 303
    assert tr(app, "Status changed to “%(status)s”, but the e-mail could not be sent.",
              status="Në përpunim") in client.get(response.headers["Location"]).text
    assert state(app, order)[0] == "processing"


@pytest.mark.parametrize(("data", "message"), [
    ({"status": "<script>alert(1)</script>"}, "Choose a status from the list."),
    ({"status": ""}, "This field is required."),
    ({"current": "nope"}, "Choose a status from the list."),
    ({"current": ""}, "This field is required."),
    ({"note": "a\x00b"}, "This field contains invisible or control characters."),
    ({"note": "x" * 1001}, "This field is too long."),
])
def test_hostile_form_input(app, client, admin, make_order, data, message):
    order = make_order(status="paid")
    response = move(client, order, **{"current": "paid", "new": "processing", **data})
    assert response.status_code == 422
    assert tr(app, message) in response.text and "<script>alert" not in response.text
    assert state(app, order) == ("paid", 8) and audit(app, "order.status") == []


def test_htmx_change_answers_with_the_status_section(app, hx, admin, make_order, outbox):
    order = make_order(status="paid")
    response = move(hx, order, "paid", "processing")
    assert response.status_code == 200 and "<html" not in response.text
    assert 'id="order-status"' in response.text
    assert tr(app, "Status changed to “%(status)s”. The customer was e-mailed.",
              status="Në përpunim") in response.text
    assert 'name="current" type="hidden" value="processing"' in response.text
    assert 'value="shipped"' in response.text
    stale = move(hx, order, "paid", "cancelled")
    assert stale.status_code == 409 and 'id="order-status"' in stale.text
    assert "<html" not in stale.text and "Në përpunim" in stale.text
    bad = move(hx, order, "processing", "<b>")
    assert bad.status_code == 422 and "<html" not in bad.text


def test_with_csrf_on_the_page_token_is_accepted(app, client, hx, admin, make_order):
    app.config["WTF_CSRF_ENABLED"] = True
    order = make_order(status="paid")
    html = client.get(f"/admin/orders/{order.number}").text
    form = html.split('class="admin-form status-form"', 1)[1]
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    header = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', html).group(1)
    assert move(client, order, "paid", "processing", notify="").status_code == 400
    assert state(app, order)[0] == "paid"
    response = move(client, order, "paid", "processing", notify="", csrf_token=token)
    assert response.status_code == 303 and state(app, order)[0] == "processing"
    response = hx.post(f"/admin/orders/{order.number}/status", headers={"X-CSRFToken": header},
                       data={"current": "processing", "status": "shipped"})
    assert response.status_code == 200 and state(app, order)[0] == "shipped"

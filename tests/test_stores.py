"""Stores: the public /stores page in both languages, the owner's store pages (audited, the page
cache renewed), and picking up an order at a chosen store, named on the order pages and in the
confirmation e-mail."""

from __future__ import annotations

import re
import subprocess

from sqlalchemy import select

from lesnamax.audit import AuditEvent
from lesnamax.extensions import db
from lesnamax.invoices import issuing
from lesnamax.orders.models import Order
from lesnamax.shopsettings import Store

from .account_support import html_of, outbox_messages, text_of
from .test_checkout import choose_day, place_form

NEW_STORE = {"name": "LESNA MAX Prizren", "address_sq": "Rruga e Shkronjave 5, Prizren",
             "address_en": "5 Shkronjave Street, Prizren", "hours_sq": "E hënë – e shtunë: 9–19",
             "hours_en": "Monday – Saturday: 9–19", "phone": "029 222 333",
             "latitude": "42.2139", "longitude": "20.7397", "position": "1", "active": "y"}


def test_stores_page_in_albanian_and_english(client):
    sq = client.get("/stores")
    assert sq.status_code == 200
    assert "Magjistralja Prishtinë – Fushë Kosovë" in sq.text
    assert "E hënë – e premte: 08:00–20:00" in sq.text
    assert 'href="tel:+38344779977"' in sq.text
    assert "https://www.openstreetmap.org/?mlat=42.6497&amp;mlon=21.129" in sq.text
    assert 'href="geo:42.6497,21.129"' in sq.text
    # Nothing is loaded from another origin: no scripts, frames or pictures of maps.
    assert not re.search(r'<(script|iframe|img)[^>]+(src)="https?://', sq.text)
    en = client.get("/stores?lang=en")
    assert "Prishtinë – Fushë Kosovë highway" in en.text and "Opening hours" in en.text
    assert 'href="/stores"' in client.get("/").text  # the footer links it


def test_owner_adds_edits_and_hides_a_store(app, client, admin):
    client.get("/stores")  # kept by the page cache until a store changes
    assert client.post("/admin/settings/stores/new", data=NEW_STORE).status_code == 303
    assert "LESNA MAX Prizren" in client.get("/stores").text
    with app.app_context():
        store = db.session.scalars(select(Store).where(Store.name == NEW_STORE["name"])).one()
        store_id = store.id
    edit = client.get(f"/admin/settings/stores/{store_id}").text
    assert 'value="029 222 333"' in edit and 'value="42.2139"' in edit
    hidden = {k: v for k, v in NEW_STORE.items() if k != "active"}
    assert client.post(f"/admin/settings/stores/{store_id}", data=hidden).status_code == 303
    assert "LESNA MAX Prizren" not in client.get("/stores").text
    assert "LESNA MAX Prizren" in client.get("/admin/settings/stores").text
    with app.app_context():
        actions = [e.action for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.subject_type == "store"))]
        detail = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "store.update")).one().detail
    assert actions == ["store.create", "store.update"] and "active: True → False" in detail


def test_bad_store_input_is_422_and_unknown_store_404(client, admin):
    client.set_cookie("lang", "en")
    bad = {**NEW_STORE, "latitude": "420", "phone": "1"}
    response = client.post("/admin/settings/stores/new", data=bad)
    assert response.status_code == 422
    assert "Write a number from -90 to 90" in response.text
    assert 'value="LESNA MAX Prizren"' in response.text
    assert client.get("/admin/settings/stores/999").status_code == 404
    assert client.post("/admin/settings/stores/999", data=NEW_STORE).status_code == 404


def pickup_review(client, store_id: int | None):
    data = {"first_name": "Arta", "last_name": "Krasniqi", "phone": "044 123 456",
            "street": "Rr. Bill Clinton, Nr. 33", "municipality": "peje", "postal_code": ""}
    assert client.post("/checkout/address", data=data).status_code == 303
    choice = {"method": "pickup"} | ({"store": str(store_id)} if store_id else {})
    response = client.post("/checkout/delivery", data=choice)
    if response.status_code != 303:
        return response
    choose_day(client)
    assert client.post("/checkout/payment", data={"method": "cash"}).status_code == 303
    return client.get("/checkout/review")


def test_pickup_order_names_its_store_everywhere(app, client, admin, make_product):
    client.set_cookie("lang", "en")
    client.post("/admin/settings/stores/new", data=NEW_STORE)
    with app.app_context():
        prizren = db.session.scalars(select(Store).where(Store.name == NEW_STORE["name"])).one()
        prizren_id = prizren.id
    lamp = make_product(name_en="Lamp", price_cents=2000, stock=5)
    client.post("/cart/add", data={"product_id": lamp.id})
    # Two stores: one must be chosen.
    refused = pickup_review(client, None)
    assert refused.status_code == 422
    assert "Choose the store where you will pick up the order." in refused.text
    review = pickup_review(client, prizren_id)
    assert "5 Shkronjave Street, Prizren" in review.text
    placed = client.post("/checkout/place", data=place_form(review.text))
    assert placed.status_code == 303
    with app.app_context():
        order = db.session.scalars(select(Order)).one()
        assert (order.pickup_store_id, order.pickup_store_name) == (prizren_id,
                                                                    "LESNA MAX Prizren")
        assert order.delivery_cents == 0
        number = order.number
    page = client.get(f"/orders/{number}").text
    assert "LESNA MAX Prizren" in page and "Monday – Saturday: 9–19" in page
    admin_page = client.get(f"/admin/orders/{number}").text
    assert "LESNA MAX Prizren" in admin_page and "Pickup store" in admin_page
    [mail] = [m for m in outbox_messages(app.config["MAIL_OUTBOX"]) if number in m["Subject"]]
    assert "Pickup store: LESNA MAX Prizren, 5 Shkronjave Street, Prizren" in text_of(mail)
    assert "LESNA MAX Prizren" in html_of(mail)
    # Delivered (picked up): the invoice names the store too.
    with app.app_context():
        db.session.scalars(select(Order)).one().status = "delivered"
        db.session.commit()
        issuing.issue(db.session.scalars(select(Order.id)).one())
    invoice = client.get(f"/orders/{number}/invoice.pdf")
    text = subprocess.run(["pdftotext", "-", "-"], input=invoice.data, capture_output=True,
                          check=True).stdout.decode()
    assert "Pick up from the shop: LESNA MAX Prizren" in " ".join(text.split())


def test_a_store_hidden_after_the_review_sends_the_customer_back(app, client, admin,
                                                                make_product):
    client.post("/admin/settings/stores/new", data=NEW_STORE)
    with app.app_context():
        store_id = db.session.scalars(select(Store.id).where(
            Store.name == NEW_STORE["name"])).one()
    lamp = make_product(price_cents=2000, stock=5)
    client.post("/cart/add", data={"product_id": lamp.id})
    review = pickup_review(client, store_id)
    hidden = {k: v for k, v in NEW_STORE.items() if k != "active"}
    client.post(f"/admin/settings/stores/{store_id}", data=hidden)
    response = client.post("/checkout/place", data=place_form(review.text))
    assert response.status_code in (303, 409)
    assert client.get("/checkout/review").headers["Location"] == "/checkout/delivery"
    with app.app_context():
        assert db.session.scalars(select(Order)).all() == []


def test_with_one_store_pickup_needs_no_choice(app, client, admin, make_product):
    lamp = make_product(price_cents=2000, stock=5)
    client.post("/cart/add", data={"product_id": lamp.id})
    page = client.get("/checkout/delivery")
    assert page.status_code in (200, 303)
    review = pickup_review(client, None)
    assert review.status_code == 200 and "Magjistralja Prishtinë – Fushë Kosovë" in review.text
    assert client.post("/checkout/place", data=place_form(review.text)).status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Order)).one().pickup_store_name == "LESNA MAX"

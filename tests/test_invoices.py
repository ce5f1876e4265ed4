"""Invoices and credit notes: issued once at the right moment, numbered per year without gaps,
never changed, printed with the right figures, and given only to their customer."""

from __future__ import annotations

import email
import email.policy
import subprocess
import threading
import time
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from lesnamax import trader
from lesnamax.audit import Actor, AuditEvent
from lesnamax.extensions import db
from lesnamax.invoices import issuing, manage
from lesnamax.invoices.models import CreditNote, FiscalReceipt, Immutable, Invoice
from lesnamax.orders.models import Order
from lesnamax.payments import manage as money

from . import admin_orders_support, ledger_support, test_payments
from .account_support import text_of
from .admin_orders_support import move
from .ledger_support import pay
from .test_checkout import go_to_review, place_form

card_order = test_payments.card_order
bank = ledger_support.bank
make_order = admin_orders_support.make_order
OWNER = Actor(user_id=None, email="pronari@example.test", ip="192.0.2.1")


def pdf_text(document: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=document,
                          capture_output=True, check=True).stdout.decode()


@pytest.fixture(autouse=True)
def numbered_trader(monkeypatch):
    """The trader with its numbers (the settings page fills them; today's defaults are empty)."""
    real = trader.details

    def details():
        return replace(real(), nrb="810123456", nf="600123456", vat_number="330123456")
    monkeypatch.setattr(trader, "details", details)


def invoices(app) -> list[Invoice]:
    with app.app_context():
        return list(db.session.scalars(select(Invoice).order_by(Invoice.id)))


def eml(path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


# Issued once, when the sale is complete

def test_a_card_payment_issues_one_invoice_and_its_pdf_has_the_figures(app, client,
                                                                       card_order, bank):
    pay(client, card_order, bank)
    year = datetime.now(UTC).year
    [invoice] = invoices(app)
    assert invoice.number == f"{year}-000001" and invoice.seq == 1
    with app.app_context():  # a second delivery of the news changes nothing
        assert issuing.issue(invoice.order_id).id == invoice.id
    assert len(invoices(app)) == 1
    number = _order_number(app)
    page = client.get(f"/orders/{number}")
    assert f"/orders/{number}/invoice.pdf" in page.text
    response = client.get(f"/orders/{number}/invoice.pdf?lang=sq")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == \
        f'inline; filename="lesnamax-{invoice.number}.pdf"'
    assert response.headers["Cache-Control"] == "private, no-store"
    text = pdf_text(response.data)
    # 249,90 € with VAT: 211,78 € without, 38,12 € VAT at 18 %.
    for expected in (f"Faturë {invoice.number}", "LESNA ING", "810123456", "600123456",
                     "330123456", "Arta Krasniqi", "Dyshek", "211,78", "38,12", "249,90", "18 %",
                     "Çmimi", number):
        assert expected in text, expected


def _order_number(app) -> str:
    with app.app_context():
        return db.session.scalar(select(Order.number))


def test_a_cash_order_is_invoiced_when_delivered_and_not_before(app, client, admin,
                                                                make_order):
    order = make_order(status="cash_on_delivery", payment="cash")
    for old, new in (("cash_on_delivery", "processing"), ("processing", "shipped")):
        assert move(client, order, old, new, notify="").status_code == 303
        assert invoices(app) == []
    assert client.get(f"/admin/orders/{order.number}/invoice.pdf").status_code == 404
    assert move(client, order, "shipped", "delivered", notify="").status_code == 303
    [invoice] = invoices(app)
    page = client.get(f"/admin/orders/{order.number}")
    assert f"/admin/orders/{order.number}/invoice.pdf" in page.text
    response = client.get(f"/admin/orders/{order.number}/invoice.pdf")
    assert response.status_code == 200  # the admin's pages are all "no-store"
    assert "no-store" in response.headers["Cache-Control"]
    text = pdf_text(response.data)
    # Two chairs at 49,90 € and delivery 2,50 €: the delivery is a line of its own.
    assert "102,30" in text and "15,60" in text and "86,70" in text
    listing = client.get(f"/admin/invoices?year={invoice.year}")
    assert invoice.number in listing.text and order.number in listing.text
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.detail).where(
            AuditEvent.action == "invoice.view")) == invoice.number


def test_the_invoice_prints_the_delivery_day_chosen_and_older_invoices_print_none(
        app, client, admin, make_order):
    order = make_order(status="cash_on_delivery", payment="cash")
    with app.app_context():
        db.session.get(Order, order.id).delivery_day = date(2026, 12, 9)
        db.session.commit()
    for old, new in (("cash_on_delivery", "processing"), ("processing", "shipped"),
                     ("shipped", "delivered")):
        assert move(client, order, old, new, notify="").status_code == 303
    text = pdf_text(client.get(f"/admin/orders/{order.number}/invoice.pdf").data)
    assert "Dita e dorëzimit:" in text and "09.12.2026" in text
    with app.app_context():  # an invoice issued before delivery days has no such key
        [invoice] = db.session.scalars(select(Invoice)).all()
        data = dict(invoice.data)
        del data["delivery_day"]
        db.session.execute(Invoice.__table__.update().values(data=data))
        db.session.commit()
    text = pdf_text(client.get(f"/admin/orders/{order.number}/invoice.pdf").data)
    assert "Dita e dorëzimit" not in text and order.number in text


def test_a_cancelled_cash_order_gets_no_invoice(app, client, admin, make_order):
    order = make_order(status="cash_on_delivery", payment="cash")
    assert move(client, order, "cash_on_delivery", "cancelled", notify="").status_code == 303
    assert invoices(app) == []
    with app.app_context():
        assert issuing.issue_missing(datetime.now(UTC)) == (0, 0)


def test_the_sweep_issues_what_a_receiver_missed_once(app, make_order):
    paid = make_order(status="paid", payment="card")  # written directly: no signal was sent
    make_order(status="awaiting_payment", payment="card")
    with app.app_context():
        assert issuing.issue_missing(datetime.now(UTC)) == (1, 0)
        assert issuing.issue_missing(datetime.now(UTC)) == (0, 0)
    assert [i.order_id for i in invoices(app)] == [paid.id]


# Numbers: per year, without gaps, under concurrency

def test_the_sequence_restarts_each_year_by_the_shops_calendar(app, make_order):
    orders = [make_order(status="paid", payment="card") for _ in range(4)]
    moments = [datetime(2027, 3, 1, 10, tzinfo=UTC), datetime(2027, 12, 31, 22, 30, tzinfo=UTC),
               # 00:30 on 1 January in Prishtinë is still 2027 in UTC: the shop's year counts.
               datetime(2027, 12, 31, 23, 30, tzinfo=UTC), datetime(2028, 1, 2, tzinfo=UTC)]
    with app.app_context():
        numbers = [issuing.issue(o.id, when).number for o, when in zip(orders, moments,
                                                                        strict=True)]
    assert numbers == ["2027-000001", "2027-000002", "2028-000001", "2028-000002"]


def test_fifty_orders_paid_at_once_get_fifty_consecutive_numbers(app, make_order):
    orders = [make_order(status="paid", payment="card", quantity=1) for _ in range(50)]
    start, errors = threading.Barrier(10), []

    def issue_some(chunk):
        start.wait()
        for order in chunk:
            try:
                with app.app_context():  # its own session and connection
                    issuing.issue(order.id)
                    issuing.issue(order.id)  # asked twice: still one invoice
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
    threads = [threading.Thread(target=issue_some, args=(orders[i::10],)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    found = invoices(app)
    assert len(found) == 50 and len({i.order_id for i in found}) == 50
    assert sorted(i.seq for i in found) == list(range(1, 51))
    year = found[0].year
    assert sorted(i.number for i in found) == [f"{year}-{n:06d}" for n in range(1, 51)]


def test_a_number_given_back_by_a_rollback_is_used_again(app, make_order, monkeypatch):
    first, second = make_order(status="paid", payment="card"), make_order(status="paid",
                                                                         payment="card")

    def broken(order):
        raise RuntimeError("the snapshot failed")
    with app.app_context():
        real = issuing.snapshot
        monkeypatch.setattr(issuing, "snapshot", broken)
        with pytest.raises(RuntimeError):
            issuing.issue(first.id)
        db.session.rollback()
        monkeypatch.setattr(issuing, "snapshot", real)
        assert issuing.issue(second.id).seq == 1
        assert issuing.issue(first.id).seq == 2


# Never changed

def refused() -> None:
    """The pending change of an issued document is refused, and given up."""
    with pytest.raises(Immutable):
        db.session.flush()
    db.session.rollback()


def test_an_invoice_refuses_any_change_or_deletion(app, make_order):
    order = make_order(status="paid", payment="card")
    with app.app_context():
        invoice = issuing.issue(order.id)
        invoice.total_cents = 1
        refused()
        invoice = db.session.get(Invoice, invoice.id)
        invoice.data = {**invoice.data, "customer": {}}
        refused()
        db.session.delete(db.session.get(Invoice, invoice.id))
        refused()
        assert db.session.get(Invoice, invoice.id).total_cents == 10230


def test_a_credit_note_refuses_any_change_or_deletion_too(app, make_order):
    """The shared document base (invoices/models.py) carries the refusal to every document."""
    order = make_order(status="delivered", payment="cash")
    with app.app_context():
        note = manage.credit_note(order.id, 1000, None, datetime.now(UTC), key="return:1")
        note.number = "KN-0000-000000"
        refused()
        db.session.delete(db.session.get(CreditNote, note.id))
        refused()
        assert db.session.get(CreditNote, note.id).number.startswith("KN-")
        assert CreditNote.__table__.c.keys() == ["id", "invoice_id", "key", "year", "seq",
                                                 "number", "issued_at", "total_cents",
                                                 "vat_cents", "data"]


# Only the customer's own

def test_nobody_else_gets_a_customers_invoice(app, client, card_order, bank, make_user,
                                              login):
    pay(client, card_order, bank)
    number = _order_number(app)
    [invoice] = invoices(app)
    assert client.get(f"/orders/{number}/invoice.pdf").status_code == 200
    client.post("/account/logout")
    assert client.get(f"/orders/{number}/invoice.pdf").status_code == 302  # to the login
    login(make_user(email="tjeter@example.test"))
    assert client.get(f"/orders/{number}/invoice.pdf").status_code == 404
    assert client.get("/orders/LM-2026-999999/invoice.pdf").status_code == 404
    with app.app_context():
        note_id = issuing.credit_note(invoice.order_id, 100, None, datetime.now(UTC),
                                      key="t:1").id
    assert client.get(f"/orders/{number}/credit-notes/{note_id}.pdf").status_code == 404


# Credit notes

def test_a_card_refund_issues_a_credit_note_that_references_the_invoice(app, client,
                                                                         card_order, bank):
    pay(client, card_order, bank)
    [invoice] = invoices(app)
    with app.app_context():
        order = db.session.get(Order, invoice.order_id)
        [line] = money.lines_of(order)
        result = money.refund(order, None, {line.id: 1}, OWNER, "gërvishtur")
        assert result.state == "done"
        [note] = db.session.scalars(select(CreditNote)).all()
        assert note.number == f"KN-{invoice.year}-000001" and note.invoice_id == invoice.id
        assert note.total_cents == 24990 and note.data["invoice_number"] == invoice.number
        note_id, note_number = note.id, note.number
        movement_id = result.movements[0].id
        # The sweep, or a second delivery of the news, issues nothing more.
        assert issuing.credit_for_movement(movement_id).id == note_id
        assert issuing.issue_missing(datetime.now(UTC)) == (0, 0)
    [message] = [eml(p) for p in test_payments.mails(card_order)
                 if "Notë krediti" in eml(p)["Subject"]]
    assert note_number in text_of(message) and invoice.number in text_of(message)
    [attached] = [part for part in message.iter_attachments()]
    assert attached.get_content_type() == "application/pdf"
    text = pdf_text(attached.get_content())
    for expected in (f"Notë krediti {note_number}", invoice.number, "Dyshek", "249,90",
                     "38,12", "LESNA ING"):
        assert expected in text, expected
    number = _order_number(app)
    assert f"/orders/{number}/credit-notes/{note_id}.pdf" in client.get(
        f"/orders/{number}").text
    assert client.get(f"/orders/{number}/credit-notes/{note_id}.pdf").status_code == 200


def test_a_cash_refund_credit_note_is_once_per_key_with_an_adjustment(app, make_order):
    order = make_order(status="delivered", payment="cash")
    lines = [{"name": "Karrige", "sku": "K-1", "quantity": 1, "cents": 4990}]
    with app.app_context():
        first = manage.credit_note(order.id, 5240, lines, datetime.now(UTC), key="return:7")
        again = manage.credit_note(order.id, 5240, lines, datetime.now(UTC), key="return:7")
        assert again.id == first.id and first.total_cents == 5240
        assert [line["name"] for line in first.data["lines"]] == ["Karrige", "adjustment"]
        assert manage.credit_note(order.id, 0, [], datetime.now(UTC), key="return:8") is None
        # All the money back without lines: the invoice's own lines, delivery included.
        whole = manage.credit_note(order.id, 10230, None, datetime.now(UTC), key="return:9")
        invoice = db.session.get(Invoice, whole.invoice_id)
        assert whole.data["lines"] == invoice.data["lines"] and whole.vat_cents == 1560
    assert len(invoices(app)) == 1  # issued on the way, the sale being complete


# The fiscal receipt of a cash sale

def test_the_owner_records_a_cash_sales_fiscal_receipt_without_touching_the_invoice(
        app, client, admin, make_order):
    order = make_order(status="delivered", payment="cash", user_id=admin.id)
    with app.app_context():
        invoice = issuing.issue(order.id)
        data = dict(invoice.data)
    pdf_url = f"/admin/orders/{order.number}/invoice.pdf"
    before = {lang: client.get(f"{pdf_url}?lang={lang}").data for lang in ("sq", "en")}
    customers = client.get(f"/orders/{order.number}/invoice.pdf?lang=sq").data
    url = f"/admin/orders/{order.number}/fiscal-receipt"
    refused = client.post(url, data={"receipt": "<script>"})
    assert refused.status_code == 422 and "&lt;script&gt;" in refused.text  # kept as typed
    response = client.post(url, data={"receipt": " 0012/345 "})
    assert response.status_code == 303
    assert client.post(url, data={"receipt": "0012/345"}).status_code == 303  # a double click
    with app.app_context():
        receipt = db.session.scalar(select(FiscalReceipt))
        assert receipt.number == "0012/345"
        assert db.session.get(Invoice, invoice.id).data == data
        assert [e.detail for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "invoice.receipt").order_by(AuditEvent.id))] == ["0012/345"]
    # The issued invoice's PDF is the same document, byte for byte, in both languages and for
    # the customer; the number is shown on the order pages and the invoice list instead.
    assert {lang: client.get(f"{pdf_url}?lang={lang}").data for lang in ("sq", "en")} == before
    assert client.get(f"/orders/{order.number}/invoice.pdf?lang=sq").data == customers
    assert "0012/345" not in pdf_text(before["sq"])
    assert "0012/346" not in client.get(f"/admin/invoices?year={invoice.year}").text
    assert "0012/345" in client.get(f"/admin/invoices?year={invoice.year}").text
    admin_page = client.get(f"/admin/orders/{order.number}?lang=sq").text
    assert "Kuponi fiskal nr. 0012/345" in admin_page and 'name="receipt"' not in admin_page
    customer_page = client.get(f"/orders/{order.number}?lang=en").text
    assert "Fiscal receipt no. 0012/345" in customer_page
    card = make_order(status="paid", payment="card")
    assert client.post(f"/admin/orders/{card.number}/fiscal-receipt",
                       data={"receipt": "1"}).status_code == 422


def test_a_recorded_fiscal_receipt_number_cannot_be_changed(app, client, admin, make_order):
    """Recorded once (invoices/manage.py says why): a second, different number is refused
    with a translated 409, from the page's htmx form and from a plain POST alike, and the
    number as typed comes back in the form."""
    order = make_order(status="delivered", payment="cash")
    url = f"/admin/orders/{order.number}/fiscal-receipt"
    first = client.post(url, data={"receipt": "A-1"}, headers={"HX-Request": "true"})
    assert first.status_code == 200 and "<html" not in first.text
    assert 'id="order-documents"' in first.text and "Kuponi fiskal nr. A-1" in first.text
    plain = client.post(url + "?lang=sq", data={"receipt": "A-2"})
    assert plain.status_code == 409 and "<html" in plain.text
    assert "u regjistrua më parë (A-1)" in plain.text and "“A-2” nuk u ruajt" in plain.text
    partial = client.post(url + "?lang=en", data={"receipt": "A-3"},
                          headers={"HX-Request": "true"})
    assert partial.status_code == 409 and "<html" not in partial.text
    assert "was already recorded (A-1); it cannot be changed, so “A-3” was not saved." \
        in partial.text
    with app.app_context():
        assert [r.number for r in db.session.scalars(select(FiscalReceipt))] == ["A-1"]
        with pytest.raises(manage.AlreadyRecorded):
            manage.record_receipt(order.id, "A-4", OWNER)
        assert db.session.scalar(select(FiscalReceipt)).number == "A-1"



def test_two_first_recordings_at_once_keep_one_number(app, make_order, monkeypatch):
    """The second waits for the first and is refused; never a unique-key error (a 500)."""
    order = make_order(status="delivered", payment="cash")
    start, answers = threading.Barrier(4), []
    audited = manage.audit.record

    def slow_audit(*args, **kwargs):  # each writer lingers between its read and its insert
        time.sleep(0.3)
        return audited(*args, **kwargs)
    monkeypatch.setattr(manage.audit, "record", slow_audit)

    def record(number):
        start.wait()
        try:
            with app.app_context():  # its own session and connection
                answers.append(manage.record_receipt(order.id, number, OWNER).number)
        except manage.AlreadyRecorded as refused:
            answers.append(("refused", refused.number))
    threads = [threading.Thread(target=record, args=(f"R-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        [kept] = [r.number for r in db.session.scalars(select(FiscalReceipt))]
    assert sorted(answers, key=str) == sorted([kept] + [("refused", kept)] * 3, key=str)


# A company buyer, asked at checkout

def test_a_company_buyer_is_asked_at_checkout_and_printed_on_the_invoice(
        app, client, make_product, make_user, login, admin_login=None):
    product = make_product(name_sq="Tavolinë çaji", price_cents=11800, stock=3)
    login(make_user(first_name="Ërza"))
    client.post("/cart/add", data={"product_id": product.id})
    address = {"first_name": "Ërza", "last_name": "Bytyçi", "phone": "044 123 456",
               "street": "Rr. Bill Clinton, Nr. 33", "municipality": "prishtine",
               "postal_code": "10000", "company": "y", "company_name": "Çeliku Shpk",
               "company_nrb": "81-0123", "company_address": "Rr. Nëna Terezë 5, Prishtinë"}
    refused = client.post("/checkout/address", data=address)
    assert refused.status_code == 422
    assert "Numri i biznesit ka 8 ose 9 shifra." in refused.text
    assert "Çeliku Shpk" in refused.text and "Rr. Nëna Terezë 5, Prishtinë" in refused.text
    missing = client.post("/checkout/address", data={**address, "company_nrb": ""})
    assert missing.status_code == 422
    page = go_to_review(client, **{**address, "company_nrb": "810 555 123"})
    placed = client.post("/checkout/place", data=place_form(page.text))
    number = placed.headers["Location"].rsplit("/", 1)[1]
    with app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        assert (order.company_name, order.company_nrb, order.company_address) == (
            "Çeliku Shpk", "810555123", "Rr. Nëna Terezë 5, Prishtinë")
        order.status = "delivered"
        db.session.commit()
        issuing.issue(order.id)
    assert "Çeliku Shpk" in client.get(f"/orders/{number}").text
    text = pdf_text(client.get(f"/orders/{number}/invoice.pdf").data)
    for expected in ("Çeliku Shpk", "810555123", "Rr. Nëna Terezë 5", "Ërza Bytyçi",
                     "Tavolinë", "100,00", "18,00", "118,00",
                     # The delivery is a line of its own: 2,50 € of which 0,38 € VAT.
                     "2,12", "0,38", "120,50", "18,38"):
        assert expected in text, expected


def test_unticked_company_fields_are_not_kept(app, client, make_product, make_user, login):
    product = make_product(price_cents=5000, stock=3)
    login(make_user())
    client.post("/cart/add", data={"product_id": product.id})
    page = go_to_review(client, company_name="Ish-firma", company_nrb="12")
    placed = client.post("/checkout/place", data=place_form(page.text))
    assert placed.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Order.company_name)) == ""


def test_compose_attaches_files_after_the_text_and_html(app):
    from flask_babel import force_locale

    from lesnamax import mail

    with app.app_context(), force_locale("sq_XK"):
        message = mail.compose("ana@example.test", "Provë", "register_confirm",
                               link="http://shop.test/x", name="Ana",
                               attachments=[mail.Attachment("a.pdf", b"%PDF-1.7 x")])
    assert message.get_content_type() == "multipart/mixed"
    alternative, attached = message.get_payload()
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain",
                                                                         "text/html"]
    assert attached.get_filename() == "a.pdf" and attached.get_content() == b"%PDF-1.7 x"
    assert attached.get_content_disposition() == "attachment"


def test_an_erased_customers_delivered_order_is_invoiced_before_its_contact_goes(
        app, client, make_user, make_order, admin):
    from lesnamax.account import data
    from lesnamax.account.models import User

    user = make_user()
    order = make_order(status="shipped", payment="cash", user_id=user.id)
    with app.app_context():
        data.erase(db.session.get(User, user.id), datetime.now(UTC))
    assert move(client, order, "shipped", "delivered", notify="").status_code == 303
    [invoice] = invoices(app)
    # The tax record keeps the buyer (a legal obligation outlives the erasure); the order not.
    assert invoice.data["customer"]["name"] == "Arta Krasniqi"
    with app.app_context():
        assert db.session.get(Order, order.id).first_name == ""


def test_the_invoice_list_is_by_year_and_odd_filters_fall_back(app, client, admin,
                                                               make_order):
    orders = [make_order(status="paid", payment="card") for _ in range(3)]
    with app.app_context():
        for order, year in zip(orders, (2027, 2027, 2028), strict=True):
            issuing.issue(order.id, datetime(year, 6, 1, tzinfo=UTC))
    page = client.get("/admin/invoices?year=2027")
    assert "2027-000002" in page.text and "2027-000001" in page.text
    assert "2028-000001" not in page.text
    assert page.text.index("2027-000002") < page.text.index("2027-000001")  # newest first
    for odd in ("year=abcd&page=-1", "year=1999", "page=99999", "year=²⁰²⁷"):
        assert client.get(f"/admin/invoices?{odd}").status_code == 200, odd
    assert "2028-000001" in client.get("/admin/invoices?year=2028&page=7").text

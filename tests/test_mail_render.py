"""Every e-mail as a customer gets it: text and HTML from the same data, in sq and in en.

Each message is sent through its real caller (orders.emails, account.mails) into the outbox and
read back from the .eml file, so what is checked is what a mail client receives.
"""

from __future__ import annotations

import email
import email.policy
import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask_babel import force_locale
from PIL import Image
from sqlalchemy import select

from lesnamax import mail, media, money
from lesnamax.account import mails as account_mails
from lesnamax.account import stock_alerts
from lesnamax.account.models import StockAlert, User
from lesnamax.catalogue.models import ProductImage
from lesnamax.contact import services as contact_services
from lesnamax.extensions import db
from lesnamax.invoices import issuing
from lesnamax.orders import emails as order_emails
from lesnamax.orders.models import Order, OrderLine
from lesnamax.orders.services import order_number
from lesnamax.payments import emails as payment_emails
from lesnamax.returns import emails as return_emails

from .account_support import html_of, text_of

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates" / "email"
LOCALES = {"sq": "sq_XK", "en": "en"}
HTML_LANG = {"sq": "sq-XK", "en": "en"}
NAME = "<b>Ana</b>"
SURNAME = "Gashi & Bytyçi"
NOTE = "Kamioni vjen të hënën & sjell <i>gjithçka</i>."

#: Albanian subjects (typed here: a catalogue that fell back to English would fail them).
SUBJECTS_SQ = {
    "order_confirmation": "Porosia juaj {number} në LESNA MAX",
    "order_status": "Porosia juaj {number}: Në përpunim",
    "password_reset": "Vendosni fjalëkalim të ri për LESNA MAX",
    "register_confirm": "Konfirmoni adresën e emailit për LESNA MAX",
    "register_existing": "Dikush u përpoq të regjistrohej me adresën tuaj të emailit",
    "signin_link": "Lidhja juaj për t'u kyçur në LESNA MAX",
    "payment_refund": "Rimbursim për porosinë tuaj {number}",
    "order_cancelled_refund": "Porosia juaj {number} u anulua",
    "contact_message": "Mesazh nga faqja: {name}",
    "credit_note": "Notë krediti për porosinë tuaj {number}",
    "withdrawal_received": "E morëm tërheqjen tuaj nga porosia {number}",
    "return_rejected": "Kthimi juaj për porosinë {number} nuk u pranua",
    "return_refunded": "Rimbursim për porosinë tuaj {number}",
    "back_in_stock": "Sërish në stok: Jastëk",
}
#: Mails to the shop's owner: in Albanian whatever the customer's language, no greeting.
OWNER_MAILS = frozenset({"contact_message"})
#: Mails whose words are the owner's, not the shop's: no greeting, no order; their own tests
#: read them (the newsletter: tests/test_newsletter.py).
CHECKED_ELSEWHERE = frozenset({"newsletter"})
#: English that must not be left in an Albanian e-mail (greeting, buttons, footer).
ENGLISH = ("Hello", "Thank you", "If the button", "Follow your order", "Sign in",
           "Set a new password", "Furniture and home furnishing", "highway", "Subtotal")


def test_every_text_template_has_an_html_sibling():
    texts = {p.stem for p in TEMPLATES.glob("*.txt") if not p.name.startswith("_")}
    htmls = {p.stem for p in TEMPLATES.glob("*.html") if not p.name.startswith("_")}
    assert texts and texts == htmls


class Links(HTMLParser):
    """The hrefs and image sources of an HTML part, and whether its tags balance."""

    VOID = {"meta", "br", "img", "hr", "link", "input"}

    def __init__(self):
        super().__init__()
        self.hrefs, self.images, self.open, self.lang = [], [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "a":
            self.hrefs.append(attrs.get("href"))
        if tag == "img":
            self.images.append(attrs.get("src"))
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open.pop() == tag, f"</{tag}> closes nothing"


def parsed(html: str) -> Links:
    links = Links()
    links.feed(html)
    links.close()
    assert links.open == [], f"unclosed: {links.open}"
    return links


def stored_picture(app, product_id: int) -> str:
    """Store a real picture (as an upload would) for the product; return its key."""
    with app.app_context():
        key, width, height = media.store_image(Image.new("RGB", (900, 600), "#c0392b"),
                                               media.media_dir())
        db.session.add(ProductImage(product_id=product_id, key=key, width=width,
                                    height=height, position=0))
        db.session.commit()
    return key


@pytest.fixture
def mails(app, make_product, make_user, tmp_path):
    """``mails(lang)`` sends every e-mail the shop writes to a customer of ``lang``; returns
    ``{template: (message, order)}``."""
    outbox = Path(app.config["MAIL_OUTBOX"])
    pictured = make_product(image=False, price_cents=12990, name_sq="Divan", name_en="Sofa")
    stored_picture(app, pictured.id)
    # Its picture row points at a file that is not on disk (conftest's products).
    unpictured = make_product(price_cents=2500, name_sq="Jastëk", name_en="Cushion")

    def newest(action) -> email.message.EmailMessage:
        before = set(outbox.glob("*.eml")) if outbox.exists() else set()
        action()
        db.session.commit()  # the outbox sends what a transaction wrote once it commits
        [path] = set(outbox.glob("*.eml")) - before
        return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)

    def send_all(lang: str) -> dict:
        user = make_user(first_name=NAME, last_name=SURNAME, language=lang)
        order = place(app, lang, pictured, unpictured)
        sent = {}
        with app.app_context():
            row = db.session.get(Order, order.id)
            sent["order_confirmation"] = newest(lambda: order_emails.queue_confirmation(row))
            row.status = "processing"
            with app.test_request_context():
                sent["order_status"] = newest(
                    lambda: order_emails.send_status_change(row, note=NOTE))
            refund = SimpleNamespace(amount_cents=2500, lines=[
                {"line_id": 2, "name": "Jastëk", "quantity": 1, "cents": 2500}])
            sent["payment_refund"] = newest(lambda: payment_emails.send_refund(row, refund))
            sent["order_cancelled_refund"] = newest(
                lambda: payment_emails.send_cancelled(row, 28730))
            # Issues the order's invoice first, then the note, its PDF attached.
            sent["credit_note"] = newest(lambda: issuing.credit_note(
                row.id, 2500, refund.lines, datetime.now(UTC), key=f"test:{lang}"))
            # A return's three messages: the withdrawal's acknowledgement, a rejection, a
            # cash refund (customer's and owner's words escaped like the rest).
            ret = SimpleNamespace(requested_at=datetime(2026, 12, 6, 21, 5, tzinfo=UTC),
                                  reason=NOTE, reject_reason=NOTE, refund_cents=2500)
            named = [(line, 1) for line in db.session.scalars(
                select(OrderLine).where(OrderLine.order_id == row.id).order_by(OrderLine.id))]
            sent["withdrawal_received"] = newest(
                lambda: return_emails.acknowledge(row, ret, named))
            sent["return_rejected"] = newest(lambda: return_emails.rejected(row, ret, named))
            sent["return_refunded"] = newest(lambda: return_emails.cash_refunded(row, ret, named))
            customer = db.session.get(User, user.id)
            with app.test_request_context():
                sent["password_reset"] = newest(lambda: account_mails.password_reset(customer))
                sent["signin_link"] = newest(lambda: account_mails.signin_link(customer))
                sent["register_existing"] = newest(
                    lambda: account_mails.registration_warning(customer))
            # The registration link is written in the page's language (the account's to be).
            with app.test_request_context(f"/account/register?lang={lang}"):
                sent["register_confirm"] = newest(lambda: account_mails.registration_link(
                    "ana@example.test", NAME, "s3cret"))
            # A visitor's message to the shop (written and committed by the service itself).
            with app.test_request_context(f"/contact?lang={lang}"):
                sent["contact_message"] = newest(lambda: contact_services.receive(
                    {"name": NAME, "email": "", "phone": "+38344123456", "message": NOTE},
                    lang))
            # A customer's back-in-stock request, its product back in stock (the job writes it).
            sent["back_in_stock"] = newest(lambda: back_in_stock(user, lang, unpictured))
        return {name: (message, order) for name, message in sent.items()}

    return send_all


def back_in_stock(user, lang, product) -> None:
    now = datetime.now(UTC)
    db.session.add(StockAlert(product_id=product.id, user_id=user.id, email=user.email,
                              language=lang, created_at=now, expires_at=now + timedelta(days=90)))
    db.session.commit()
    assert stock_alerts.notify_due(now) == 1


def place(app, lang, pictured, unpictured):
    """An order of three lines: with a picture, with a missing picture, of a deleted product."""
    lines = [(pictured, 2, "Divan"), (unpictured, 1, "Jastëk"), (None, 1, "Tavolinë & karrige")]
    rows = []
    for product, quantity, name in lines:
        unit = product.price_cents if product else 8000
        rows.append(OrderLine(
            product_id=product.id if product else None, name=name,
            sku=product.sku if product else "SKU-GONE", unit_price_cents=unit,
            quantity=quantity, line_total_cents=unit * quantity))
    subtotal = sum(row.line_total_cents for row in rows)
    with app.app_context():
        order = Order(
            status="cash_on_delivery", payment_method="cash", idempotency_key=uuid.uuid4().hex,
            email=f"ana-{lang}@example.test", first_name=NAME, last_name=SURNAME,
            phone="+38344123456", street="Rr. \"Nëna Terezë\" & 5", municipality="prishtine",
            postal_code="10000", delivery_method="standard", language=lang, ip="192.0.2.7",
            policy_version=1, created_at=datetime.now(UTC), subtotal_cents=subtotal,
            delivery_cents=250, total_cents=subtotal + 250, lines=rows)
        db.session.add(order)
        db.session.flush()
        order.number = order_number(order)
        db.session.commit()
        return type("Placed", (), {"id": order.id, "number": order.number,
                                   "figures": [row.line_total_cents for row in rows]
                                   + [subtotal, 250, subtotal + 250]})


def alternative(message):
    """The multipart/alternative part: the message itself, or its first part when documents
    are attached (multipart/mixed)."""
    if message.get_content_type() == "multipart/mixed":
        return message.get_payload()[0]
    return message


@pytest.mark.parametrize("lang", ["sq", "en"])
def test_each_mail_is_text_and_html_from_the_same_data(app, mails, lang):
    sent = mails(lang)
    assert set(sent) == {p.stem for p in TEMPLATES.glob("*.txt")
                         if not p.name.startswith("_")} - CHECKED_ELSEWHERE
    for name, (message, order) in sent.items():
        # Documents (the terms of sale, a credit note's PDF) follow the text and HTML.
        body = alternative(message)
        assert message.get_content_type() == (
            "multipart/mixed" if name in ("order_confirmation", "credit_note")
            else "multipart/alternative"), name
        if name == "credit_note":
            attached = message.get_payload()[1]
            assert attached.get_content_type() == "application/pdf"
            assert attached.get_filename().startswith("lesnamax-KN-")
            assert attached.get_content().startswith(b"%PDF-")
        assert body.get_content_type() == "multipart/alternative", name
        text, html = text_of(message), html_of(message)
        assert body.get_payload()[0].get_content_type() == "text/plain"
        links = parsed(html)
        written_in = "sq" if name in OWNER_MAILS else lang
        assert links.lang == HTML_LANG[written_in], name
        # The trader's details, in both parts.
        with app.test_request_context(), force_locale(LOCALES[lang]):
            address = "Magjistralja Prishtinë – Fushë Kosovë" if written_in == "sq" else (
                "Prishtinë – Fushë Kosovë highway")
        for part in (text, html):
            for detail in ("LESNA MAX", address, "+383 44 779 977",
                           "online.lesnamax@gmail.com"):
                assert detail in part, (name, detail)
        # Nothing fetched from elsewhere; links only to the shop, its phone and its e-mail.
        assert not re.search(r"src=[\"']?https?:|url\(|@import|<link|<script", html, re.I)
        assert all(src.startswith("cid:") for src in links.images), name
        web = {h for h in links.hrefs if not h.startswith(("mailto:", "tel:"))}
        assert all(h.startswith("http://shop.test/") for h in web), (name, web)
        assert set(links.hrefs) - web == {"mailto:online.lesnamax@gmail.com",
                                          "tel:+38344779977"}
        # The same links in the text as in the HTML.
        assert set(re.findall(r"https?://\S+", text)) == web, name
        assert "<" not in text.replace(NAME, "").replace(NOTE, ""), name
        if name in OWNER_MAILS:
            assert message["Subject"] == SUBJECTS_SQ[name].format(name=NAME)
            for english in ENGLISH:
                assert english not in text and english not in html, (name, english)
        elif lang == "sq":
            assert message["Subject"] == SUBJECTS_SQ[name].format(number=order.number)
            assert f"Përshëndetje {NAME}," in text, name
            for english in ENGLISH:
                assert english not in text and english not in html, (name, english)
        else:
            assert f"Hello {NAME}," in text, name


@pytest.mark.parametrize("lang", ["sq", "en"])
def test_the_confirmation_carries_the_same_figures_and_its_pictures(app, mails, lang):
    message, order = mails(lang)["order_confirmation"]
    text, html = text_of(message), html_of(message)
    with app.test_request_context(), force_locale(LOCALES[lang]):
        figures = [money.format_cents(cents) for cents in order.figures]
    for figure in figures:
        assert figure in text and figure in html, figure
    assert order.number in text and order.number in html
    # One line has a picture, carried in the message; the others go without.
    related = alternative(message).get_payload()[1]
    assert related.get_content_type() == "multipart/related"
    [source] = parsed(html).images
    [picture] = [part for part in related.iter_parts() if part.get_content_maintype() == "image"]
    assert source == f"cid:{picture['Content-ID'].strip('<>')}"
    assert picture.get_content_type() == "image/jpeg"
    with Image.open(io.BytesIO(picture.get_content())) as image:
        assert max(image.size) <= 112 and image.format == "JPEG"
    assert "Tavolinë &amp; karrige" in html and "Tavolinë & karrige" in text


@pytest.mark.parametrize("lang", ["sq", "en"])
def test_customer_text_is_escaped_in_html_and_left_alone_in_text(mails, lang):
    for name, (message, _order) in mails(lang).items():
        text, html = text_of(message), html_of(message)
        assert NAME in text and "&lt;b&gt;Ana&lt;/b&gt;" in html, name
        assert "<b>" not in html, name
        assert "&amp;" not in text and "&lt;" not in text and "&#" not in text, name
        if name in {"order_confirmation", "order_status"}:
            assert SURNAME in text or name == "order_status"
            assert "Gashi &amp; Bytyçi" in html or name == "order_status"
        if name == "order_status":
            assert NOTE in text
            assert "&lt;i&gt;gjithçka&lt;/i&gt;" in html and "<i>" not in html


def test_compose_without_pictures_is_text_and_html_only(app):
    # No request needed: a background job may build a message from the outbox's data.
    with app.app_context(), force_locale("sq_XK"):
        message = mail.compose("ana@example.test", "Provë", "register_confirm",
                               first_name="Ana", link="http://shop.test/x")
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["Subject"] == "Provë" and message["To"] == "ana@example.test"


def test_one_picture_shown_twice_is_carried_once(app):
    picture = mail.InlineImage(b"\xff\xd8jpeg")
    with app.test_request_context(), force_locale("en"):
        message = mail.compose("ana@example.test", "Test", "register_confirm",
                               images={1: picture, 2: picture}, first_name="Ana",
                               link="http://shop.test/x")
    related = message.get_payload()[1]
    assert [p.get_content_type() for p in related.iter_parts()] == ["text/html", "image/jpeg"]


def test_a_missing_picture_file_leaves_the_line_without(app):
    with app.app_context():
        assert media.thumbnail_jpeg("not-on-disk") is None


def test_the_site_footer_shows_the_same_trader(client):
    page = client.get("/").text.split('class="site-footer"')[1]
    for detail in ("LESNA MAX", "Magjistralja Prishtinë – Fushë Kosovë", "+383 44 779 977",
                   'href="tel:+38344779977"', 'href="mailto:online.lesnamax@gmail.com"'):
        assert detail in page, detail

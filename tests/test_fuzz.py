"""Fuzz every form and htmx endpoint with hypothesis: random and hostile values, anonymous,
as a customer and as an admin. No answer may be a 500 (with TESTING on, an unhandled error
raises here instead), and no stored value may come back as markup.

The endpoints come from ``app.url_map`` and the field names from the rendered pages
(tests/fuzz_support.py), so a new form is fuzzed without touching this file; an endpoint that
takes input but is offered by no page fails ``test_every_endpoint_is_fuzzed``.

Runs are derandomized (hypothesis seeds itself from the test's source), so CI and a developer
see the same values and a failure reproduces; ``LESNAMAX_FUZZ_EXAMPLES`` makes a longer run and
``LESNAMAX_FUZZ_RANDOM=1`` a random one, for exploring by hand.
"""

from __future__ import annotations

import io
import itertools
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from PIL import Image
from sqlalchemy import select

from lesnamax.cart.models import OPEN, Cart, CartLine
from lesnamax.catalogue.models import ProductImage
from lesnamax.extensions import db
from lesnamax.web import Visit

from . import fuzz_support as fz
from .fuzz_strategies import encoded, explicit, requests

EXAMPLES = int(os.environ.get("LESNAMAX_FUZZ_EXAMPLES", "5"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("LESNAMAX_FUZZ_RANDOM") != "1",
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
)
#: POST endpoints whose form no page of the shop renders, and whose fields they share.
SAME_FIELDS_AS = {
    # The bank posts one signed reply to all three (BANK-PORTAL.md §10); the sandbox bank's
    # return page shows the browser's copy for the okUrl.
    "payments.fail": "payments.ok",
    "payments.callback": "payments.ok",
    # htmx posts the day step's form here as the assembly boxes change (the totals only).
    "checkout.day_summary": "checkout.day",
}
#: GET endpoints that are not fuzzed, and why.
NOT_FUZZED = {"static": "files from static/, served by nginx in production"}
#: Fuzzed last, as they end what the others need (the cart, the session, a product).
LAST = ("place", "delete", "remove", "cancel", "confirm", "logout")


# --- the shop ------------------------------------------------------------------------------


@dataclass
class Shop:
    customer: object
    admin: object
    forgetful: object  # has a password-reset link out
    card_order: str
    files: dict


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "peru").save(out, "PNG")
    return out.getvalue()


def build_shop(app, make_user, make_admin, make_product, make_category) -> Shop:
    """Something of everything: nested categories, products with pictures, a customer with an
    open cart, a cash order and a card order waiting for the bank, a policy coming up."""
    from lesnamax import shoptime
    from lesnamax.invoices import issuing
    from lesnamax.orders import services as orders
    from lesnamax.orders import status as order_status
    from lesnamax.orders.models import OrderLine
    from lesnamax.privacy import services as privacy
    from lesnamax.returns import services as returns

    parent = make_category(slug="mobilje", name_sq="Mobilje", name_en="Furniture")
    child = make_category(slug="karrige", name_sq="Karrige", name_en="Chairs",
                          parent_id=parent.id)
    products = [make_product(stock=s, category_id=child.id) for s in (40, 3, 0)]
    customer = make_user(first_name="Drita", email="drita@example.test")
    forgetful = make_user(first_name="Blerta", email="harroi@example.test")
    admin = make_admin(first_name="Besa", email="pronari@example.test")
    numbers = []
    with app.app_context():
        db.session.add(ProductImage(product_id=products[0].id, key="second", width=800,
                                    height=600, alt_sq="Pamje tjetër", position=1))
        # A declined card order too, so the crawl finds its "pay on delivery instead" form.
        for payment in ("cash", "card", "declined", None):
            cart = Cart(user_id=customer.id, status=OPEN)
            db.session.add(cart)
            db.session.flush()
            db.session.add_all([CartLine(cart_id=cart.id, product_id=p.id, quantity=1,
                                         price_when_added_cents=p.price_cents)
                                for p in products[:2]])
            db.session.commit()
            if payment is None:
                break  # this one stays open, for the checkout
            delivery = orders.Delivery("Drita", "Krasniqi", customer.email, "+38344123456",
                                       "Rr. 1", "prishtine", "", "standard",
                                       "card" if payment == "declined" else payment)
            order = orders.place_order(cart.id, customer.id, delivery, f"fuzz-{payment}",
                                       ip="192.0.2.1", language="sq", policy_version=1)
            if payment == "declined":
                order_status.set_status(order, "payment_failed")
                db.session.commit()
            if payment == "cash":  # delivered: its invoice, a credit note, the receipt form
                order.status = "delivered"
                db.session.commit()
                issuing.credit_note(order.id, 100, None, datetime.now(UTC), key="fuzz:1")
            numbers.append(order.number)
        # A product family with one variant: its admin section offers the variant forms, the
        # variant's page the release form.
        from lesnamax.audit import Actor
        from lesnamax.catalogue import manage_families

        owner = Actor(None, "pronari@example.test", None)
        family = manage_families.create_family(
            {"name_sq": "Dyshek Fuzz", "name_en": "Fuzz mattress", "sku": "FAM-1",
             "category_id": child.id}, ["size"], owner)
        manage_families.add_variant(family.id, {"sku": "FAM-1-90", "price_cents": 25500,
                                                "stock": 2, "width_cm": 90, "depth_cm": 200},
                                    owner)
        # A contact message, so the owner's list offers its "handled" form.
        from lesnamax.contact.models import ContactMessage

        db.session.add(ContactMessage(name="Drita", email="drita@example.test",
                                      body="A e keni në gri?"))
        db.session.commit()
        # A saved product and a back-in-stock request: the wishlist page offers their forms.
        from lesnamax.account import stock_alerts, wishlist
        from lesnamax.account.models import User
        from lesnamax.catalogue.models import Product

        sold_out = db.session.get(Product, products[2].id)
        wishlist.add(customer.id, sold_out)
        stock_alerts.ask(db.session.get(Product, products[2].id), customer.email,
                         db.session.get(User, customer.id), "sq", Visit("192.0.2.1"),
                         datetime.now(UTC))
        privacy.publish("Politika\n\nTekst.", "Policy\n\nText.", date.today() + timedelta(20),
                        privacy.utcnow(), "Ndryshim.", "A change.")
        # A withdrawal of the cash order: its acknowledgement page and the owner's return.
        withdrawn = returns.withdraw(numbers[0], customer.id, {
            db.session.scalar(select(OrderLine.id).where(OrderLine.order.has(number=numbers[0]))
                              .order_by(OrderLine.id)): 1}, "", "f" * 32, shoptime.now())
        assert withdrawn is not None
        # A newsletter draft: its page offers the test, send and edit forms.
        from lesnamax.audit import Actor
        from lesnamax.newsletter import manage as newsletter

        newsletter.create({"subject_sq": "Oferta", "subject_en": "Offers", "body_sq": "Tekst",
                           "body_en": "Text"}, [], Actor(admin.id, admin.email, None))
    return Shop(customer, admin, forgetful, numbers[1], {"image": png(), "csv": b""})


class Visitor:
    """One browser: anonymous, or logged in as ``user`` (and kept so between requests)."""

    def __init__(self, app, user=None):
        self.app, self.user = app, user
        self.client = None
        self.addresses = (f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
                          for n in itertools.count(1))
        self.restore(force=True)

    def restore(self, force: bool = False) -> None:
        """Back to who this visitor is: a fuzzed form may log out, log in or register."""
        if not force:
            with self.client.session_transaction() as session:
                current = session.get("_user_id", "").partition(":")[0]
            if current == (str(self.user.id) if self.user else ""):
                return
        self.client = self.app.test_client()
        if self.user is not None:
            response = self.client.post("/account/login", data={
                "email": self.user.email, "password": self.user.password})
            assert response.status_code == 303, response.status_code

    def send(self, method: str, url: str, data: dict, htmx: bool):
        """One request from a new address each time (limits per address stay out of the way:
        the limiter is shared by every app of the test run, so it cannot be switched off)."""
        headers = {"HX-Request": "true"} if htmx else {}
        environ = {"REMOTE_ADDR": next(self.addresses)}
        if method == "GET":
            return self.client.get(url, query_string=data, headers=headers,
                                   environ_base=environ)
        return self.client.post(url, data=data, headers=headers, environ_base=environ)


def rules_without_arguments(app) -> list[str]:
    return [rule.rule for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and not rule.arguments]


def discover(app, shop: Shop, visitors: dict[str, Visitor]) -> fz.Discovery:
    """Crawl the shop as each visitor; send the forms whose answers hold other forms."""
    from lesnamax.account import services as accounts
    from lesnamax.account.models import User

    found = fz.Discovery(app)
    from lesnamax.account import registration

    with app.test_request_context():  # registration.start e-mails a link built for a request
        forgetful = db.session.get(User, shop.forgetful.id)
        token = accounts.password_reset_token(forgetful, app.config["SECRET_KEY"])
        signin = accounts.signin_token(forgetful, app.config["SECRET_KEY"])
        details = {"first_name": "Fuzz", "last_name": "Fuzz", "email": "fuzz-new@example.test",
                   "phone": "+38344123456", "street": "Rr. 1", "municipality": "prishtine",
                   "postal_code": "", "password": "Fuzz-fjalekalim-26", "language": "sq"}
        secret, _ = registration.start(details, {"privacy_policy": True, "age_or_guardian": True},
                                       Visit("192.0.2.1"), date.today(), "/account")
        from lesnamax.newsletter import messages as newsletter

        # The unsubscribe link of the customer's newsletter (only e-mails carry it).
        unsubscribe = newsletter.unsubscribe_token(shop.customer.id, 1)
    seeds = rules_without_arguments(app)
    fz.crawl(found, visitors["anonymous"].client,
             seeds + [f"/account/password/reset/{token}", f"/account/login/link/{signin}",
                      f"/account/register/confirm/{secret}",
                      f"/newsletter/unsubscribe/{unsubscribe}"])
    customer = visitors["customer"].client
    fz.crawl(found, customer, seeds + [f"/payment/{shop.card_order}/pay"])
    # A back-in-stock e-mail's stop link: only the e-mail links to it.
    from lesnamax.account import stock_alerts
    from lesnamax.account.models import StockAlert

    with app.test_request_context():
        alert = db.session.scalar(select(StockAlert))
        stop = app.url_map.bind(fz.HOST).build("alerts.stop",
                                               {"token": stock_alerts.stop_token(alert)})
        # The request form's own page: shown when a form without JavaScript has an error.
        asking = app.url_map.bind(fz.HOST).build("alerts.ask", {"product_id": alert.product_id})
    fz.crawl(found, visitors["anonymous"].client, [stop])
    found.note("GET", asking)
    # Shown after a message is sent (a redirect otherwise): no page links to it.
    found.note("GET", app.url_map.bind(fz.HOST).build("contact.sent"))
    # Polled by htmx only while a campaign is being sent (the draft's page does not).
    found.note("GET", app.url_map.bind(fz.HOST).build("admin.newsletter_progress",
                                                      {"campaign_id": 1}))
    for endpoint in ("checkout.address", "checkout.delivery", "checkout.day",
                     "checkout.payment"):
        fz.submit(found, customer, endpoint, shop.files)
    for endpoint in ("sandbox_bank.gate", "sandbox_bank.pay"):
        fz.submit(found, customer, endpoint, shop.files)
    admin = visitors["admin"].client
    fz.crawl(found, admin, ["/admin/"])
    shop.files["csv"] = admin.get("/admin/csv/export").data
    for endpoint in ("admin.csv_upload", "admin.policy_submit", "admin.terms_submit"):
        fz.submit(found, admin, endpoint, shop.files)
    # A terms version's own page is linked only from the next version and the admin.
    found.note("GET", app.url_map.bind(fz.HOST).build("privacy.terms_version", {"number": 1}))
    # The sandbox bank's XML API: the shop's own client posts a CC5Request as DATA (no page).
    found.note("POST", app.url_map.bind(fz.HOST).build("sandbox_bank.api"),
               {"DATA": fz.Field("DATA", "textarea", [], "<CC5Request><Name>LESNAMAXAPI</Name>"
                                 "<Password>TEST1234</Password><OrderId>x</OrderId><Extra>"
                                 "<ORDERSTATUS>QUERY</ORDERSTATUS></Extra></CC5Request>")})
    # Offered only for a double charge or a refund without an answer, which this shop has not:
    # their confirmation pages post the same form as cancelling a payment.
    confirm = next((t for t in found.targets.values()
                    if t.endpoint == "admin.order_cancel_payment" and t.method == "POST"), None)
    adapter = app.url_map.bind(fz.HOST)
    for url in (adapter.build("admin.order_refund_extra",
                              {"number": shop.card_order, "attempt_id": 1}),
                adapter.build("admin.payment_retry", {"movement_id": 1})):
        found.note("GET", url)
        found.note("POST", url, confirm.fields if confirm else {})
    # The refund form shows once the goods are received; it posts the state and an amount.
    reject = next((t for t in found.targets.values() if t.endpoint == "admin.return_reject"),
                  None)
    if reject is not None:
        found.note("POST", adapter.build("admin.return_refund", {"return_id": 1}),
                   {"state": reject.fields["state"],
                    "amount": fz.Field("amount", "text", [], "10,00")})
    for endpoint, like in SAME_FIELDS_AS.items():
        model = next((t for t in found.targets.values() if t.endpoint == like), None)
        if model is not None:
            url = app.url_map.bind(fz.HOST).build(endpoint)
            found.note("POST", url, model.fields)
    return found


@pytest.fixture
def fuzz_shop(app, make_user, make_admin, make_product, make_category):
    # Login limits up, so that the visitors can log in again after a fuzzed logout.
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = app.config["LOGIN_LIMIT_PER_IP"] = "10000/minute"
    app.config["LOGIN_LIMIT_PER_ACCOUNT_ANYWHERE"] = "10000/minute"
    shop = build_shop(app, make_user, make_admin, make_product, make_category)
    visitors = {"anonymous": Visitor(app), "customer": Visitor(app, shop.customer),
                "admin": Visitor(app, shop.admin)}
    return shop, visitors, discover(app, shop, visitors)


def assert_every_endpoint_is_fuzzed(app, found: fz.Discovery) -> None:
    posts = {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}
    gets = {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods}
    assert posts - found.endpoints("POST") == set(), (
        "POST endpoints that no page offers a form for: show the form on a page the crawl "
        "reaches, or say in SAME_FIELDS_AS which form's fields they take")
    assert gets - found.endpoints("GET") - set(NOT_FUZZED) == set(), (
        "GET endpoints no page links to: link them, or seed the crawl in discover()")


# --- what to send: tests/fuzz_strategies.py; what must not come back ---------------------

def check(response, where) -> None:
    assert response.status_code < 500, (where, response.status_code)
    if response.mimetype == "text/html":
        assert fz.unescaped(response.text) == [], where


def fuzz(visitor: Visitor, target: fz.Target, files: dict, adapter) -> None:
    @FUZZ_SETTINGS
    @given(request=requests(target, files, adapter))
    def run(request):
        url, htmx, data = request
        response = visitor.send(target.method, url, encoded(data), htmx)
        check(response, (target.method, url, htmx))
        visitor.restore()

    for request in explicit(target, files, adapter):
        run = example(request=request)(run)
    run()


def refused(visitor: Visitor, target: fz.Target, files: dict) -> bool:
    """True when this visitor is sent to log in or refused before any input is read."""
    response = visitor.send(target.method, target.url,
                            encoded(fz.baseline_values(target, files)), False)
    visitor.restore()
    return response.status_code == 403 or (
        response.status_code == 302
        and response.headers["Location"].startswith("/account/login"))


def in_order(found: fz.Discovery) -> list[fz.Target]:
    """One target per form (the same form on another product adds little), GETs first, the
    POSTs that end something (see LAST) last."""
    def rank(target):
        last = any(word in target.endpoint for word in LAST)
        return target.method == "POST", last, target.url

    kept = {}
    for target in sorted(found.targets.values(), key=rank):
        shape = (target.method, target.endpoint, frozenset(target.fields),
                 tuple(sorted((name, type(v).__name__) for name, v in target.args.items())))
        if target.endpoint not in NOT_FUZZED:
            kept.setdefault(shape, target)
    return list(kept.values())


@pytest.mark.parametrize("who", ["anonymous", "customer", "admin"])
def test_fuzz(app, fuzz_shop, who):
    shop, visitors, found = fuzz_shop
    assert_every_endpoint_is_fuzzed(app, found)
    visitor = visitors[who]
    adapter = app.url_map.bind(fz.HOST)
    targets = [t for t in in_order(found) if not refused(visitor, t, shop.files)]
    planted = plant(visitor, targets, shop.files)
    failures = []
    for target in targets:
        try:
            fuzz(visitor, target, shop.files, adapter)
        except Exception as error:  # noqa: BLE001 - go on, to report every failing endpoint
            failures.append(failure(target, error))
    assert not failures, "\n\n".join(failures)
    shown = stored_pages(app, visitors)
    assert [(url, fz.unescaped(html)) for url, html in shown.items() if fz.unescaped(html)] == []
    if who == "admin":
        # The check bites: markup the owner typed is stored, and shown as text. (Customers'
        # fields refuse "<" and braces altogether, so theirs never get this far.)
        assert planted and any(fz.ESCAPED in html for html in shown.values()), planted


def failure(target: fz.Target, error: Exception) -> str:
    notes = "\n".join(getattr(error, "__notes__", []))
    return f"{target.method} {target.url}: {type(error).__name__}: {error}\n{notes}"[:3000]


# --- stored values -------------------------------------------------------------------------

TEXT_KINDS = ("text", "search", "textarea")


def plant(visitor: Visitor, targets: list[fz.Target], files: dict) -> list[str]:
    """Send each form with markup in one text field after another, keeping what was accepted
    (so that most of it ends up stored); return the fields that took it."""
    taken = []
    for target in targets:
        if target.method != "POST":
            continue
        data = fz.baseline_values(target, files)
        for name, spec in target.fields.items():
            if spec.kind not in TEXT_KINDS:
                continue
            trial = {**data, name: fz.PAYLOADS[len(taken) % len(fz.PAYLOADS)]}
            response = visitor.send("POST", target.url, encoded(trial), False)
            check(response, ("plant", target.url, name))
            if response.status_code < 400:
                data = trial
                taken.append(f"{target.url} {name}")
            visitor.restore()
    return taken


def stored_pages(app, visitors: dict[str, Visitor]) -> dict[str, str]:
    """Every page that shows what people stored: lists (all their pages), records, the
    customer's own pages and the shop, as the visitor who may see them."""
    from sqlalchemy import select

    from lesnamax.account.models import User
    from lesnamax.catalogue.models import Category, Product
    from lesnamax.orders.models import Order
    from lesnamax.privacy.models import PolicyVersion

    with app.app_context():
        products = db.session.execute(select(Product.id, Product.slug)).all()
        categories = db.session.execute(select(Category.id, Category.slug)).all()
        users = db.session.scalars(select(User.id)).all()
        orders = db.session.execute(select(Order.number, Order.user_id)).all()
        versions = db.session.scalars(select(PolicyVersion.version)).all()
    admin = ["/admin/", "/admin/products", "/admin/categories", "/admin/customers",
             "/admin/orders", "/admin/policy", "/admin/audit", "/admin/csv",
             *(f"/admin/products/{p.id}/edit" for p in products),
             *(f"/admin/categories/{c.id}/edit" for c in categories),
             *(f"/admin/customers/{u}" for u in users),
             *(f"/admin/orders/{o.number}" for o in orders),
             *(f"/admin/policy/{v}" for v in versions)]
    customer = visitors["customer"].user
    mine = ["/account", "/account/privacy", "/account/orders", "/account/export", "/cart",
            "/checkout/review",
            *(f"/orders/{o.number}" for o in orders if o.user_id == customer.id)]
    shop = ["/", "/products", "/cmimore", "/privacy", "/products?q=alert",
            "/search/suggest?q=alert", "/search/suggest?q=img",
            *(f"/products/{p.slug}" for p in products),
            *(f"/category/{c.slug}" for c in categories),
            *(f"/privacy/versions/{v}" for v in versions)]
    pages = {}
    for who, urls in (("admin", admin), ("customer", mine), ("anonymous", shop)):
        visitors[who].restore()
        for url in urls:
            pages.update(fz.every_page(visitors[who].client, url))
    return pages


# --- CSRF ----------------------------------------------------------------------------------


def test_garbage_csrf_tokens_are_400_not_500(tmp_path, migrated, make_app):
    """The fuzz runs with CSRF off (as every client test does); here it is on, and every POST
    route gets a missing, foreign or broken token, in the form and in htmx's header."""
    from .conftest import base_config, fresh_database

    app = make_app({**base_config(fresh_database(migrated, tmp_path), tmp_path),
                    "WTF_CSRF_ENABLED": True})
    other = app.test_client()
    other.get("/account/login")
    with other.session_transaction() as session:  # a real token, of someone else's session
        foreign = session.get("csrf_token")
    client = app.test_client()
    adapter = app.url_map.bind(fz.HOST)
    exempt = {"payments.ok", "payments.fail", "payments.callback", "sandbox_bank.gate",
              "sandbox_bank.pay", "sandbox_bank.api",  # the bank's signature or API password
              # RFC 8058's one-click POST comes from the mail client: its signed token is what
              # authenticates it (a garbage one is a 404).
              "newsletter.unsubscribe_post"}
    # Forms on shared catalogue pages carry no token: the origin check guards them instead
    # (tests/test_origin_check.py); any token, or none, is simply not looked at.
    from lesnamax.security import TOKENLESS_ENDPOINTS
    tokens = [None, "", "garbage", "²", "nul\x00", fz.long_text("x", 10_240), foreign]
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        url = adapter.build(rule.endpoint, {name: 1 if "Integer" in type(c).__name__ else "x"
                                            for name, c in rule._converters.items()})
        for token in tokens:
            data = {} if token is None else {"csrf_token": token}
            for headers in ({}, {"HX-Request": "true", "X-CSRFToken": token or ""}):
                response = client.post(url, data=data, headers=headers)
                # The sandbox bank stands for another site (the bank's), only in development.
                bank = rule.endpoint in exempt or rule.endpoint.startswith("sandbox_bank.")
                expected = set(range(400, 500)) if bank else {400}
                api = rule.rule.startswith("/sandbox-bank/fim/api")
                if rule.endpoint in TOKENLESS_ENDPOINTS or api:
                    # The bank's API answers every request in XML, a refusal too; its fault
                    # switch is a developer's page of the pretend bank.
                    expected = set(range(200, 500))
                assert response.status_code in expected, (url, token, response.status_code)

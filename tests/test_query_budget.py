"""No page runs more than 6 SQL queries (issue 6): a walk over every GET page of the shop and
the admin, as a visitor, a customer with a cart and orders, and the owner.

The walk takes its pages from the URL map, so a new page is counted without anyone adding it
here; only the values for its URL arguments may need a line in ``VALUES``.
"""

from __future__ import annotations

import re

import pytest
from flask import url_for

from .test_checkout import go_to_review, place_form

BUDGET = 6
#: Pages allowed more, and why.
OWN_BUDGET = {
    # The owner's dashboard: six figures, plus the double charges, the outbox's counts, the
    # returns waiting (their count and deadline) and the orders not marked delivered (listed
    # and counted), each one query whatever the shop's size.
    "/admin/": 10,
    # The review: what every checkout page reads, and whether the delivery day chosen still
    # has room (one query on its slot), so a full day is asked again before the customer
    # reads the order through.
    "/checkout/review": 7,
    # The customer's data: one query per kind of record (profile, consents, logins, changes,
    # orders with their lines, disclosures, the wishlist, the back-in-stock requests, the
    # newsletters sent), whatever its size; each area that keeps personal data adds its kind.
    "/account/export": 10,
    "/account/export.json": 10,
}
#: The same, for pages named by a pattern.
OWN_BUDGET_PATTERNS = {
    # The owner's order page: the viewing audited, the order, its lines, its card attempts,
    # its payment ledger, its invoice with its credit notes and fiscal receipt (one query for
    # those three) and its returns: one query each, whatever the order's size.
    re.compile(r"^/admin/orders/LM-\d{4}-\d+$"): 8,
}


def budget(url: str) -> int:
    return OWN_BUDGET.get(url) or next(
        (n for pattern, n in OWN_BUDGET_PATTERNS.items() if pattern.match(url)), BUDGET)
#: Files and redirects with no page of their own.
NOT_PAGES = {"static", "media.product_image", "site.set_language"}


@pytest.fixture
def shop(app, client, make_product, make_user, login, make_admin):
    """A catalogue, a customer with a card order waiting and a cash order, and an admin."""
    products = [make_product(stock=20, price_cents=1000 + n) for n in range(30)]
    user = make_user()
    login(user)
    orders = []
    for payment in ("cash", "card"):
        client.post("/cart/add", data={"product_id": products[0].id})
        placed = client.post("/checkout/place",
                             data=place_form(go_to_review(client, payment=payment).text))
        location = placed.headers["Location"]
        orders.append(re.search(r"(LM-\d{4}-\d+)", location)[1])
    client.post("/cart/add", data={"product_id": products[1].id})  # a cart for the checkout
    go_to_review(client, payment="cash")
    with app.app_context():
        from datetime import UTC, datetime

        from lesnamax import shoptime
        from lesnamax.account.models import User
        from lesnamax.catalogue.models import Category, Product
        from lesnamax.extensions import db
        from lesnamax.invoices import issuing
        from lesnamax.orders.models import Order, OrderLine
        from lesnamax.returns import services as returns

        # A withdrawal of the cash order: the customer's acknowledgement, the owner's return.
        line_id = db.session.scalar(db.select(OrderLine.id).order_by(OrderLine.id))
        withdrawn = returns.withdraw(orders[0], user.id, {line_id: 1}, "", "e" * 32,
                                     shoptime.now())
        # The cash order delivered: its invoice and a credit note are pages of their own.
        cash = db.session.scalar(db.select(Order).where(Order.number == orders[0]))
        cash.status = "delivered"
        db.session.commit()
        issuing.issue(cash.id)
        issuing.credit_note(cash.id, 500, None, datetime.now(UTC), key="budget:1")
        product = db.session.get(Product, products[0].id)
        category = db.session.get(Category, product.category_id)
        # A newsletter campaign sent to the customer (who gave marketing consent).
        from lesnamax.newsletter import manage as newsletter
        from lesnamax.newsletter import messages as newsletter_messages
        from lesnamax.newsletter import sending
        from lesnamax.privacy import services as privacy
        from lesnamax.web import Visit

        customer = db.session.scalar(db.select(User).where(User.email == user.email))
        privacy.set_marketing(customer, True, Visit("192.0.2.1"), shoptime.shop_today())
        campaign = newsletter.create(
            {"subject_sq": "Oferta", "subject_en": "Offers", "body_sq": "Tekst",
             "body_en": "Text"}, [product], newsletter.audit.Actor(None, "o@example.test", None))
        sending.start(campaign.id, datetime.now(UTC))
        sending.run(campaign.id)
        values = {
            "campaign_id": campaign.id, "lang": "sq",
            "newsletter_token": newsletter_messages.unsubscribe_token(customer.id, campaign.id),
            "slug": product.slug, "category_slug": category.slug,
            "category_id": product.category_id, "product_id": product.id, "number": orders[0],
            "user_id": db.session.scalar(db.select(User.id).where(User.email == user.email)),
            "field": "phone", "token": "x", "secret": "x", "policy_number": 1,
            "movement_id": 1, "attempt_id": 1, "note_id": 1, "return_id": withdrawn.id,
            "store_id": 1,  # the showroom seeded with the settings
        }
    return {"user": user, "admin": make_admin(), "values": values, "orders": orders}


def page_urls(app, values) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
            continue
        args = {}
        for name in rule.arguments:
            if rule.endpoint == "catalogue.category":
                args[name] = values["category_slug"]
            elif name == "number" and ("policy" in rule.endpoint or "terms" in rule.endpoint
                                       or rule.endpoint.endswith("privacy.version")):
                args[name] = values["policy_number"]
            elif name == "number" and "sitemap" in rule.endpoint:
                args[name] = 1
            elif name == "token" and rule.endpoint.startswith("newsletter."):
                args[name] = values["newsletter_token"]
            else:
                args[name] = values[name]
        with app.test_request_context():
            urls.append(url_for(rule.endpoint, **args))
    return sorted(urls)


def counts(client, count_queries, urls) -> dict[str, tuple[int, int]]:
    """Return url -> (status, queries) for the second visit (per-process caches warm)."""
    found = {}
    for url in urls:
        client.get(url)
        with count_queries() as queries:
            status = client.get(url).status_code
        found[url] = (status, len(queries))
    return found


def over_budget(found) -> dict:
    return {url: n for url, (status, n) in found.items() if n > budget(url)}


def test_the_walk_covers_shop_and_admin_pages(app, shop):
    urls = page_urls(app, shop["values"])
    for expected in ("/", "/account", "/cart", "/checkout/review", "/admin/", "/terms",
                     "/terms/versions/1", "/terms/versions/1.pdf", "/admin/terms",
                     "/admin/terms/1", "/stores",
                     "/admin/settings", "/admin/settings/stores/1", "/checkout/delivery",
                     f"/orders/{shop['orders'][0]}", f"/admin/orders/{shop['orders'][0]}"):
        assert expected in urls


def test_customer_pages_stay_within_budget(app, client, shop, count_queries):
    found = counts(client, count_queries, page_urls(app, shop["values"]))
    assert found["/account"][0] == 200 and found["/checkout/review"][0] == 200
    assert found[f"/orders/{shop['orders'][0]}"][0] == 200
    assert found[f"/orders/{shop['orders'][0]}/invoice.pdf"][0] == 200
    assert found[f"/orders/{shop['orders'][0]}/credit-notes/1.pdf"][0] == 200
    assert over_budget(found) == {}


def test_visitor_pages_stay_within_budget(app, shop, count_queries):
    visitor = app.test_client()
    found = counts(visitor, count_queries, page_urls(app, shop["values"]))
    assert found["/"] == (200, 0)  # the page cache
    assert found["/stores"] == (200, 0)
    assert over_budget(found) == {}


def test_admin_pages_stay_within_budget(app, client, shop, login, count_queries):
    client.post("/account/logout")
    login(shop["admin"])
    found = counts(client, count_queries, page_urls(app, shop["values"]))
    assert found["/admin/"][0] == 200
    assert found[f"/admin/orders/{shop['orders'][0]}"][0] == 200
    assert found[f"/admin/orders/{shop['orders'][0]}/invoice.pdf"][0] == 200
    assert found["/admin/invoices"][0] == 200
    for page in ("/admin/settings", "/admin/settings/stores", "/admin/settings/stores/1"):
        assert found[page][0] == 200, page
    assert over_budget(found) == {}

"""The owner gives money back in Chromium, in Albanian, without JavaScript needed (plain
forms with a confirmation page): cancel a paid card order, refund one line of another.
The bank is the sandbox's XML API; axe-core checks every page seen."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from uuid import uuid4

from playwright.sync_api import Page, expect
from sqlalchemy import select

from lesnamax.cart.models import OPEN, Cart, CartLine
from lesnamax.config import SANDBOX_API_PATH
from lesnamax.extensions import db
from lesnamax.orders import services as orders
from lesnamax.payments import nestpay, sandbox_api, services
from lesnamax.payments.models import PaymentMovement

from .. import test_payments
from .test_admin import admin_login, make_account, owner  # noqa: F401 - fixture

_keys = itertools.count(1)


def paid_card_order(live_app, products, email: str) -> str:
    """A card order for one piece of each product, paid through the bank's signed reply."""
    with live_app.app_context():
        from lesnamax.account import services as accounts

        user = accounts.user_by_email(email)
        cart = Cart(user_id=user.id, status=OPEN)
        db.session.add(cart)
        db.session.flush()
        for product in products:
            db.session.add(CartLine(cart_id=cart.id, product_id=product.id, quantity=1,
                                    price_when_added_cents=0))
        db.session.commit()
        delivery = orders.Delivery(first_name="Besa", last_name="Gashi", email=email,
                                   phone="+38344111222", street="Rr. Nëna Terezë 5",
                                   municipality="prishtine", postal_code="", method="standard",
                                   payment="card")
        order = orders.place_order(cart.id, user.id, delivery, f"refund-test-{next(_keys)}",
                                   ip="127.0.0.1", language="sq", policy_version=1)
        order, attempt = services.start_attempt(order.id, datetime.now(UTC))
        config = live_app.config
        fields = nestpay.request_fields(
            client_id=config["NESTPAY_CLIENT_ID"], oid=attempt.oid,
            amount_cents=attempt.amount_cents, currency=attempt.currency, ok_url="x",
            fail_url="x", callback_url="x", shop_url="x", rnd=attempt.rnd, lang="sq",
            store_key=config["NESTPAY_STORE_KEY"])
        with live_app.test_request_context():
            services.handle_reply(test_payments.reply(fields), "callback", datetime.now(UTC))
            sandbox_api.record_sale(attempt.oid, attempt.amount_cents, "T1", "654321", "H1")
        return order.number


def shoot(page: Page, name: str) -> None:
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"/tmp/ledger-{name}-{width}.png", full_page=True)


def test_owner_cancels_a_paid_card_order_and_refunds_one_line_of_another(
        page: Page, watch, owner, shelf, live_app, live_server,  # noqa: F811 - fixture
        monkeypatch):
    # The API's default address was made from BASE_URL before the live server had its port.
    monkeypatch.setitem(live_app.config, "NESTPAY_API_URL", live_server + SANDBOX_API_PATH)
    customer = make_account(live_app, f"blerese-{uuid4().hex[:8]}@example.com", admin=False)
    first = paid_card_order(live_app, shelf.take()[:1], customer)
    second = paid_card_order(live_app, shelf.take(2), customer)

    admin_login(page, owner, f"/admin/orders/{first}")
    watch.axe(page, "paid card order")
    shoot(page, "order")
    page.get_by_role("link", name="Anulo dhe kthe paratë").click()
    expect(page.get_by_role("heading", name="Anulo porosinë dhe kthe paratë e saj")).to_be_visible()
    watch.axe(page, "cancel confirmation")
    shoot(page, "cancel-confirm")
    page.get_by_role("button", name="Konfirmo").click()
    expect(page.locator("#flashes")).to_contain_text("Porosia u anulua dhe paratë e saj u kthyen")
    expect(page.locator("#order-status h2")).to_contain_text("Anuluar")
    watch.axe(page, "cancelled order")

    page.goto(f"/admin/orders/{second}")
    page.get_by_role("link", name="Rimburso një pjesë").click()
    watch.axe(page, "refund form")
    shoot(page, "refund-form")
    page.locator("input[type=number]").first.fill("1")
    page.get_by_role("button", name="Vazhdo").click()
    watch.axe(page, "refund confirmation")
    page.get_by_role("button", name="Konfirmo").click()
    expect(page.locator("#flashes")).to_contain_text("Banka i ktheu paratë")
    shoot(page, "refunded")
    with live_app.app_context():
        kinds = [(m.kind, m.state) for m in db.session.scalars(
            select(PaymentMovement).order_by(PaymentMovement.id))][-1:]
    assert kinds == [("refund", "done")]
    watch.check()

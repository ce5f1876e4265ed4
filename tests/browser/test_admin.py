"""The owner's pages in Chromium, in Albanian: log in, create a product with a picture, change
stock in the list, see both in the shop, move an order on. axe-core checks every page seen.

The live shop is shared by the session, so the test makes its own product (a new SKU) and its
own order (one of the shelf's products, bought through the services).
"""

from __future__ import annotations

import itertools
import re
from datetime import date
from pathlib import Path
from uuid import uuid4

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from lesnamax.account import services as accounts
from lesnamax.cart.models import OPEN, Cart, CartLine
from lesnamax.extensions import db
from lesnamax.orders import services as orders
from lesnamax.orders.models import Order
from lesnamax.privacy.models import AGE, MARKETING, PRIVACY_POLICY
from lesnamax.web import Visit

from ..account_support import text_of
from .support import emails_to, log_in, mark_page, same_page, settled

PASSWORD = "Pronari-i-dyqanit-9"
_keys = itertools.count(1)


def make_account(live_app, email: str, admin: bool) -> str:
    with live_app.app_context():
        user = accounts.register(
            {"first_name": "Besa", "last_name": "Gashi", "email": email,
             "phone": "+38344111222", "street": "Rr. Nëna Terezë 5", "municipality": "prishtine",
             "password": PASSWORD},
            {PRIVACY_POLICY: True, AGE: True, MARKETING: False},
            Visit("127.0.0.1", "playwright"), date.today())
        user.is_admin = admin
        db.session.commit()
    return email


@pytest.fixture(scope="module")
def owner(live_app) -> str:
    return make_account(live_app, f"pronari-{uuid4().hex[:8]}@example.com", admin=True)


def cash_order(live_app, product_id: int, email: str) -> str:
    """A cash order for one piece of the product, placed as checkout would."""
    with live_app.app_context():
        user = accounts.user_by_email(email)
        cart = Cart(user_id=user.id, status=OPEN)
        db.session.add(cart)
        db.session.flush()
        db.session.add(CartLine(cart_id=cart.id, product_id=product_id, quantity=1,
                                price_when_added_cents=0))
        db.session.commit()
        delivery = orders.Delivery(first_name="Besa", last_name="Gashi", email=email,
                                   phone="+38344111222", street="Rr. Nëna Terezë 5",
                                   municipality="prishtine", postal_code="", method="standard",
                                   payment="cash")
        order = orders.place_order(cart.id, user.id, delivery, f"admin-test-{next(_keys)}",
                                   ip="127.0.0.1", language="sq", policy_version=1)
        return order.number


def admin_login(page: Page, email: str, target: str = "/admin/") -> None:
    page.goto(target)
    expect(page).to_have_url(re.compile(r"/account/login\?next="))
    log_in(page, email, PASSWORD)
    page.wait_for_url(re.compile(re.escape(target) + "$"))


def picture(tmp_path: Path) -> Path:
    path = tmp_path / "karrige.jpg"
    Image.new("RGB", (1200, 900), (120, 80, 40)).save(path, "JPEG", quality=85)
    return path


@pytest.fixture
def new_sku(live_app):
    """A fresh SKU for a product the test creates; the product is gone after the test, so the
    listing tests that count the demo catalogue see it unchanged."""
    from lesnamax.catalogue.models import Product

    sku = f"KAR-{uuid4().hex[:6].upper()}"
    yield sku
    with live_app.app_context():
        db.session.query(Product).filter_by(sku=sku).delete()
        db.session.commit()


def test_owner_creates_a_product_with_a_picture_and_sets_its_stock(page: Page, watch, owner,
                                                                    tmp_path, new_sku, live_app):
    admin_login(page, owner)
    expect(page.get_by_role("heading", name="Paneli", exact=True)).to_be_visible()
    expect(page.locator("svg.chart rect.bar")).to_have_count(30)
    watch.axe(page, "dashboard")

    menu = page.get_by_role("navigation", name="Administrimi")
    menu.get_by_role("link", name="Produktet").click()
    page.get_by_role("link", name="Produkt i ri", exact=True).click()
    watch.axe(page, "new product form")
    sku = new_sku
    page.get_by_label("Emri (shqip)").fill("Karrige lisi Dardania")
    page.get_by_label("Emri (anglisht)").fill("Dardania oak chair")
    page.get_by_label("Kodi i produktit (SKU)").fill(sku)
    page.get_by_label("Kategoria").select_option(index=1)
    page.get_by_label("Çmimi i rregullt (€)").fill("89,90")
    page.get_by_label("Stoku").fill("4")
    page.get_by_role("button", name="Krijo produktin").click()
    expect(page.locator("#flashes")).to_contain_text("Karrige lisi Dardania")

    # Pictures are added on the edit page the creation leads to.
    page.get_by_label("Shto fotografi").set_input_files(picture(tmp_path))
    page.get_by_role("button", name="Ngarko").click()
    expect(page.locator("#product-images img")).to_have_count(1)
    watch.axe(page, "product form with a picture")

    # Stock, edited in the list row with htmx: the row is replaced, the page stays.
    page.goto(f"/admin/products?q={sku}")
    mark_page(page)
    row = page.locator("tr", has_text=sku)
    row.get_by_label("Stoku për Karrige lisi Dardania").fill("2")
    row.get_by_role("button", name="Ruaj stokun për Karrige lisi Dardania").click()
    settled(page)
    expect(page.locator("tr", has_text=sku).get_by_text("Stok i ulët")).to_be_visible()
    assert same_page(page)
    watch.axe(page, "product list after an inline edit")

    # A bad value is refused in place (422), with the typed text kept.
    watch.allow_status(422)
    row = page.locator("tr", has_text=sku)
    row.get_by_label("Stoku për Karrige lisi Dardania").fill("shumë")
    row.get_by_role("button", name="Ruaj stokun për Karrige lisi Dardania").click()
    settled(page)
    expect(page.locator("tr", has_text=sku).locator(".error")).to_be_visible()
    expect(page.locator("tr", has_text=sku).get_by_label(
        "Stoku për Karrige lisi Dardania")).to_have_value("shumë")

    # The shop shows it: name, price, picture, "only 2 left".
    page.goto(f"/products?q={sku}")
    page.get_by_role("link", name="Karrige lisi Dardania").first.click()
    expect(page.get_by_role("heading", name="Karrige lisi Dardania")).to_be_visible()
    expect(page.locator("main")).to_contain_text("89,90")
    expect(page.locator("main")).to_contain_text("2")
    image = page.locator(".gallery-main img, .gallery-item img").first
    expect(image).to_be_visible()
    assert image.evaluate("img => img.naturalWidth") > 0

    # Deleted again (no order has it): the shop no longer knows it.
    page.goto(f"/admin/products?q={sku}")
    page.get_by_role("link", name="Karrige lisi Dardania").click()
    page.get_by_role("link", name="Fshije produktin").click()
    page.get_by_role("button", name="Fshije produktin").click()
    expect(page.locator("#flashes")).to_contain_text("Karrige lisi Dardania")
    page.goto(f"/products?q={sku}")
    expect(page.locator("#results-count")).to_have_text("0 produkte")


def test_owner_moves_an_order_on_and_the_customer_is_told(page: Page, watch, owner, shelf,
                                                          stock_of, live_app, outbox):
    product = shelf.take()[0]
    customer = make_account(live_app, f"blerese-{uuid4().hex[:8]}@example.com", admin=False)
    number = cash_order(live_app, product.id, customer)
    before = stock_of(product)

    admin_login(page, owner, "/admin/orders")
    page.get_by_label("Statusi").select_option(label="Pagesa me para në dorë në dorëzim")
    page.get_by_role("button", name="Filtro").click()
    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", name=re.compile(number))).to_be_visible()
    watch.axe(page, "order page")

    mark_page(page)
    status = page.locator("#order-status")
    status.get_by_label("Statusi i ri").select_option(label="Në përpunim")
    status.get_by_role("button", name="Ndrysho statusin").click()
    settled(page)
    expect(page.locator("#order-status h2")).to_contain_text("Në përpunim")
    assert same_page(page)
    watch.axe(page, "order page after a status change")
    mails = emails_to(outbox, customer)
    assert any(number in str(m["Subject"]) and "Në përpunim" in text_of(m) for m in mails)

    # Cancelling gives the piece back to the shop.
    status = page.locator("#order-status")
    status.get_by_label("Statusi i ri").select_option(label="Anuluar")
    status.get_by_label("Njofto klientin me email").uncheck()
    status.get_by_role("button", name="Ndrysho statusin").click()
    expect(page.locator("#order-status h2")).to_contain_text("Anuluar")
    assert stock_of(product) == before + 1
    with live_app.app_context():
        assert db.session.query(Order).filter_by(number=number).one().status == "cancelled"


def test_owner_changes_stock_without_javascript(nojs_page: Page, owner, live_app, shelf,
                                                stock_of):
    product = shelf.take()[0]
    admin_login(nojs_page, owner, "/admin/products")
    nojs_page.goto(f"/admin/products?q={product.name}")
    row = nojs_page.locator(f"#product-{product.id}")
    row.get_by_label(f"Stoku për {product.name}").fill("37")
    row.get_by_role("button", name=f"Ruaj stokun për {product.name}").click()
    expect(nojs_page.locator("#flashes")).to_contain_text(product.name)
    assert stock_of(product) == 37


def test_customers_cannot_open_the_admin(page: Page, watch, live_app):
    email = make_account(live_app, f"klient-{uuid4().hex[:8]}@example.com", admin=False)
    page.goto("/account/login")
    log_in(page, email, PASSWORD)
    page.wait_for_url(re.compile(r"/account$"))
    watch.allow_status(403)
    response = page.goto("/admin/")
    assert response.status == 403
    expect(page.locator("main")).to_contain_text("Nuk keni leje")


PHONE = {"width": 375, "height": 740}


def test_admin_pages_fit_a_phone(page: Page, watch, owner, shelf, live_app):
    """On a phone the page never scrolls sideways (wide tables scroll inside their box), and
    axe-core finds nothing on any admin page."""
    product = shelf.take()[0]
    number = cash_order(live_app, product.id, make_account(
        live_app, f"telefon-{uuid4().hex[:8]}@example.com", admin=False))
    delivered = cash_order(live_app, product.id, make_account(
        live_app, f"fatura-{uuid4().hex[:8]}@example.com", admin=False))
    with live_app.app_context():  # delivered, invoiced, and a credit note: the invoice list
        from datetime import UTC, datetime

        from lesnamax.invoices import issuing
        from lesnamax.orders.models import Order

        order = db.session.scalar(db.select(Order).where(Order.number == delivered))
        order.status = "delivered"
        db.session.commit()
        issuing.credit_note(order.id, 100, None, datetime.now(UTC), key=f"phone:{delivered}")
    page.set_viewport_size(PHONE)
    admin_login(page, owner)
    for path in [f"/admin/orders/{delivered}", "/admin/", "/admin/products",
                 f"/admin/products/{product.id}/edit",
                 "/admin/categories", "/admin/csv", "/admin/orders", f"/admin/orders/{number}",
                 "/admin/invoices", "/admin/customers", "/admin/policy", "/admin/policy/new",
                 "/admin/audit", "/admin/settings", "/admin/settings/stores",
                 "/admin/settings/stores/new", "/admin/terms", "/admin/terms/new",
                 "/admin/returns", "/admin/messages"]:
        page.goto(path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, (path, overflow)
        watch.axe(page, f"{path} on a phone")

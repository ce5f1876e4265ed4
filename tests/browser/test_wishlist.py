"""The wishlist heart and back in stock in a real browser: with htmx and without JavaScript,
axe-clean in every state (axe needs JavaScript, so the no-JS flows check behaviour only)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from playwright.sync_api import Page, expect

from lesnamax.account import stock_alerts
from lesnamax.catalogue.models import Product
from lesnamax.extensions import db

from .support import emails_to, flashes, register, settled


def set_stock(live_app, product, stock: int) -> None:
    with live_app.app_context():
        db.session.get(Product, product.id).stock = stock
        db.session.commit()


def test_a_customer_keeps_a_wishlist_with_htmx(page: Page, watch, shelf):
    [product] = shelf.take(1)
    register(page)
    page.goto(f"/products/{product.slug}")
    heart = page.locator(f"#product-main .wish-{product.id} button")
    expect(heart).to_have_attribute("aria-pressed", "false")
    heart.click()
    expect(heart).to_have_attribute("aria-pressed", "true")
    expect(heart).to_contain_text("Në listën tuaj të dëshirave")
    # The page itself is the same for everybody; the saved state comes with the private request.
    page.reload()
    settled(page)
    expect(heart).to_have_attribute("aria-pressed", "true")
    watch.axe(page, "product page with a saved heart")
    page.goto("/account/wishlist")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lista ime e dëshirave")
    row = page.locator(f"#wished-{product.id}")
    expect(row).to_contain_text(product.name)
    watch.axe(page, "wishlist page")
    row.get_by_role("button", name=re.compile("^Hiq")).click()
    expect(row).to_have_count(0)


def test_a_visitor_asks_to_be_told_with_htmx_and_gets_one_email(
        page: Page, watch, shelf, live_app, outbox):
    [product] = shelf.take(1)
    set_stock(live_app, product, 0)
    address = "vizitor-htmx@example.com"
    page.goto(f"/products/{product.slug}")
    form = page.locator("#stock-alert")
    expect(form.get_by_role("heading")).to_have_text("Më njoftoni kur të kthehet në stok")
    watch.axe(page, "sold-out product with the back-in-stock form")
    # No consent: the form comes back (422) with the address typed.
    watch.allow_status(422)
    form.get_by_label("E-maili juaj").fill(address)
    form.get_by_role("button", name="Më njoftoni").click()
    expect(page.locator("#stock-alert .error-summary")).to_be_visible()
    expect(page.locator("#alert-email")).to_have_value(address)
    watch.axe(page, "back-in-stock form with an error")
    page.locator("#alert-consent").check()
    page.locator("#stock-alert").get_by_role("button", name="Më njoftoni").click()
    expect(page.locator("#stock-alert")).to_contain_text("U krye")
    watch.axe(page, "back-in-stock request recorded")
    set_stock(live_app, product, 4)
    with live_app.app_context():
        stock_alerts.notify_due(datetime.now(UTC))
        stock_alerts.notify_due(datetime.now(UTC))
    [message] = emails_to(outbox, address)
    stop = message["List-Unsubscribe"].strip("<>")
    page.goto(stop)
    page.get_by_role("button", name="Ndalni këto e-maile").click()
    expect(page.locator("main .notice")).to_contain_text("1 kërkesë u fshi")


def test_a_visitor_asks_without_javascript(nojs_page: Page, watch, shelf, live_app):
    page = nojs_page
    [product] = shelf.take(1)
    set_stock(live_app, product, 0)
    page.goto(f"/products/{product.slug}")
    watch.allow_status(422)
    page.get_by_label("E-maili juaj").fill("vizitor-pa-js@example.com")
    page.get_by_role("button", name="Më njoftoni").click()
    # The error on a page of its own, with what was typed.
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.get_by_label("E-maili juaj")).to_have_value("vizitor-pa-js@example.com")
    page.locator("#alert-consent").check()
    page.get_by_role("button", name="Më njoftoni").click()
    page.wait_for_url(re.compile(rf"/products/{product.slug}$"))
    expect(flashes(page)).to_contain_text("vizitor-pa-js@example.com")


def test_a_customer_saves_without_javascript(nojs_page: Page, watch, shelf):
    page = nojs_page
    [product] = shelf.take(1)
    page.goto(f"/products/{product.slug}")
    page.locator(f"#product-main .wish-{product.id} button").click()
    # A visitor is asked to log in first.
    page.wait_for_url(re.compile(r"/account/login"))
    expect(flashes(page)).to_contain_text("Kyçuni ose regjistrohuni")

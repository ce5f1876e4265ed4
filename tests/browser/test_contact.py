"""The contact form and the delivery notes in a real browser: with htmx and without
JavaScript, axe-clean in every state (axe needs JavaScript, so the no-JS flow checks the
behaviour only; its pages are the same HTML)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .support import add_button, add_from_card, emails_to

TRADER = "online.lesnamax@gmail.com"


@pytest.fixture
def quick_form(live_app):
    # A person types for longer than CONTACT_MIN_SECONDS; a test fills the form at once.
    saved = live_app.config["CONTACT_MIN_SECONDS"]
    live_app.config["CONTACT_MIN_SECONDS"] = 0
    yield
    live_app.config["CONTACT_MIN_SECONDS"] = saved


def send_message(page: Page, watch, name: str, phone: str, message: str, *, axe: bool) -> None:
    page.goto("/")
    page.locator(".site-footer").get_by_role("link", name="Na kontaktoni").click()
    page.wait_for_url(re.compile(r"/contact$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Na kontaktoni")
    expect(page.get_by_role("link", name="Shkruani në Viber")).to_have_attribute(
        "href", "viber://chat?number=%2B38344779977")
    expect(page.get_by_role("link", name="Shkruani në WhatsApp")).to_have_attribute(
        "href", "https://wa.me/38344779977")
    # The honeypot is off screen (not display:none, which robots skip) and skipped by Tab.
    trap = page.locator("#website")
    box = trap.bounding_box()
    assert box is not None and box["x"] + box["width"] <= 0
    expect(trap).to_have_attribute("tabindex", "-1")
    if axe:
        watch.axe(page, "contact form")
    # Neither e-mail nor phone: the form comes back (422) with what was typed.
    watch.allow_status(422)
    page.get_by_label("Emri juaj").fill(name)
    page.get_by_label("Mesazhi").fill(message)
    page.get_by_role("button", name="Dërgo mesazhin").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.get_by_text("Jepni një adresë emaili ose një numër telefoni, që")).to_be_visible()
    expect(page.get_by_label("Emri juaj")).to_have_value(name)
    expect(page.get_by_label("Mesazhi")).to_have_value(message)
    if axe:
        watch.axe(page, "contact form with errors")
    page.get_by_label("Telefoni").fill(phone)
    page.get_by_role("button", name="Dërgo mesazhin").click()
    page.wait_for_url(re.compile(r"/contact/sent$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Faleminderit, mesazhi juaj na ka arritur")
    if axe:
        watch.axe(page, "contact acknowledgement")


def mailed(outbox, text: str) -> bool:
    return any(text in m.get_body(preferencelist=("plain",)).get_content()
               for m in emails_to(outbox, TRADER))


def test_contact_form_with_javascript(page: Page, watch, outbox, quick_form):
    send_message(page, watch, "Vjosa Hoxha", "045 222 333",
                 "A mund ta marr divanin të shtunën? (me JS)", axe=True)
    assert mailed(outbox, "A mund ta marr divanin të shtunën? (me JS)")
    watch.check()


def test_contact_form_without_javascript(nojs_page: Page, watch, outbox, quick_form):
    send_message(nojs_page, watch, "Ilir Shala", "+383 49 111 222",
                 "Keni dyshekë 160 × 200? (pa JS)", axe=False)
    assert mailed(outbox, "Keni dyshekë 160 × 200? (pa JS)")
    watch.check()


def test_delivery_notes_follow_the_chosen_municipality(page: Page, watch, shelf):
    [product] = shelf.take(1, below_cents=10000)
    page.goto(f"/products/{product.slug}")
    expect(page.locator(".delivery-info")).to_contain_text("Komunat e tjera")
    expect(page.locator(".delivery-for-me")).to_have_count(0)  # nobody said where yet
    add_from_card(page, product)
    page.goto("/cart")
    expect(page.locator("#delivery-note")).to_contain_text("dërgesë falas")
    page.get_by_label("Dërgesa në").select_option("prizren")
    page.get_by_role("button", name="Shfaq tarifën").click()
    expect(page.locator("#delivery-note")).to_contain_text("Dërgesa në Prizren:")
    watch.axe(page, "cart with the delivery note")
    page.goto(f"/products/{product.slug}")
    expect(page.locator(".delivery-for-me")).to_contain_text("Dërgesa në Prizren:")
    watch.axe(page, "product page with the visitor's delivery")
    watch.check()


def test_delivery_notes_without_javascript(nojs_page: Page, watch, shelf):
    page = nojs_page
    [product] = shelf.take(1, below_cents=10000)
    page.goto(f"/products/{product.slug}")
    expect(page.locator(".delivery-table")).to_contain_text("Komunat e tjera")
    add_button(page, product).click()
    page.wait_for_url(re.compile(r"/cart$"))
    page.get_by_label("Dërgesa në").select_option("gjakove")
    page.get_by_role("button", name="Shfaq tarifën").click()
    page.wait_for_url(re.compile(r"/cart#delivery-note$"))
    expect(page.locator("#delivery-note")).to_contain_text("Dërgesa në Gjakovë:")
    watch.check()

"""The shop's settings and stores in Chromium, in Albanian: the owner changes the opening hours
(the footer follows at once) and is refused a negative fee with the form kept; a customer picks
an order up at the showroom, and the order page and e-mail name it. axe-core checks each page.

The live shop is shared by the session: the hours are put back at the end.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from lesnamax import shopsettings

from ..account_support import text_of
from .support import emails_to, go_through_checkout, order_number, place_order_button, register
from .test_admin import admin_login, owner  # noqa: F401 - the fixture
from .test_buying import CASH, fill_cart

PICKUP = "Merre në dyqan"


def test_owner_edits_a_setting_and_a_customer_picks_up_in_store(
        page: Page, new_context, watch, owner, shelf, outbox, live_app):  # noqa: F811
    with live_app.test_request_context():
        shopsettings.seed(live_app)  # what the first request does, if none came yet
        hours_before = shopsettings.current().hours_sq
        store = shopsettings.current().active_stores[0]
    admin_login(page, owner, "/admin/settings")
    expect(page.get_by_role("heading", name="Cilësimet", level=1)).to_be_visible()
    watch.axe(page, "the settings form")

    # A negative fee: refused (422), the error next to its field, the rest kept as typed.
    watch.allow_status(422)
    page.get_by_label("Orari i punës (shqip)").fill("E hënë – e shtunë: 09:00–19:00")
    fee = page.get_by_role("textbox", name="Lipjan Tarifa (€)")
    fee.fill("-3")
    page.get_by_role("button", name="Ruaj").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.get_by_text("Shuma nuk mund të jetë negative.")).to_be_visible()
    expect(page.get_by_label("Orari i punës (shqip)")).to_have_value(
        "E hënë – e shtunë: 09:00–19:00")
    watch.axe(page, "the settings form with an error")

    fee.fill("3,50")
    page.get_by_role("button", name="Ruaj").click()
    expect(page.locator("#flashes")).to_contain_text("Cilësimet u ruajtën.")
    page.goto("/")
    expect(page.locator(".site-footer")).to_contain_text("E hënë – e shtunë: 09:00–19:00")

    # The stores page: address, hours and plain links, nothing from another origin (the watch).
    page.goto("/stores")
    expect(page.locator("main").get_by_role("heading", name=store.name, level=2)).to_be_visible()
    expect(page.get_by_role("link", name="Hape në OpenStreetMap")).to_have_attribute(
        "href", re.compile(r"^https://www\.openstreetmap\.org/\?mlat="))
    watch.axe(page, "the stores page")

    # A customer picks the order up at the showroom: no delivery fee, the store named.
    customer_page = new_context().new_page()
    customer = register(customer_page)
    fill_cart(customer_page, shelf)
    customer_page.goto("/checkout")
    go_through_checkout(customer_page, payment=CASH, delivery=PICKUP, watch=watch)
    expect(customer_page.locator(".review-grid")).to_contain_text(store.address_sq)
    place_order_button(customer_page).click()
    number = order_number(customer_page)
    expect(customer_page.locator("main")).to_contain_text(store.name)
    watch.axe(customer_page, "the order page of a pickup")
    [mail] = [m for m in emails_to(outbox, customer.email) if number in m["Subject"]]
    assert f"Dyqani i marrjes: {store.name}, {store.address_sq}" in text_of(mail)

    # Put the hours back for the other tests of the session.
    page.goto("/admin/settings")
    page.get_by_label("Orari i punës (shqip)").fill(hours_before)
    page.get_by_role("button", name="Ruaj").click()
    expect(page.locator("#flashes")).to_be_visible()

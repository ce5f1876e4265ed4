"""Buying with JavaScript disabled: plain forms and redirects, from the listing to the order.

(No axe here: axe-core needs JavaScript; test_buying.py checks the same pages with it.)
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .support import (
    Customer,
    add_button,
    badge,
    confirm_registration,
    emails_to,
    euros,
    fill_register_form,
    flashes,
    go_through_checkout,
    order_number,
    place_order_button,
    register,
)

CARD = "Pagesë me kartelë në faqen e bankës"
CASH = "Pagesa me para në dorë në dorëzim"


def quantity(page: Page, product):
    return page.get_by_role("spinbutton", name=f"Sasia: {product.name}")


def line(page: Page, product):
    return page.locator("#cart-lines li.line").filter(has_text=product.name)


def test_cash_checkout_without_javascript(nojs_page: Page, shelf, outbox, watch):
    watch.allow_status(422)
    page = nojs_page
    first, second = shelf.take(2, page=1)

    # "Shto në shportë" on the listing is a plain form: it leads to the cart.
    page.goto("/products")
    # A shared page: without JavaScript the header has plain links, no personal count.
    expect(page.locator("#cart-badge")).to_have_attribute("href", "/cart")
    expect(badge(page)).to_have_count(0)
    add_button(page, first).click()
    expect(page).to_have_url(re.compile(r"/cart$"))
    expect(flashes(page)).to_have_text(["U shtua në shportë."])
    expect(badge(page)).to_have_text("1")
    page.go_back()
    add_button(page, second).click()
    expect(page).to_have_url(re.compile(r"/cart$"))
    expect(badge(page)).to_have_text("2")
    expect(page.locator("#cart-lines li.line")).to_have_count(2)

    # The quantity: the number field and its "Përditëso" button (shown only without JS).
    update = line(page, second).get_by_role("button", name="Përditëso")
    expect(update).to_be_visible()
    quantity(page, second).fill("3")
    update.click()
    expect(page).to_have_url(re.compile(r"/cart$"))
    expect(quantity(page, second)).to_have_value("3")
    expect(badge(page)).to_have_text("4")
    # "+" and "−" are plain submit buttons too.
    page.get_by_role("button", name=f"Një më shumë: {first.name}").click()
    expect(quantity(page, first)).to_have_value("2")
    page.get_by_role("button", name=f"Një më pak: {first.name}").click()
    expect(quantity(page, first)).to_have_value("1")
    subtotal = first.price_cents + 3 * second.price_cents
    expect(page.locator("dl.totals")).to_contain_text(euros(subtotal))
    expect(page.locator("dl.totals")).to_contain_text("Zgjidhet gjatë porosisë")

    # The checkout asks to log in or register; registering comes back to the checkout.
    page.get_by_role("link", name="Vazhdo me porosinë").click()
    expect(page).to_have_url(re.compile(r"/checkout$"))
    page.get_by_role("link", name="Krijo llogari").click()
    expect(page).to_have_url(re.compile(r"/account/register\?next=/checkout$"))
    customer = Customer()
    fill_register_form(page, customer)
    page.get_by_role("button", name="Regjistrohu").click()
    # the link in the e-mail, in this browser
    confirm_registration(page, customer.email, customer.password)
    expect(page).to_have_url(re.compile(r"/checkout/address$"))
    expect(flashes(page)).to_contain_text(["Shtuam në shportë 4 artikuj nga para kyçjes."])
    expect(badge(page)).to_have_text("4")

    go_through_checkout(page, payment=CASH)
    expect(page.locator("#cart-lines li.line")).to_have_count(2)
    expect(place_order_button(page)).to_have_text(f"Porosit me detyrim pagese · {euros(subtotal)}")
    place_order_button(page).click()

    expect(page).to_have_url(re.compile(r"/orders/LM-\d{4}-\d{6}$"))
    number = order_number(page)
    expect(page.locator(".order-status strong")).to_have_text(CASH)
    expect(page.get_by_text("Faleminderit për porosinë!")).to_be_visible()
    expect(badge(page)).to_have_text("0")
    mails = emails_to(outbox, customer.email)
    assert [m["Subject"] for m in mails] == [f"Porosia juaj {number} në LESNA MAX"]


def test_card_declined_then_paid_without_javascript(nojs_page: Page, shelf, outbox):
    page = nojs_page
    customer = register(page)
    (product,) = shelf.take(1)
    page.goto(f"/products/{product.slug}")
    page.get_by_label("Sasia", exact=True).fill("2")
    add_button(page, product).click()
    expect(page).to_have_url(re.compile(r"/cart$"))
    expect(quantity(page, product)).to_have_value("2")
    page.get_by_role("link", name="Vazhdo me porosinë").click()
    go_through_checkout(page, payment=CARD)
    total = place_order_button(page).inner_text().split("·")[-1].strip()
    place_order_button(page).click()

    # The hand-off page does not send itself: its button is there to press.
    expect(page).to_have_url(re.compile(r"/payment/LM-\d{4}-\d{6}/pay$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Te faqja e pagesës e bankës")
    expect(page.get_by_role("main")).to_contain_text(f"Po paguani {total} për porosinë")
    page.get_by_role("button", name="Vazhdo te banka").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pagesë me kartelë")
    page.get_by_role("button", name="Refuzo", exact=True).click()

    # The bank's return page: nothing sends it back by itself either.
    expect(page.get_by_role("heading", level=1)).to_have_text("Po ktheheni te dyqani")
    expect(page.get_by_text("Pagesa nuk u miratua.")).to_be_visible()
    back = page.get_by_role("button", name="Kthehu te dyqani")
    expect(back).to_be_visible()
    back.click()
    expect(page).to_have_url(re.compile(r"/orders/LM-\d{4}-\d{6}$"))
    number = order_number(page)
    expect(page.locator(".order-status strong")).to_have_text("Pagesa dështoi")
    assert emails_to(outbox, customer.email) == []

    # Again, approved this time.
    page.get_by_role("button", name="Paguaj me kartelë").click()
    expect(page.get_by_role("button", name="Vazhdo te banka")).to_be_visible()
    page.get_by_role("button", name="Vazhdo te banka").click()
    expect(page.locator(".specs")).to_contain_text(f"{number}-2")
    page.get_by_role("button", name="Mirato pagesën", exact=True).click()
    expect(page.get_by_text("Pagesa u miratua.")).to_be_visible()
    page.get_by_role("button", name="Kthehu te dyqani").click()
    expect(page).to_have_url(re.compile(rf"/orders/{number}$"))
    expect(page.locator(".order-status strong")).to_have_text("E paguar")
    expect(page.get_by_text("Faleminderit për porosinë!")).to_be_visible()
    mails = emails_to(outbox, customer.email)
    assert [m["Subject"] for m in mails] == [f"Porosia juaj {number} në LESNA MAX"]


def test_enter_in_the_quantity_field_without_javascript(nojs_page: Page, shelf):
    """Enter in the number field must update the quantity, as "Përditëso" does.

    Without JavaScript Enter submits the form through its first submit button: "−".
    """
    page = nojs_page
    (product,) = shelf.take(1)
    page.goto(f"/products/{product.slug}")
    add_button(page, product).click()
    expect(page).to_have_url(re.compile(r"/cart$"))
    quantity(page, product).fill("3")
    quantity(page, product).press("Enter")
    expect(page).to_have_url(re.compile(r"/cart$"))
    expect(quantity(page, product)).to_have_value("3")
    expect(badge(page)).to_have_text("3")

"""Choosing a delivery day and assembly ("montim") in Chromium, in Albanian: with htmx (the
totals follow the assembly box at once, axe-checked) and without JavaScript (plain radios,
checkboxes and a redirect); the order page shows both."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from lesnamax.catalogue.models import Product
from lesnamax.extensions import db

from .support import (
    add_button,
    add_from_card,
    euros,
    order_number,
    place_order_button,
    register,
    settled,
)

CASH = "Pagesa me para në dorë në dorëzim"
FEE = 3500


@pytest.fixture
def assembled(live_app, shelf):
    """A fresh product of the demo that now offers assembly at 35 € a piece."""
    (product,) = shelf.take(1)
    with live_app.app_context():
        db.session.get(Product, product.id).assembly_fee_cents = FEE
        db.session.commit()
    return product


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def to_the_day_step(page: Page, product, javascript: bool = True) -> None:
    page.goto(f"/products/{product.slug}")
    if javascript:
        add_from_card(page, product)
    else:  # a plain form: it leads to the cart
        add_button(page, product).click()
        expect(page).to_have_url(re.compile(r"/cart$"))
    page.goto("/checkout")
    expect(page).to_have_url(re.compile(r"/checkout/address$"))
    page.get_by_role("button", name="Vazhdo", exact=True).click()
    page.get_by_role("radio", name=re.compile("^Dërgesë në adresën tuaj")).check()
    page.get_by_role("button", name="Vazhdo", exact=True).click()
    expect(page).to_have_url(re.compile(r"/checkout/day$"))
    expect(page.get_by_role("heading", name="Dita e dorëzimit", level=2)).to_be_visible()


def choose(page: Page, product) -> str:
    """Pick the second day offered and the product's assembly; return the day's label."""
    day = page.locator('input[name="day"]').nth(1)
    label = page.locator(f'label[for="{day.get_attribute("id")}"]').inner_text().strip()
    day.check()
    page.get_by_role("checkbox", name=f"Montim për “{product.name}”").check()
    return label


def finish(page: Page, product, label: str) -> str:
    """Continue, pay cash, check the review, place; return the order number."""
    page.get_by_role("button", name="Vazhdo", exact=True).click()
    expect(page).to_have_url(re.compile(r"/checkout/payment$"))
    page.get_by_role("radio", name=CASH).check()
    page.get_by_role("button", name="Vazhdo", exact=True).click()
    expect(page).to_have_url(re.compile(r"/checkout/review$"))
    review = page.locator(".review-day")
    expect(review).to_contain_text("Dita e dorëzimit")
    day_name = label.split(" (")[0]
    expect(review).to_contain_text(day_name)
    expect(page.locator("#cart-lines")).to_contain_text("Me montim")
    expect(page.locator("dl.totals").first).to_contain_text(norm(euros(FEE)))
    place_order_button(page).click()
    expect(page).to_have_url(re.compile(r"/orders/LM-\d{4}-\d{6}$"))
    main = page.get_by_role("main")
    expect(main).to_contain_text("Dita e dorëzimit")
    expect(main).to_contain_text("Me montim")
    expect(main.locator("dl.totals")).to_contain_text("Montimi")
    return order_number(page)


def test_day_and_assembly_with_htmx(page: Page, assembled, watch):
    register(page)
    to_the_day_step(page, assembled)
    watch.axe(page, "the checkout's day step")
    summary = page.locator("#day-summary")
    expect(summary).not_to_contain_text("Montimi")
    page.evaluate("window.__noReload = true")
    label = choose(page, assembled)
    # htmx swapped the summary in place: the assembly is in the total at once.
    expect(summary).to_contain_text("Montimi")
    expect(summary).to_contain_text(norm(euros(FEE)))
    settled(page)
    assert page.evaluate("window.__noReload === true")
    watch.axe(page, "the day step with assembly ticked")
    finish(page, assembled, label)
    watch.axe(page, "the order page with its day and assembly")


def test_day_and_assembly_without_javascript(nojs_page: Page, live_app, shelf):
    page = nojs_page
    (product,) = shelf.take(1)
    with live_app.app_context():
        db.session.get(Product, product.id).assembly_fee_cents = FEE
        db.session.commit()
    register(page)
    to_the_day_step(page, product, javascript=False)
    # Without JavaScript the summary does not change as the box is ticked; the review does.
    label = choose(page, product)
    expect(page.locator("#day-summary")).not_to_contain_text("Montimi")
    finish(page, product, label)

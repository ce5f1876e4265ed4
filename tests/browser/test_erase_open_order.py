"""Erasing an account with an order not yet delivered, in Chromium (issue 16): the erase page
says the order keeps its delivery details until it is delivered or cancelled, and the owner
still sees where to deliver it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .support import (
    add_from_card,
    flashes,
    go_through_checkout,
    order_number,
    place_order_button,
    register,
)

CASH = "Pagesa me para në dorë në dorëzim"


def test_erasing_keeps_an_open_orders_delivery_details(page: Page, shelf, live_app, watch):
    from lesnamax.extensions import db
    from lesnamax.orders.models import Order

    customer = register(page)
    (product,) = shelf.take(1)
    page.goto(f"/products/{product.slug}")
    add_from_card(page, product)
    page.goto("/checkout")
    go_through_checkout(page, payment=CASH)
    place_order_button(page).click()
    expect(page).to_have_url(re.compile(r"/orders/LM-\d{4}-\d{6}$"))
    number = order_number(page)

    page.goto("/account/delete")
    expect(page.locator("#kept-orders")).to_have_text(
        f"Porosia juaj {number} nuk është dorëzuar ende.")
    expect(page.get_by_role("main")).to_contain_text("i ruajmë derisa të dorëzohet")
    watch.axe(page, "the delete page with an open order")
    page.get_by_label("Fjalëkalimi juaj").fill(customer.password)
    page.get_by_role("main").get_by_role("button", name="Fshi llogarinë").click()
    expect(flashes(page)).to_have_text([
        "Llogaria dhe të dhënat tuaja personale u fshinë.",
        f"Të dhënat e dorëzimit të porosisë {number} ruhen derisa të dorëzohet ose të anulohet,"
        " pastaj fshihen."])

    with live_app.app_context():
        order = db.session.scalar(db.select(Order).where(Order.number == number))
        assert (order.first_name, order.street, order.email) == (
            customer.first_name, customer.street, customer.email)

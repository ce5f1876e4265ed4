"""Paying in 6 instalments at the sandbox bank, in Chromium, in Albanian, with and without
JavaScript: "ose 12 × …" on the product page and in the cart, the plan chosen at the payment
step, shown on the review, signed into the bank form, echoed by the bank, and on the order
page, the invoice and the confirmation e-mail."""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import delete

from lesnamax import instalments
from lesnamax.extensions import db
from lesnamax.instalments import InstalmentPlan, Plan

from ..account_support import text_of
from .support import (
    add_button,
    add_from_card,
    emails_to,
    euros,
    order_number,
    place_order_button,
    register,
)

CARD = "Pagesë me kartelë në faqen e bankës"
SIX = "6 këste me kartelë TEB"


@pytest.fixture
def plans(live_app):
    """TEB 3/6/12 and BKT 3/6 (2,5 % fee) from 100 €, for this test only: the live shop is
    shared by the whole session, and the other tests expect no plans."""
    with live_app.app_context():
        instalments.seed((Plan("TEB", (3, 6, 12), 10000, 0), Plan("BKT", (3, 6), 10000, 250)))
        db.session.commit()
    yield
    with live_app.app_context():
        db.session.execute(delete(InstalmentPlan))
        db.session.commit()


def expensive(shelf):
    """A fresh product of 100 € or more (the plans' and the sandbox bank's minimum)."""
    found = next(p for p in shelf.products[::-1] if p.id not in shelf.taken
                 and p.price_cents >= 10000 and p.stock >= 10)
    shelf.taken.add(found.id)
    return found


def per_instalment(cents: int, count: int) -> str:
    return euros(-(-cents // count))


def pay_in_six(page: Page, shelf, outbox, watch, live_server) -> None:
    js = watch is not None
    customer = register(page)
    product = expensive(shelf)
    page.goto(f"/products/{product.slug}")
    teaser = page.locator("#product-main .instalments")
    expect(teaser).to_contain_text(f"ose 12 × {per_instalment(product.price_cents, 12)}")
    expect(teaser).to_contain_text("me këste me kartelë TEB")
    if js:
        watch.axe(page, "the product page with instalments")
    if js:  # htmx's answer first: going to the cart before it lands finds the cart empty
        add_from_card(page, product)
        page.goto("/cart")
    else:  # a plain form: it leads to the cart
        add_button(page, product).click()
        expect(page).to_have_url(re.compile(r"/cart$"))
    expect(page.locator("#cart-lines .instalments")).to_contain_text("ose 12 × ")
    if js:
        watch.axe(page, "the cart with instalments")
    page.goto("/checkout")
    # The steps up to the payment, where the plan is chosen.
    page.get_by_role("button", name="Vazhdo", exact=True).click()
    page.get_by_role("radio", name=re.compile("^Dërgesë në adresën tuaj")).check()
    page.get_by_role("button", name="Vazhdo", exact=True).click()
    # The delivery day: the first one offered.
    expect(page).to_have_url(re.compile(r"/checkout/day$"))
    page.locator('input[name="day"]').first.check()
    page.get_by_role("button", name="Vazhdo", exact=True).click()
    expect(page).to_have_url(re.compile(r"/checkout/payment$"))
    plan_group = page.get_by_role("group", name="Pagesa me kartelë: e plotë apo me këste")
    expect(plan_group.get_by_role("radio", name=re.compile("^E plotë"))).to_be_checked()
    expect(plan_group).to_contain_text("tarifë për këste")  # BKT's 2,5 %
    if js:
        watch.axe(page, "the payment step with instalments")
    page.get_by_role("radio", name=re.compile("^" + re.escape(CARD))).check()
    plan_group.get_by_role("radio", name=re.compile("^" + re.escape(SIX))).check()
    page.get_by_role("button", name="Vazhdo", exact=True).click()
    expect(page).to_have_url(re.compile(r"/checkout/review$"))
    review = page.locator(".review-grid")
    expect(review).to_contain_text(f"në {SIX}: 6 × ")
    if js:
        watch.axe(page, "the review with instalments")
    place_order_button(page).click()
    if not js:  # the hand-off page's own button sends the signed form
        page.get_by_role("button", name="Vazhdo te banka").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pagesë me kartelë")
    expect(page.locator(".specs")).to_contain_text(re.compile(r"Këste\s*6"))
    if js:
        watch.axe(page, "the sandbox bank's page with instalments")
    page.get_by_role("button", name="Mirato pagesën", exact=True).click()
    if not js:  # the bank's return form, sent by hand
        page.get_by_role("button", name="Kthehu te dyqani").click()
    expect(page).to_have_url(re.compile(r"/orders/LM-\d{4}-\d{6}$"))
    number = order_number(page)
    expect(page.locator(".order-status strong")).to_have_text("E paguar")
    expect(page.locator("section[aria-labelledby=order-choices]")).to_contain_text(f"në {SIX}")
    mails = [m for m in emails_to(outbox, customer.email) if number in m["Subject"]]
    assert len(mails) == 1 and f"në {SIX}" in text_of(mails[0])
    invoice = page.get_by_role("link", name=re.compile(r"^Fatura"))
    pdf = page.request.get(invoice.get_attribute("href"))
    assert pdf.ok
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.body(), capture_output=True,
                          check=True).stdout.decode()
    assert f"në {SIX}" in " ".join(text.split())


def test_pay_in_six_instalments(page: Page, plans, shelf, outbox, watch, live_server):
    watch.allow_status(422)
    pay_in_six(page, shelf, outbox, watch, live_server)


def test_pay_in_six_instalments_without_javascript(nojs_page: Page, plans, shelf, outbox,
                                                   live_server):
    pay_in_six(nojs_page, shelf, outbox, None, live_server)


def test_the_owner_sets_a_plan_and_the_product_page_shows_it(page: Page, live_app, shelf, watch):
    from uuid import uuid4

    from .test_admin import admin_login, make_account

    watch.allow_status(422)
    owner = make_account(live_app, f"pronari-{uuid4().hex[:8]}@example.com", admin=True)
    try:
        admin_login(page, owner, "/admin/settings/instalments")
        expect(page.get_by_role("heading", level=1)).to_have_text("Planet me këste")
        watch.axe(page, "the instalment plans page")
        plan = page.get_by_role("group", name="Plani 1")
        plan.get_by_label("Banka").fill("TEB")
        plan.get_by_label("Numri i kësteve").fill("3, 6, 12, 1")
        plan.get_by_label("Totali minimal i porosisë (€)").fill("100")
        page.get_by_role("button", name="Ruaj").click()
        expect(plan.get_by_text("Shkruani numrat e kësteve nga 2 deri në 36")).to_be_visible()
        expect(plan.get_by_label("Banka")).to_have_value("TEB")  # kept as typed
        watch.axe(page, "the instalment plans page with an error")
        plan.get_by_label("Numri i kësteve").fill("3, 6, 12")
        page.get_by_role("button", name="Ruaj").click()
        expect(page.locator("#flashes")).to_contain_text("Planet me këste u ruajtën.")
        product = expensive(shelf)
        page.goto(f"/products/{product.slug}")
        expect(page.locator("#product-main .instalments")).to_contain_text(
            f"ose 12 × {per_instalment(product.price_cents, 12)}")
    finally:
        with live_app.app_context():
            db.session.execute(delete(InstalmentPlan))
            db.session.commit()

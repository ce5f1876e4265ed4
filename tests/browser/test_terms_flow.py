"""Accepting the terms of sale at review, in Chromium (issue 15): the pre-contract information
stands above the button, an order without the box ticked is refused with the box marked, the
box's link opens the terms beside the form, and the confirmation e-mail carries the terms as
PDF with the model withdrawal form. With axe-core on the review page; without JavaScript too.

Screenshots of /terms and the review page (390 px and desktop, sq and en) go to
``$SCREENSHOTS`` when it is set (to look at them), else to the test's temporary folder.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from playwright.sync_api import Page, expect

from .support import (
    add_button,
    add_from_card,
    emails_to,
    go_through_checkout,
    order_number,
    place_order_button,
    register,
)

CASH = "Pagesa me para në dorë në dorëzim"
SIZES = {"390": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def photograph(page: Page, folder: Path, name: str) -> None:
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=str(folder / f"{name}-{size}.png"), full_page=True)


def terms_box(page: Page):
    return page.get_by_role("checkbox", name=re.compile(r"^I kam lexuar dhe i pranoj kushtet"))


def test_accepting_the_terms_at_review(page: Page, shelf, outbox, watch, tmp_path):
    folder = shots(tmp_path)
    customer = register(page)
    (product,) = shelf.take(1)
    page.goto(f"/products/{product.slug}")
    add_from_card(page, product)
    page.goto("/checkout")
    go_through_checkout(page, payment=CASH, watch=watch)

    information = page.locator("section.pre-contract")
    expect(information.get_by_role("heading", name="Para se të porositni")).to_be_visible()
    expect(information).to_contain_text("Nga kjo TVSH (18%)")
    expect(information).to_contain_text("brenda 14 ditëve nga marrja e mallit")
    expect(information).to_contain_text("LESNA ING (LESNA MAX)")
    watch.axe(page, "the review page with the pre-contract information")
    photograph(page, folder, "review-sq")
    page.goto("/checkout/review?lang=en")
    expect(page.locator("section.pre-contract")).to_contain_text("Of which VAT (18%)")
    photograph(page, folder, "review-en")
    page.goto("/checkout/review?lang=sq")
    page.set_viewport_size(SIZES["desktop"])

    # The box's link opens the terms in force beside the form, which stays as it was.
    with page.context.expect_page() as opened:
        page.locator("label[for=accept_terms]").get_by_role("link", name="kushtet e shitjes"
                                                            ).click()
    terms = opened.value
    terms.wait_for_load_state()
    expect(terms).to_have_url(re.compile(r"/terms$"))
    expect(terms.get_by_role("heading", name="Kushtet e shitjes", level=1)).to_be_visible()
    watch.axe(terms, "the terms of sale")
    photograph(terms, folder, "terms-sq")
    terms.goto("/terms?lang=en")
    photograph(terms, folder, "terms-en")
    terms.close()
    expect(terms_box(page)).not_to_be_checked()

    # Without the box: refused, nothing ordered, the box marked and named in the message.
    watch.allow_status(422)
    place_order_button(page, accept_terms=False).click()
    expect(page.get_by_role("alert")).to_have_text(
        "Duhet t’i pranoni kushtet e shitjes për ta bërë porosinë.")
    expect(terms_box(page)).to_have_attribute("aria-invalid", "true")
    watch.axe(page, "the review page refusing an order without the terms")

    place_order_button(page).click()
    expect(page).to_have_url(re.compile(r"/orders/LM-\d{4}-\d{6}$"))
    number = order_number(page)

    [message] = [m for m in emails_to(outbox, customer.email) if number in m["Subject"]]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "kushtet-e-shitjes-v1.pdf"
    text = subprocess.run(["pdftotext", "-", "-"], input=attachment.get_content(),
                          capture_output=True, check=True).stdout.decode()
    assert "Kushtet e shitjes" in text and "LESNA ING (LESNA MAX)" in text
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Formulari model i tërheqjes" in body and number in body
    # The HTML part as a mail client shows it, in a page of its own (not the shop's origin,
    # whose policy forbids the e-mail's inline styles; its cid: pictures do not load).
    client = page.context.browser.new_page()
    client.set_content(message.get_body(preferencelist=("html",)).get_content())
    expect(client.get_by_text("Formulari model i tërheqjes")).to_be_visible()
    photograph(client, folder, "confirmation-sq")
    client.close()


def test_accepting_the_terms_without_javascript(nojs_page: Page, shelf, watch):
    page = nojs_page
    register(page)
    (product,) = shelf.take(1)
    page.goto(f"/products/{product.slug}")
    add_button(page, product).click()  # a plain form: it leads to the cart
    expect(page).to_have_url(re.compile(r"/cart$"))
    page.goto("/checkout")
    go_through_checkout(page, payment=CASH)
    watch.allow_status(422)
    place_order_button(page, accept_terms=False).click()
    expect(page).to_have_url(re.compile(r"/checkout/place$"))
    expect(terms_box(page)).to_have_attribute("aria-invalid", "true")
    place_order_button(page).click()
    expect(page).to_have_url(re.compile(r"/orders/LM-\d{4}-\d{6}$"))

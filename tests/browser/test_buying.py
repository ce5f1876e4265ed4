"""Buying in Chromium, in Albanian: the cart (htmx), the checkout steps, cash and card payment.

The card payment goes to the sandbox bank (/sandbox-bank/fim/est3Dgate) on the shop's own
origin, so the watch's "no request leaves the shop" holds for the whole purchase. The bank
tells the shop the result twice: through the browser (okUrl/failUrl) and server to server
(callbackUrl, delivered through the app's test client).

Each test buys its own products (``shelf``) as its own customer: the live shop's stock and
orders are shared by the whole session.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from ..account_support import text_of
from .support import (
    Customer,
    add_from_card,
    badge,
    emails_to,
    euros,
    flashes,
    go_through_checkout,
    log_in,
    mark_page,
    order_number,
    place_order_button,
    register,
    same_page,
    settled,
)

CARD = "Pagesë me kartelë në faqen e bankës"
CASH = "Pagesa me para në dorë në dorëzim"
THANKS = "Faleminderit për porosinë! Konfirmimin e dërguam në {email}."
DECLINED = "Banka nuk e pranoi pagesën. Mund të provoni përsëri."
GATE = "/sandbox-bank/fim/est3Dgate"


def status(page: Page):
    return page.locator(".order-status strong")


def line(page: Page, product):
    return page.locator("#cart-lines li.line").filter(has_text=product.name)


def quantity(page: Page, product):
    return page.get_by_role("spinbutton", name=f"Sasia: {product.name}")


def totals(page: Page):
    """The totals list of the page as {term: value} (the cart's: on the review page the
    pre-contract information repeats the total with its VAT further down)."""
    dl = page.locator("dl.totals").first
    terms = dl.locator("dt").all_inner_texts()
    values = dl.locator("dd").all_inner_texts()
    return {t.strip(): re.sub(r"\s+", " ", v.strip()) for t, v in zip(terms, values, strict=True)}


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def to_the_bank(page: Page, watch, where: str) -> None:
    """Press "Porosit me detyrim pagese" (card), stop on the hand-off page to check it, go on.

    With JavaScript the page sends its form to the bank at once. The bank's answer is held
    back (a 204 leaves the browser where it is) while axe-core checks the page; then the
    visible button sends the same form again.
    """
    held = []
    page.route(
        f"**{GATE}", lambda route: (held.append(route.request.method), route.fulfill(status=204))
    )
    with page.expect_request(f"**{GATE}"):
        place_order_button(page).click()
    expect(page).to_have_url(re.compile(r"/payment/LM-\d{4}-\d{6}/pay$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Te faqja e pagesës e bankës")
    assert held == ["POST"], "the hand-off page did not send itself to the bank"
    watch.axe(page, where)
    page.unroute(f"**{GATE}")
    page.get_by_role("button", name="Vazhdo te banka").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pagesë me kartelë")


def bank(page: Page, scenario: str) -> None:
    """On the sandbox bank's page, press one scenario's button."""
    expect(page).to_have_url(re.compile(re.escape(GATE) + "$"))
    page.get_by_role("button", name=scenario, exact=True).click()


def confirmation(outbox, customer: Customer, number: str):
    """The one confirmation e-mail of order ``number`` (fails if there are none or more)."""
    mails = [m for m in emails_to(outbox, customer.email) if number in m["Subject"]]
    assert len(mails) == 1, f"{len(mails)} confirmation e-mails for {number}"
    mail = mails[0]
    assert mail["Subject"] == f"Porosia juaj {number} në LESNA MAX"
    return mail, text_of(mail)


def fill_cart(page: Page, shelf, *, below_cents=None):
    """Add one fresh product from its product page (htmx); return it."""
    (product,) = shelf.take(1, below_cents=below_cents)
    page.goto(f"/products/{product.slug}")
    add_from_card(page, product)
    return product


def at_the_bank(page: Page, shelf):
    """A new customer orders one product by card; end on the bank's page.

    Return the customer, the product and the order's total as the review page showed it.
    """
    customer = register(page)
    product = fill_cart(page, shelf)
    page.goto("/checkout")
    go_through_checkout(page, payment=CARD)
    total = totals(page)["Totali"]
    place_order_button(page).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pagesë me kartelë")
    expect(page.locator(".specs")).to_contain_text(total)
    return customer, product, total


# --- the whole purchase with a card -----------------------------------------------------------


def test_buy_with_a_card_approved(page: Page, new_context, shelf, outbox, live_server, watch):
    watch.allow_status(422)
    customer = register(new_context().new_page())  # has an account, not logged in here
    first, second = shelf.take(2, page=1)

    # Two products from the listing: htmx answers in each card, the badge follows.
    page.goto("/products")
    mark_page(page)
    expect(badge(page)).to_have_text("0")
    add_from_card(page, first)
    expect(badge(page)).to_have_text("1")
    add_from_card(page, second)
    expect(badge(page)).to_have_text("2")
    expect(page.locator(f"#add-status-{second.id}").get_by_role("link")).to_have_text(
        "Shiko shportën"
    )
    assert same_page(page)

    # The cart: one more of the first, with "+", swapped by htmx; totals follow.
    page.get_by_role("link", name=re.compile(r"^Shporta")).click()
    expect(page).to_have_url(re.compile(r"/cart$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Shporta juaj")
    expect(page.locator("#cart-lines li.line")).to_have_count(2)
    expect(quantity(page, first)).to_have_value("1")
    watch.axe(page, "the cart")
    mark_page(page)
    page.get_by_role("button", name=f"Një më shumë: {first.name}").click()
    expect(quantity(page, first)).to_have_value("2")
    expect(badge(page)).to_have_text("3")
    subtotal = 2 * first.price_cents + second.price_cents
    expect(page.locator("dl.totals")).to_contain_text(euros(subtotal))
    assert totals(page) == {
        "Nëntotali": norm(euros(subtotal)),
        "Dërgesa": "Zgjidhet gjatë porosisë",
        "Totali": norm(euros(subtotal)),
    }
    expect(page.locator("#cart-lines .vat-note")).to_have_text("Çmimet përfshijnë TVSH-në (18%).")
    expect(line(page, first).locator(".line-total")).to_have_text(euros(2 * first.price_cents))
    assert same_page(page)
    watch.axe(page, "the cart after a change")

    expect(page.get_by_role("link", name="Vazhdo blerjen")).to_have_attribute("href", "/products")

    # To the checkout: log in there; the cart comes along.
    page.get_by_role("link", name="Vazhdo me porosinë").click()
    expect(page).to_have_url(re.compile(r"/checkout$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Përfundimi i porosisë")
    expect(page.get_by_role("link", name="Krijo llogari")).to_have_attribute(
        "href", "/account/register?next=/checkout"
    )
    watch.axe(page, "the checkout's login page")
    log_in(page, customer.email, customer.password)
    expect(page).to_have_url(re.compile(r"/checkout/address$"))
    expect(flashes(page)).to_have_text(["Shtuam në shportë 3 artikuj nga para kyçjes."])
    expect(badge(page)).to_have_text("3")
    # The address comes from the profile.
    expect(page.get_by_label("Emri", exact=True)).to_have_value(customer.first_name)
    expect(page.get_by_label("Mbiemri", exact=True)).to_have_value(customer.last_name)
    expect(page.get_by_label("Rruga dhe numri")).to_have_value(customer.street)
    expect(page.get_by_label("Komuna").locator("option:checked")).to_have_text("Prishtinë")
    go_through_checkout(page, payment=CARD, watch=watch)
    expect(page.locator("#cart-lines li.line")).to_have_count(2)
    expect(page.locator(".review-grid")).to_contain_text(CARD)
    expect(place_order_button(page)).to_have_text(f"Porosit me detyrim pagese · {euros(subtotal)}")

    # The hand-off to the bank, then the bank's page (on the shop's origin: the sandbox).
    to_the_bank(page, watch, "the bank hand-off page")
    number = page.locator(".specs dd").nth(1).inner_text().rsplit("-", 1)[0]
    expect(page.locator(".specs")).to_contain_text(f"{number}-1")
    expect(page.locator(".specs")).to_contain_text(euros(subtotal))
    bank(page, "Mirato pagesën")

    # Back at the shop: the order is paid, the cart is empty, the e-mail went out.
    expect(page).to_have_url(re.compile(rf"/orders/{number}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Porosia {number}")
    expect(status(page)).to_have_text("E paguar")
    expect(page.get_by_text(THANKS.format(email=customer.email))).to_be_visible()
    expect(page.get_by_role("button", name="Paguaj me kartelë")).to_have_count(0)
    expect(badge(page)).to_have_text("0")
    watch.axe(page, "the order page (paid)")

    mail, body = confirmation(outbox, customer, number)
    assert f"Përshëndetje {customer.first_name}," in body
    assert f"2 × {first.name}" in body and f"1 × {second.name}" in body
    assert f"Pagesa: {CARD}" in body
    assert f"{live_server}/orders/{number}" in body  # BASE_URL: the link leads back here
    # Every step stayed on the shop's origin (the watch fails the test otherwise).
    assert watch.requests_to(GATE) and watch.requests_to("/payment/nestpay/ok")


# --- a declined card, and another try -----------------------------------------------------------


def test_declined_card_then_retry(page: Page, shelf, outbox, watch):
    customer, _product, total = at_the_bank(page, shelf)
    bank(page, "Refuzo")

    expect(page).to_have_url(re.compile(r"/orders/LM-\d{4}-\d{6}$"))
    number = order_number(page)
    expect(status(page)).to_have_text("Pagesa dështoi")
    expect(page.get_by_text("Pagesa nuk është kryer.")).to_be_visible()
    told = flashes(page).all_inner_texts()  # checked at the end, once the retry is tested
    expect(page.get_by_text(THANKS.format(email=customer.email))).to_have_count(0)
    watch.axe(page, "the order page (payment failed)")
    assert emails_to(outbox, customer.email) == []

    # "Paguaj me kartelë": a new attempt (a new oid) at the bank; approved this time.
    page.get_by_role("button", name="Paguaj me kartelë").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pagesë me kartelë")
    expect(page.locator(".specs")).to_contain_text(f"{number}-2")
    expect(page.locator(".specs")).to_contain_text(total)
    bank(page, "Mirato pagesën")
    expect(page).to_have_url(re.compile(rf"/orders/{number}$"))
    expect(status(page)).to_have_text("E paguar")
    expect(flashes(page)).to_have_count(0)
    confirmation(outbox, customer, number)

    # The history shows it once, paid.
    page.goto("/account/orders")
    rows = page.locator("table.history tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(number)
    expect(rows).to_contain_text("E paguar")
    watch.axe(page, "the order history")

    # The declined payment was explained on the order page. The bank's callback reaches the
    # shop before the browser does, so the browser's return finds the attempt failed already
    # (a "duplicate"): the message must not depend on which delivery came first.
    assert told == [DECLINED], f"the order page after the decline said {told}"


@pytest.mark.parametrize(
    "scenario", ["Refuzo: mjete të pamjaftueshme", "Vërtetimi 3-D Secure dështoi", "Gabim i bankës"]
)
def test_bank_refusals_fail_the_order_and_return_the_stock(
    page: Page, shelf, stock_of, outbox, scenario
):
    customer, product, _total = at_the_bank(page, shelf)
    assert stock_of(product) == product.stock - 1  # held for the order while it is paid
    bank(page, scenario)

    expect(page).to_have_url(re.compile(r"/orders/LM-\d{4}-\d{6}$"))
    expect(status(page)).to_have_text("Pagesa dështoi")
    expect(page.get_by_role("button", name="Paguaj me kartelë")).to_be_visible()
    assert stock_of(product) == product.stock  # a failed payment gives the stock back
    assert emails_to(outbox, customer.email) == []


def test_cancel_at_the_bank_then_pay(page: Page, shelf, outbox):
    customer, _product, _total = at_the_bank(page, shelf)
    expect(page.locator(".specs")).to_contain_text(re.compile(r"LM-\d{4}-\d{6}-1"))
    page.get_by_role("link", name="Anulo dhe kthehu te dyqani").click()

    number = order_number(page)
    expect(status(page)).to_have_text("Në pritje të pagesës")
    expect(page.get_by_text("Po presim përgjigjen e bankës.")).to_be_visible()
    # The attempt the bank never answered is still open: paying again reuses it (one oid).
    page.get_by_role("button", name="Paguaj me kartelë").click()
    expect(page.locator(".specs")).to_contain_text(f"{number}-1")
    bank(page, "Mirato pagesën")
    expect(page).to_have_url(re.compile(rf"/orders/{number}$"))
    expect(status(page)).to_have_text("E paguar")
    confirmation(outbox, customer, number)


def test_approval_heard_only_from_the_callback(page: Page, shelf, outbox):
    customer, _product, _total = at_the_bank(page, shelf)
    bank(page, "Mirato, pastaj mbyll dritaren")
    # The customer closes the bank's window: the browser never comes back by itself.
    expect(page.get_by_role("heading", level=1)).to_have_text("Pagesa përfundoi")
    page.get_by_role("link", name="Kthehu te dyqani").click()
    number = order_number(page)
    expect(status(page)).to_have_text("E paguar")
    confirmation(outbox, customer, number)


def test_approval_delivered_twice_counts_once(page: Page, shelf, stock_of, outbox, watch):
    customer, product, _total = at_the_bank(page, shelf)
    bank(page, "Mirato dhe dërgo përgjigjen dy herë")
    expect(page).to_have_url(re.compile(r"/orders/LM-\d{4}-\d{6}$"))
    number = order_number(page)
    expect(status(page)).to_have_text("E paguar")
    expect(flashes(page)).to_have_count(0)
    assert len(watch.requests_to("/payment/nestpay/ok")) == 2
    confirmation(outbox, customer, number)  # one e-mail
    assert stock_of(product) == product.stock - 1  # taken once


# --- cash on delivery ---------------------------------------------------------------------------


def test_cash_on_delivery(page: Page, shelf, outbox, live_server, watch):
    customer = register(page)
    product = fill_cart(page, shelf, below_cents=15_000)  # under the free delivery threshold
    expect(badge(page)).to_have_text("1")
    page.goto("/cart")
    page.get_by_role("link", name="Vazhdo me porosinë").click()

    # Delivery costs 2,50 € to Prishtinë below 150 €; picking it up is free.
    go_through_checkout(page, payment=CASH, delivery="Dërgesë në adresën tuaj")
    page.get_by_role("link", name="Dërgesa", exact=True).click()
    expect(page.get_by_role("radio", name="Dërgesë në adresën tuaj (2,50 €)")).to_be_checked()
    expect(page.get_by_role("radio", name="Merre në dyqan (falas)")).not_to_be_checked()
    page.get_by_role("button", name="Vazhdo", exact=True).click()
    expect(page.locator('input[name="day"]:checked')).to_have_count(1)  # the day was kept
    page.get_by_role("button", name="Vazhdo", exact=True).click()
    expect(page.get_by_role("radio", name=CASH)).to_be_checked()  # the choice was kept
    page.get_by_role("button", name="Vazhdo", exact=True).click()

    total = product.price_cents + 250
    assert totals(page) == {
        "Nëntotali": norm(euros(product.price_cents)),
        "Dërgesa": norm(euros(250)),
        "Totali": norm(euros(total)),
    }
    review = page.locator(".review-grid")
    expect(review).to_contain_text(f"{customer.first_name} {customer.last_name}")
    expect(review).to_contain_text(customer.street)
    expect(review).to_contain_text("Dërgesë në adresën tuaj")
    expect(review).to_contain_text(CASH)
    place_order_button(page).click()

    expect(page).to_have_url(re.compile(r"/orders/LM-\d{4}-\d{6}$"))
    number = order_number(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Porosia {number}")
    expect(status(page)).to_have_text(CASH)
    expect(page.get_by_text(THANKS.format(email=customer.email))).to_be_visible()
    expect(page.get_by_role("button", name="Paguaj me kartelë")).to_have_count(0)
    assert totals(page)["Totali"] == norm(euros(total))
    expect(badge(page)).to_have_text("0")
    watch.axe(page, "the order page (cash on delivery)")
    _mail, body = confirmation(outbox, customer, number)
    assert f"Pagesa: {CASH}" in body and f"1 × {product.name}" in body
    assert f"Totali: {euros(total)}" in body
    assert f"{live_server}/orders/{number}" in body


@pytest.mark.parametrize("payment", [CASH, CARD])
def test_double_click_places_one_order(
    page: Page, shelf, stock_of, outbox, slow_path, watch, payment
):
    customer = register(page)
    product = fill_cart(page, shelf)
    page.goto("/checkout")
    go_through_checkout(page, payment=payment)

    # The second click comes while the shop still works on the first: both reach it. (The
    # mouse itself: a locator's click would wait for the first click's page to load.)
    slow_path("/checkout/place", 0.5)
    place_order_button(page).scroll_into_view_if_needed()
    box = place_order_button(page).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    with page.expect_request("**/checkout/place"):
        page.mouse.click(x, y)
    page.mouse.click(x, y)
    if payment == CARD:
        # Whichever answer the browser follows leads to the one order's one attempt.
        expect(page.get_by_role("heading", level=1)).to_have_text("Pagesë me kartelë")
        expect(page.locator(".specs dd").nth(1)).to_have_text(re.compile(r"^LM-\d{4}-\d{6}-1$"))
        bank(page, "Mirato pagesën")
    expect(page).to_have_url(re.compile(r"/orders/LM-\d{4}-\d{6}$"))
    number = order_number(page)
    expect(status(page)).to_have_text(CASH if payment == CASH else "E paguar")
    assert len(watch.requests_to("/checkout/place")) == 2

    page.goto("/account/orders")
    rows = page.locator("table.history tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(number)
    assert stock_of(product) == product.stock - 1
    confirmation(outbox, customer, number)


# --- the cart page's controls ---------------------------------------------------------------------


def test_cart_controls_swap_the_lines(page: Page, shelf, watch):
    first, second = shelf.take(2)
    for product in (first, second):
        page.goto(f"/products/{product.slug}")
        add_from_card(page, product)
    page.goto("/cart")
    mark_page(page)

    page.get_by_role("button", name=f"Një më shumë: {second.name}").click()
    expect(quantity(page, second)).to_have_value("2")
    settled(page)
    page.get_by_role("button", name=f"Një më pak: {second.name}").click()
    expect(quantity(page, second)).to_have_value("1")
    expect(badge(page)).to_have_text("2")
    settled(page)

    # The number field sends itself when it changes (htmx, no button needed).
    quantity(page, first).fill("4")
    quantity(page, first).blur()
    expect(badge(page)).to_have_text("5")
    expect(line(page, first).locator(".line-total")).to_have_text(euros(4 * first.price_cents))
    settled(page)

    # "Hiq" takes the line away and says so.
    page.get_by_role("button", name=f"Hiq {second.name}").click()
    expect(page.locator("#cart-lines li.line")).to_have_count(1)
    expect(page.locator("#cart-lines .notice")).to_have_text("U hoq nga shporta.")
    expect(badge(page)).to_have_text("4")
    watch.axe(page, "the cart after a removal")
    settled(page)

    # Zero empties the cart.
    quantity(page, first).fill("0")
    quantity(page, first).blur()
    expect(page.locator("#cart-lines .empty")).to_contain_text("Shporta juaj është e zbrazët.")
    expect(badge(page)).to_have_text("0")
    assert same_page(page)
    watch.axe(page, "the empty cart")


def test_enter_in_the_quantity_field_sets_that_quantity(page: Page, shelf):
    """Typing a number and pressing Enter must set it, not press the form's first button.

    Enter submits a form through its default button: the first submit button, here "−".
    """
    (product,) = shelf.take(1)
    page.goto(f"/products/{product.slug}")
    add_from_card(page, product)
    page.goto("/cart")
    quantity(page, product).fill("3")
    quantity(page, product).press("Enter")
    expect(badge(page)).to_have_text("3")
    expect(quantity(page, product)).to_have_value("3")
    settled(page)
    page.reload()
    expect(quantity(page, product)).to_have_value("3")


def test_half_3d_approval_in_latin_5_goes_to_review(
    page: Page, shelf, stock_of, outbox, live_app, monkeypatch
):
    """The bank as it really is: real fields, ISO-8859-9, the browser back before the callback.

    The card is charged but with an mdStatus the shop does not accept: the order waits for
    the owner, keeps its stock and never offers a second card payment.
    """
    from sqlalchemy import select

    from lesnamax.extensions import db
    from lesnamax.payments.models import PaymentEvent

    monkeypatch.setitem(live_app.config, "SANDBOX_CALLBACK_DELAY", 0.5)
    customer, product, _total = at_the_bank(page, shelf)
    page.get_by_label("Shto fushat që shton një bankë e vërtetë", exact=False).check()
    page.get_by_label("Kodimi i karaktereve të përgjigjes").select_option("ISO-8859-9")
    page.get_by_label("Callback-u disa sekonda pas kthimit të shfletuesit").check()
    bank(page, "Mirato me gjysmë 3-D Secure (kartelë e paregjistruar)")

    expect(page).to_have_url(re.compile(r"/orders/LM-\d{4}-\d{6}$"))
    number = order_number(page)
    expect(status(page)).to_have_text("Pagesa në shqyrtim")
    expect(page.locator(".payment-review")).to_contain_text("mos paguani përsëri")
    expect(page.get_by_role("button", name="Paguaj me kartelë")).to_have_count(0)
    assert stock_of(product) == product.stock - 1  # held while the owner checks
    assert emails_to(outbox, customer.email) == []

    def channels():
        with live_app.app_context():
            return [
                (e.channel, e.outcome, e.fields.get("encoding"))
                for e in db.session.scalars(
                    select(PaymentEvent).where(PaymentEvent.oid == f"{number}-1")
                    .order_by(PaymentEvent.id)
                )
            ]

    for _wait in range(50):
        if len(channels()) == 2:
            break
        page.wait_for_timeout(100)
    assert channels() == [
        ("browser_ok", "review", "ISO-8859-9"),
        ("callback", "duplicate", "ISO-8859-9"),
    ]
    page.reload()
    expect(status(page)).to_have_text("Pagesa në shqyrtim")

"""Privacy in Chromium, in Albanian: marketing consent, the data export, deleting the account.

Each test registers its own customer (a fresh e-mail); the live shop's database is shared.
"""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect

from .support import (
    Customer,
    flashes,
    log_in,
    mark_live_regions,
    mark_page,
    register,
    same_page,
    settled,
)

ON = "Ndalo email-at e marketingut"
OFF = "Më dërgoni oferta me email"
WITHDRAWN = "Nuk do të merrni më email-a marketingu."
GIVEN = "Do t’i merrni ofertat tona me email."
DELETED = "Llogaria dhe të dhënat tuaja personale u fshinë."
WRONG_LOGIN = "Email ose fjalëkalim i gabuar."


def header(page: Page):
    return page.get_by_role("navigation", name="Llogaria dhe gjuha")


def open_privacy(page: Page) -> None:
    """Go from the account page to "Privatësia dhe të dhënat e mia" as a customer would."""
    page.get_by_role("navigation", name="Llogaria", exact=True).get_by_role(
        "link", name="Privatësia dhe të dhënat e mia"
    ).click()
    expect(page).to_have_url(re.compile(r"/account/privacy$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Privatësia dhe të dhënat e mia")


def history(page: Page) -> list[list[str]]:
    """The consent history table: [consent, decision] per row, newest first."""
    table = page.get_by_role("table", name="Historiku i pëlqimeve tuaja")
    return [
        [cell.strip() for cell in row.locator("td").all_inner_texts()[1:3]]
        for row in table.locator("tbody tr").all()
    ]


def test_withdraw_marketing_consent(page: Page, watch):
    register(page, Customer(marketing=True))
    open_privacy(page)
    watch.axe(page, "the privacy page")
    marketing = page.locator("#marketing")
    expect(marketing).to_contain_text("Email-at e marketingut: po")
    assert sorted(history(page)) == [
        ["16 vjeç ose më shumë, ose leje e prindit ose kujdestarit", "dhënë"],
        ["Email-at e marketingut", "dhënë"],
        ["Politika e privatësisë", "dhënë"],
    ], history(page)

    # One click withdraws it, in place.
    mark_page(page)
    marketing.get_by_role("button", name=ON).click()
    expect(marketing.locator(".saved")).to_have_text(WITHDRAWN)
    expect(marketing).to_contain_text("Email-at e marketingut: jo")
    expect(marketing.get_by_role("button", name=OFF)).to_be_visible()
    expect(page.locator("#marketing")).to_have_count(1)
    assert same_page(page)
    watch.axe(page, "the privacy page after the marketing toggle")

    # Recorded: after a reload the history shows the withdrawal on top.
    page.reload()
    expect(page.locator("#marketing")).to_contain_text("Email-at e marketingut: jo")
    expect(page.locator("#marketing .saved")).to_have_count(0)
    rows = history(page)
    assert len(rows) == 4, rows
    assert rows[0] == ["Email-at e marketingut", "nuk është dhënë ose është tërhequr"], rows

    # And it can be given again.
    page.locator("#marketing").get_by_role("button", name=OFF).click()
    expect(page.locator("#marketing").locator(".saved")).to_have_text(GIVEN)
    expect(page.locator("#marketing")).to_contain_text("Email-at e marketingut: po")


def test_marketing_toggle_keeps_keyboard_focus(page: Page):
    """A keyboard user who presses the toggle stays on it (it is replaced by the answer)."""
    register(page, Customer(marketing=True))
    page.goto("/account/privacy")
    button = page.locator("#marketing").get_by_role("button", name=ON)
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#marketing").locator(".saved")).to_have_text(WITHDRAWN)
    # Focus must not fall back to <body>: the next Tab would start again from the top.
    expect(page.locator("#marketing").get_by_role("button", name=OFF)).to_be_focused()


def test_marketing_toggle_is_announced(page: Page):
    """The answer to the toggle must reach screen readers through a live region that stays."""
    register(page, Customer(marketing=True))
    page.goto("/account/privacy")
    mark_live_regions(page)
    page.locator("#marketing").get_by_role("button", name=ON).click()
    expect(page.locator("#marketing").get_by_text(WITHDRAWN)).to_be_visible()
    expect(page.locator("[data-live-before]").filter(has_text=WITHDRAWN)).not_to_have_count(0)


def test_marketing_toggle_without_javascript(nojs_page: Page):
    page = nojs_page
    register(page)  # without marketing
    page.goto("/account/privacy")
    expect(page.locator("#marketing")).to_contain_text("Email-at e marketingut: jo")
    page.locator("#marketing").get_by_role("button", name=OFF).click()
    expect(page).to_have_url(re.compile(r"/account/privacy$"))
    expect(flashes(page)).to_have_text([GIVEN])
    expect(page.locator("#marketing")).to_contain_text("Email-at e marketingut: po")
    assert history(page)[0] == ["Email-at e marketingut", "dhënë"]


def test_download_my_data(page: Page, watch):
    customer = register(page, Customer(first_name="Besarta", marketing=True))
    # A change to the details and to a consent, so the export has something of each.
    page.locator("#field-phone").get_by_role("link", name="Ndrysho numri i telefonit").click()
    expect(page.locator("form#field-phone")).to_be_visible()
    settled(page)
    page.locator("form#field-phone").get_by_label("Numri i telefonit").fill("044 123 456")
    page.locator("form#field-phone").get_by_role("button", name="Ruaj").click()
    expect(page.locator("div#field-phone .detail-value")).to_have_text("044 123 456")
    open_privacy(page)
    page.locator("#marketing").get_by_role("button", name=ON).click()
    expect(page.locator("#marketing").locator(".saved")).to_have_text(WITHDRAWN)

    link = page.get_by_role("link", name="Shkarko të dhënat e mia")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.failure() is None
    assert download.suggested_filename == "lesnamax-te-dhenat.json"
    data = json.loads(download.path().read_text(encoding="utf-8"))
    assert data["profile"]["first_name"] == "Besarta"
    assert data["profile"]["last_name"] == customer.last_name
    assert data["profile"]["email"] == customer.email
    assert data["profile"]["phone"] == "+38344123456"
    assert data["profile"]["street"] == customer.street
    assert data["profile"]["municipality"] == "Prishtinë"
    assert data["profile"]["postal_code"] == "10000"
    assert data["profile"]["language"] == "sq"
    purposes = [(c["purpose"], c["granted"]) for c in data["consents"]]
    assert purposes[0] == ("marketing", False), purposes
    assert sorted(purposes[1:]) == [
        ("age_or_guardian", True),
        ("marketing", True),
        ("privacy_policy", True),
    ], purposes
    assert all(c["policy_version"] >= 1 and c["at"] for c in data["consents"])
    assert [c["field"] for c in data["profile_changes"]] == ["phone"]
    assert data["orders"] == []
    # The download stays on the privacy page.
    expect(page).to_have_url(re.compile(r"/account/privacy$"))

    # The same data on a page.
    page.get_by_role("link", name="Shiko të dhënat e mia në një faqe").click()
    expect(page).to_have_url(re.compile(r"/account/export$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Të dhënat e mia")
    main = page.get_by_role("main")
    expect(main).to_contain_text(customer.email)
    expect(main).to_contain_text("Besarta")
    expect(main).to_contain_text("+38344123456")
    watch.axe(page, "the data export page")


def test_delete_account(page: Page, new_context, watch):
    watch.allow_status(422)  # the wrong password first
    customer = register(page)

    # The same customer is also logged in on another device.
    other = new_context().new_page()
    other.goto("/account/login")
    log_in(other, customer.email, customer.password, remember=True)
    expect(other).to_have_url(re.compile(r"/account$"))
    assert {"session", "remember_token"} <= {c["name"] for c in other.context.cookies()}

    open_privacy(page)
    page.get_by_role("link", name="Fshi llogarinë").click()
    expect(page).to_have_url(re.compile(r"/account/delete$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Fshi llogarinë")
    watch.axe(page, "the delete page")

    password = page.get_by_label("Fjalëkalimi juaj")
    password.fill("jo-ky-fjalekalim")
    page.get_by_role("main").get_by_role("button", name="Fshi llogarinë").click()
    expect(page).to_have_url(re.compile(r"/account/delete$"))
    expect(password).to_have_accessible_description("Fjalëkalim i gabuar.")
    watch.axe(page, "the delete page with a wrong password")

    password.fill(customer.password)
    page.get_by_role("main").get_by_role("button", name="Fshi llogarinë").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(flashes(page)).to_have_text([DELETED])
    expect(header(page).get_by_role("link", name="Kyçu", exact=True)).to_be_visible()
    expect(header(page).get_by_role("button", name="Shkyçu")).to_have_count(0)

    # Logged out here and on the other device (its remember cookie included).
    page.goto("/account/privacy")
    expect(page).to_have_url(re.compile(r"/account/login\?next="))
    other.goto("/account")
    expect(other).to_have_url(re.compile(r"/account/login\?next="))
    other.context.clear_cookies(name="session")
    other.goto("/account")
    expect(other).to_have_url(re.compile(r"/account/login\?next="))

    # The old e-mail and password no longer log in.
    log_in(page, customer.email, customer.password)
    expect(page.get_by_label("Fjalëkalimi", exact=True)).to_have_accessible_description(WRONG_LOGIN)

    # The address is free again: nothing of the old account holds it.
    register(page, Customer(email=customer.email, first_name="Rina"))
    expect(flashes(page)).to_have_text(["Mirë se erdhët, Rina! Llogaria juaj është gati."])
    open_privacy(page)
    assert len(history(page)) == 3

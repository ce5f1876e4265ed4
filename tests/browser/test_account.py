"""Accounts in Chromium, in Albanian: register, log in and out, edit each detail inline.

Each test registers its own customer (a fresh e-mail): the live shop's database is shared by
the whole session. Registering logs the customer in without the rate-limited login form;
the few real logins below stay well under the production limits (5 per account, 20 per IP
in 10 minutes), which the live shop keeps.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from .support import (
    Customer,
    confirm_registration,
    emails_to,
    fill_register_form,
    flashes,
    log_in,
    mark_live_regions,
    mark_page,
    register,
    same_page,
    settled,
)

WELCOME = "Mirë se erdhët, {name}! Llogaria juaj është gati."
PHONE_ERROR = "Shkruani një numër telefoni të Kosovës, p.sh. 044 123 456 ose +383 44 123 456."
SAVED = "U ruajt."
CHANGED = "Ndryshuar së fundi:"


def header(page: Page):
    return page.get_by_role("navigation", name="Llogaria dhe gjuha")


def detail(page: Page, name: str):
    """The box of one personal detail: its text, or its form while edited (same id)."""
    return page.locator(f"#field-{name}")


#: The accessible name of each detail's "Ndrysho" link (its label, in lower case, is hidden).
EDIT = {
    "first_name": "Ndrysho emri",
    "last_name": "Ndrysho mbiemri",
    "email": "Ndrysho e-mail",
    "phone": "Ndrysho numri i telefonit",
    "address": "Ndrysho adresa e dërgesës",
}


def open_form(page: Page, name: str):
    """Press "Ndrysho" on one detail; return its inline form once htmx has settled it."""
    detail(page, name).get_by_role("link", name=EDIT[name]).click()
    form = page.locator(f"form#field-{name}")
    expect(form).to_be_visible()
    settled(page)
    return form


def posts(page: Page) -> list[str]:
    """Start recording the URLs the page POSTs to; return the (growing) list."""
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else 0)
    return sent


# --- register, log out, log in ---------------------------------------------------------------


def test_register_in_albanian(page: Page, watch):
    watch.allow_status(422)  # the form sent back with its errors
    customer = Customer(first_name="Vjosa", last_name="Berisha-Hoxha", marketing=True)
    page.goto("/")
    header(page).get_by_role("link", name="Regjistrohu").click()
    expect(page).to_have_url(re.compile(r"/account/register(\?.*)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Krijo llogari")
    expect(page.get_by_role("group", name="Për ju")).to_be_visible()
    watch.axe(page, "the register page")

    # A first try with a short password and without the age confirmation: the form comes
    # back with Albanian messages next to those fields, and nothing typed is lost.
    fill_register_form(page, customer)
    page.get_by_label("Fjalëkalimi", exact=True).fill("shkurt")
    page.get_by_label("Jam 16 vjeç ose më shumë").uncheck()
    page.get_by_role("button", name="Regjistrohu").click()
    expect(page.get_by_role("alert")).to_have_text("Ju lutemi, ndreqni gabimet më poshtë.")
    password = page.get_by_label("Fjalëkalimi", exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_accessible_description(
        re.compile("Fjalëkalimi duhet të ketë të paktën 10 shenja")
    )
    expect(page.get_by_label("Jam 16 vjeç ose më shumë")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Emri", exact=True)).to_have_value(customer.first_name)
    expect(page.get_by_label("Mbiemri", exact=True)).to_have_value(customer.last_name)
    expect(page.get_by_label("E-mail", exact=True)).to_have_value(customer.email)
    expect(page.get_by_label("Numri i telefonit")).to_have_value(customer.phone)
    expect(page.get_by_label("Rruga dhe numri")).to_have_value(customer.street)
    expect(page.get_by_label("Komuna").locator("option:checked")).to_have_text("Prishtinë")
    expect(page.get_by_label("Kodi postar (opsional)")).to_have_value(customer.postal_code)
    expect(page.get_by_label("E kam lexuar dhe e pranoj")).to_be_checked()
    expect(page.get_by_label("Më dërgoni oferta dhe lajme")).to_be_checked()
    watch.axe(page, "the register page with errors")

    page.get_by_label("Fjalëkalimi", exact=True).fill(customer.password)
    page.get_by_label("Jam 16 vjeç ose më shumë").check()
    page.get_by_role("button", name="Regjistrohu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontrolloni emailin tuaj")
    watch.axe(page, "the check-your-e-mail page")
    confirm_registration(page, customer.email, customer.password)

    # Logged in on "Llogaria ime", welcomed by name.
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(flashes(page)).to_have_text([WELCOME.format(name="Vjosa")])
    expect(page.get_by_role("heading", level=1)).to_have_text("Llogaria ime")
    expect(header(page).get_by_role("link", name="Llogaria ime")).to_be_visible()
    expect(header(page).get_by_role("button", name="Shkyçu")).to_be_visible()
    expect(header(page).get_by_role("link", name="Kyçu", exact=True)).to_have_count(0)
    expect(detail(page, "first_name")).to_contain_text("Vjosa")
    expect(detail(page, "last_name")).to_contain_text("Berisha-Hoxha")
    expect(detail(page, "email")).to_contain_text(customer.email)
    expect(detail(page, "phone")).to_contain_text("049 555 111")
    expect(detail(page, "address")).to_contain_text("Rr. Bill Clinton, Nr. 33, Prishtinë 10000")
    watch.axe(page, "the account page")


def test_register_with_a_taken_email_answers_as_for_a_new_one(page: Page, watch, outbox):
    customer = register(page)
    header(page).get_by_role("button", name="Shkyçu").click()
    page.goto("/account/register")
    fill_register_form(page, Customer(email=customer.email.upper()))
    page.get_by_role("button", name="Regjistrohu").click()
    # Nothing tells the visitor that the address has an account; its owner gets an e-mail.
    expect(page).to_have_url(re.compile(r"/account/register/sent$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontrolloni emailin tuaj")
    expect(page.get_by_role("main")).not_to_contain_text("Ekziston tashmë")
    subjects = [m["Subject"] for m in emails_to(outbox, customer.email)]
    assert subjects[-1] == "Dikush u përpoq të regjistrohej me adresën tuaj të emailit"


def test_log_out_and_log_in(page: Page, context, watch):
    watch.allow_status(422)
    customer = register(page)
    header(page).get_by_role("button", name="Shkyçu").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(flashes(page)).to_have_text(["U shkyçët."])
    expect(header(page).get_by_role("link", name="Kyçu", exact=True)).to_be_visible()
    expect(header(page).get_by_role("link", name="Regjistrohu")).to_be_visible()

    # The account asks for a login, and comes back to the account after it.
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/account/login\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kyçu")
    watch.axe(page, "the login page")

    log_in(page, customer.email, "jo-ky-fjalekalim")
    expect(page.get_by_role("alert")).to_have_text("Ju lutemi, ndreqni gabimet më poshtë.")
    password = page.get_by_label("Fjalëkalimi", exact=True)
    expect(password).to_have_accessible_description("Email ose fjalëkalim i gabuar.")
    expect(password).to_have_value("")
    expect(page.get_by_label("E-mail", exact=True)).to_have_value(customer.email)
    watch.axe(page, "the login page with an error")

    # The e-mail is matched whatever its case; "Më mbaj mend" leaves a remember cookie.
    log_in(page, customer.email.upper(), customer.password, remember=True)
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(detail(page, "first_name")).to_contain_text(customer.first_name)
    expect(header(page).get_by_role("button", name="Shkyçu")).to_be_visible()
    assert "remember_token" in {c["name"] for c in context.cookies()}


# --- inline edits ----------------------------------------------------------------------------


def test_edit_each_field_inline(page: Page, watch):
    watch.allow_status(422)
    customer = register(page)
    mark_page(page)

    # Emri: "Ndrysho" swaps the box into its form, focus in the field, value filled in.
    form = open_form(page, "first_name")
    expect(form.get_by_role("group", name="Emri")).to_be_visible()
    name = form.get_by_label("Emri", exact=True)
    expect(name).to_be_focused()
    expect(name).to_have_value(customer.first_name)
    watch.axe(page, "the account page with an inline form")
    name.fill("Ëndrina")
    form.get_by_role("button", name="Ruaj").click()
    box = page.locator("div#field-first_name")
    expect(box.locator(".detail-value")).to_have_text("Ëndrina")
    expect(box.locator(".saved")).to_have_text(SAVED)
    expect(box).to_contain_text(CHANGED)
    # Focus goes back to the button that opened the form.
    expect(box.get_by_role("link", name="Ndrysho emri")).to_be_focused()
    watch.axe(page, "the account page after a save")

    # Mbiemri.
    surname = open_form(page, "last_name").get_by_label("Mbiemri", exact=True)
    expect(surname).to_be_focused()
    surname.fill("Gashi-Llapashtica")
    surname.press("Enter")
    box = page.locator("div#field-last_name")
    expect(box.locator(".detail-value")).to_have_text("Gashi-Llapashtica")
    expect(box.locator(".saved")).to_have_text(SAVED)

    # Numri i telefonit: an invalid number keeps the form open, with the message next to
    # the field and the number as typed; then a valid one is shown in the national format.
    form = open_form(page, "phone")
    phone = form.get_by_label("Numri i telefonit")
    expect(phone).to_be_focused()
    phone.fill("044 12")
    with page.expect_response(re.compile(r"/account/fields/phone$")) as answer:
        form.get_by_role("button", name="Ruaj").click()
    assert answer.value.status == 422
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_accessible_description(re.compile(re.escape(PHONE_ERROR)))
    expect(form.locator(".error")).to_have_text(PHONE_ERROR)
    expect(phone).to_have_value("044 12")
    expect(phone).to_be_focused()
    expect(form.locator(".saved")).to_have_count(0)
    watch.axe(page, "the account page with an inline error")
    settled(page)
    phone.fill("+383 44 123 456")
    form.get_by_role("button", name="Ruaj").click()
    box = page.locator("div#field-phone")
    expect(box.locator(".detail-value")).to_have_text("044 123 456")
    expect(box.locator(".saved")).to_have_text(SAVED)
    expect(box).to_contain_text(CHANGED)

    # Adresa e dërgesës: three fields in one form.
    form = open_form(page, "address")
    street = form.get_by_label("Rruga dhe numri")
    expect(street).to_be_focused()
    expect(street).to_have_value(customer.street)
    expect(form.get_by_label("Komuna").locator("option:checked")).to_have_text("Prishtinë")
    expect(form.get_by_label("Kodi postar (opsional)")).to_have_value("10000")
    street.fill("Rr. Nëna Terezë, Nr. 5")
    form.get_by_label("Komuna").select_option(label="Prizren")
    form.get_by_label("Kodi postar (opsional)").fill("20 000")
    form.get_by_role("button", name="Ruaj").click()
    box = page.locator("div#field-address")
    expect(box.locator(".detail-value")).to_have_text("Rr. Nëna Terezë, Nr. 5, Prizren 20000")
    expect(box.locator(".saved")).to_have_text(SAVED)

    # E-mail: needs the current password in the same form; a wrong one keeps what was typed.
    new_email = "ri-" + customer.email
    form = open_form(page, "email")
    email = form.get_by_label("Email-i i ri")
    expect(email).to_be_focused()
    expect(email).to_have_value("")
    email.fill(new_email)
    form.get_by_label("Fjalëkalimi i tanishëm").fill("nuk-eshte-ky")
    form.get_by_role("button", name="Ruaj").click()
    current = form.get_by_label("Fjalëkalimi i tanishëm")
    expect(current).to_have_accessible_description("Fjalëkalim i gabuar.")
    expect(current).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_value(new_email)
    watch.axe(page, "the e-mail form with a wrong password")
    settled(page)
    current.fill(customer.password)
    form.get_by_role("button", name="Ruaj").click()
    box = page.locator("div#field-email")
    expect(box.locator(".detail-value")).to_have_text(new_email)
    expect(box.locator(".saved")).to_have_text(SAVED)

    # All of it without a page load; one box per detail, no form left open.
    assert same_page(page)
    for name in ("first_name", "last_name", "email", "phone", "address"):
        expect(detail(page, name)).to_have_count(1)
    expect(page.locator("form.inline-edit")).to_have_count(0)
    watch.axe(page, "the account page after every edit")

    # Saved for real: a fresh load shows the new details, each with when it changed.
    page.reload()
    expect(detail(page, "first_name").locator(".detail-value")).to_have_text("Ëndrina")
    expect(detail(page, "last_name").locator(".detail-value")).to_have_text("Gashi-Llapashtica")
    expect(detail(page, "email").locator(".detail-value")).to_have_text(new_email)
    expect(detail(page, "phone").locator(".detail-value")).to_have_text("044 123 456")
    expect(detail(page, "address").locator(".detail-value")).to_have_text(
        "Rr. Nëna Terezë, Nr. 5, Prizren 20000"
    )
    expect(page.locator(".detail-changed")).to_have_count(5)
    expect(page.locator(".saved")).to_have_count(0)


def test_log_in_with_the_changed_email(page: Page, new_context, watch):
    watch.allow_status(422)
    someone_else = register(new_context().new_page())
    customer = register(page)
    new_email = "ndryshuar-" + customer.email
    form = open_form(page, "email")

    # Another account's address is refused, whatever its case.
    form.get_by_label("Email-i i ri").fill(someone_else.email.upper())
    form.get_by_label("Fjalëkalimi i tanishëm").fill(customer.password)
    form.get_by_role("button", name="Ruaj").click()
    expect(form.get_by_label("Email-i i ri")).to_have_accessible_description(
        "Ekziston tashmë një llogari me këtë email."
    )
    expect(form.get_by_label("Email-i i ri")).to_have_value(someone_else.email.upper())

    settled(page)
    form.get_by_label("Email-i i ri").fill(new_email)
    form.get_by_label("Fjalëkalimi i tanishëm").fill(customer.password)
    form.get_by_role("button", name="Ruaj").click()
    expect(page.locator("div#field-email .detail-value")).to_have_text(new_email)

    header(page).get_by_role("button", name="Shkyçu").click()
    page.goto("/account/login")
    log_in(page, customer.email, customer.password)
    expect(page.get_by_label("Fjalëkalimi", exact=True)).to_have_accessible_description(
        "Email ose fjalëkalim i gabuar."
    )
    log_in(page, new_email, customer.password)
    expect(page).to_have_url(re.compile(r"/account$"))
    expect(detail(page, "email").locator(".detail-value")).to_have_text(new_email)


def test_escape_and_cancel_leave_the_details_unchanged(page: Page, watch):
    watch.allow_status(422)
    customer = register(page)
    mark_page(page)
    sent = posts(page)

    # Escape in the form cancels the edit: the text is back, nothing was sent.
    name = open_form(page, "first_name").get_by_label("Emri", exact=True)
    expect(name).to_be_focused()
    name.fill("Diçka tjetër")
    name.press("Escape")
    box = page.locator("div#field-first_name")
    expect(box.locator(".detail-value")).to_have_text(customer.first_name)
    expect(page.locator("form#field-first_name")).to_have_count(0)
    expect(box.locator(".saved")).to_have_count(0)
    expect(box).not_to_contain_text(CHANGED)
    expect(box.get_by_role("link", name="Ndrysho emri")).to_be_focused()

    # Escape closes only the form it is pressed in.
    open_form(page, "last_name")
    phone = open_form(page, "phone").get_by_label("Numri i telefonit")
    expect(page.locator("form.inline-edit")).to_have_count(2)
    expect(phone).to_be_focused()
    phone.fill("044 999 888")
    phone.press("Escape")
    expect(page.locator("div#field-phone .detail-value")).to_have_text("049 555 111")
    expect(page.locator("form#field-last_name")).to_be_visible()

    # "Anulo" does the same.
    surname = page.locator("form#field-last_name").get_by_label("Mbiemri", exact=True)
    surname.fill("Tjetër")
    page.locator("form#field-last_name").get_by_role("link", name="Anulo").click()
    expect(page.locator("div#field-last_name .detail-value")).to_have_text(customer.last_name)
    expect(page.locator("form.inline-edit")).to_have_count(0)

    # Escape after an invalid save also goes back to the saved value.
    phone = open_form(page, "phone").get_by_label("Numri i telefonit")
    phone.fill("12345")
    phone.press("Enter")
    expect(phone).to_have_attribute("aria-invalid", "true")
    settled(page)
    phone.press("Escape")
    expect(page.locator("div#field-phone .detail-value")).to_have_text("049 555 111")

    assert same_page(page)
    assert [urlsplit(url).path for url in sent] == ["/account/fields/phone"], sent
    page.reload()
    expect(detail(page, "first_name").locator(".detail-value")).to_have_text(customer.first_name)
    expect(detail(page, "last_name").locator(".detail-value")).to_have_text(customer.last_name)
    expect(detail(page, "phone").locator(".detail-value")).to_have_text("049 555 111")
    expect(page.locator(".detail-changed")).to_have_count(0)


def test_saved_message_is_announced(page: Page):
    """ "U ruajt." must reach screen readers: through a live region already in the page.

    A live region inserted together with its text is not announced reliably (shop.js says so
    and copies the search and listing summaries into regions that stay in the page).
    """
    register(page)
    mark_live_regions(page)
    form = open_form(page, "first_name")
    form.get_by_label("Emri", exact=True).fill("Drita")
    form.get_by_role("button", name="Ruaj").click()
    expect(page.locator("div#field-first_name .detail-value")).to_have_text("Drita")
    expect(page.locator("div#field-first_name").get_by_text(SAVED)).to_be_visible()
    expect(page.locator("[data-live-before]").filter(has_text=SAVED)).not_to_have_count(0)


# --- without JavaScript ----------------------------------------------------------------------


def test_edit_a_field_without_javascript(nojs_page: Page, watch):
    # (No axe here: axe-core needs JavaScript; the same pages are checked with it above.)
    watch.allow_status(422)
    page = nojs_page
    customer = register(page)

    # "Ndrysho" is a plain link to a page with the form for that one detail.
    detail(page, "phone").get_by_role("link", name="Ndrysho numri i telefonit").click()
    expect(page).to_have_url(re.compile(r"/account/fields/phone/edit$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Llogaria ime")
    form = page.locator("form#field-phone")
    phone = form.get_by_label("Numri i telefonit")
    expect(phone).to_be_focused()  # autofocus works on a full page too
    expect(form.locator("input:not([type=hidden])")).to_have_count(1)

    phone.fill("12345")
    form.get_by_role("button", name="Ruaj").click()
    expect(page).to_have_url(re.compile(r"/account/fields/phone$"))
    phone = page.locator("form#field-phone").get_by_label("Numri i telefonit")
    expect(phone).to_have_value("12345")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_accessible_description(re.compile(re.escape(PHONE_ERROR)))

    phone.fill("+383 44 123 456")
    page.locator("form#field-phone").get_by_role("button", name="Ruaj").click()
    expect(page).to_have_url(re.compile(r"/account#field-phone$"))
    expect(flashes(page)).to_have_text([SAVED])
    expect(detail(page, "phone").locator(".detail-value")).to_have_text("044 123 456")
    expect(detail(page, "phone")).to_contain_text(CHANGED)
    # Nothing else was lost.
    expect(detail(page, "first_name").locator(".detail-value")).to_have_text(customer.first_name)
    expect(detail(page, "last_name").locator(".detail-value")).to_have_text(customer.last_name)
    expect(detail(page, "email").locator(".detail-value")).to_have_text(customer.email)
    expect(detail(page, "address").locator(".detail-value")).to_have_text(
        "Rr. Bill Clinton, Nr. 33, Prishtinë 10000"
    )

    # "Anulo" leads back to the account page without saving.
    detail(page, "first_name").get_by_role("link", name="Ndrysho emri").click()
    expect(page).to_have_url(re.compile(r"/account/fields/first_name/edit$"))
    page.get_by_label("Emri", exact=True).fill("Nuk ruhet")
    page.get_by_role("link", name="Anulo").click()
    expect(page).to_have_url(re.compile(r"/account#field-first_name$"))
    expect(detail(page, "first_name").locator(".detail-value")).to_have_text(customer.first_name)
    expect(detail(page, "phone").locator(".detail-value")).to_have_text("044 123 456")

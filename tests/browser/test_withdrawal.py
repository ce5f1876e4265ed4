"""Withdrawing from the contract in Chromium, then the owner taking the goods back and
refunding: a card order with JavaScript (refund through the sandbox bank, axe-core on every
page), a cash order without JavaScript (plain forms only, the cash refund recorded)."""

from __future__ import annotations

from uuid import uuid4

from playwright.sync_api import Page, expect
from sqlalchemy import select

from lesnamax.config import SANDBOX_API_PATH
from lesnamax.extensions import db
from lesnamax.orders import status as order_status
from lesnamax.orders.models import TRANSITIONS, Order
from lesnamax.returns.models import Return

from .support import log_in
from .test_admin import PASSWORD, cash_order, make_account, owner  # noqa: F401 - fixture
from .test_refunds import paid_card_order


def delivered(live_app, number: str) -> None:
    with live_app.app_context():
        order = db.session.scalar(select(Order).where(Order.number == number))
        for status in ("processing", "shipped", "delivered"):
            if status in TRANSITIONS.get(order.status, ()):
                order_status.set_status(order, status)
        db.session.commit()


def state_of(live_app, number: str) -> tuple[str, int | None]:
    with live_app.app_context():
        ret = db.session.scalar(select(Return).join(Order, Order.id == Return.order_id)
                                .where(Order.number == number))
        return ret.state, ret.refund_cents


def credit_note_sent(live_app, number: str) -> bool:
    """The order's credit note exists and went to the customer by e-mail (PDF attached)."""
    from lesnamax.invoices.models import CreditNote, Invoice
    from lesnamax.outbox import OutboxMessage

    with live_app.app_context():
        note = db.session.scalar(select(CreditNote.number).join(
            Invoice, Invoice.id == CreditNote.invoice_id).join(
            Order, Order.id == Invoice.order_id).where(Order.number == number))
        subjects = db.session.scalars(select(OutboxMessage.subject)).all()
    return note is not None and any("Notë krediti" in s and number in s for s in subjects)


def shoot(page: Page, name: str) -> None:
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"/tmp/withdraw-{name}-{width}.png", full_page=True)


def customer_logs_in(page: Page, email: str, target: str) -> None:
    page.goto(target)
    log_in(page, email, PASSWORD)
    page.wait_for_url(f"**{target}")


def owner_logs_in(page: Page, email: str) -> None:
    page.goto("/admin/returns")
    log_in(page, email, PASSWORD)
    page.wait_for_url("**/admin/returns")


def test_withdraw_one_line_then_the_owner_receives_and_refunds_to_the_card(
        page: Page, watch, owner, shelf, live_app, live_server,  # noqa: F811 - fixture
        new_context, monkeypatch):
    monkeypatch.setitem(live_app.config, "NESTPAY_API_URL", live_server + SANDBOX_API_PATH)
    email = make_account(live_app, f"terhiqu-{uuid4().hex[:8]}@example.com", admin=False)
    number = paid_card_order(live_app, shelf.take()[:2], email)
    delivered(live_app, number)

    customer_logs_in(page, email, f"/orders/{number}")
    watch.axe(page, "order page")
    page.get_by_role("link", name="Tërhiqu nga kontrata këtu").click()
    expect(page.get_by_role("heading", name="Tërheqja nga kontrata")).to_be_visible()
    watch.axe(page, "withdrawal form")
    shoot(page, "form-sq")
    page.locator("input[type=number]").first.fill("1")
    page.get_by_label("Arsyeja (nuk është e detyrueshme)").fill("Ngjyra nuk përshtatet")
    page.get_by_role("button", name="Vazhdo").click()
    expect(page.get_by_role("heading", name="Konfirmo tërheqjen")).to_be_visible()
    watch.axe(page, "withdrawal confirmation")
    shoot(page, "confirm-sq")
    page.get_by_role("button", name="Konfirmo tërheqjen").click()
    expect(page.locator("#withdraw-received")).to_contain_text(
        f"E morëm tërheqjen tuaj nga kontrata për porosinë {number} më")
    watch.axe(page, "acknowledgement")
    shoot(page, "received-sq")
    page.goto("/lang/en")
    page.go_back()
    page.reload()
    expect(page.locator("#withdraw-received")).to_contain_text("We received your withdrawal")
    watch.axe(page, "acknowledgement in English")
    shoot(page, "received-en")
    page.goto(f"/orders/{number}/withdraw")
    watch.axe(page, "withdrawal form in English")
    shoot(page, "form-en")

    admin = new_context().new_page()
    owner_logs_in(admin, owner)
    watch.axe(admin, "returns list")
    shoot(admin, "admin-list-sq")
    admin.locator(".returns-table tbody a").first.click()
    watch.axe(admin, "return page")
    shoot(admin, "admin-return-sq")
    admin.get_by_role("button", name="Shëno mallin si të pranuar").click()
    expect(admin.locator("#flashes")).to_contain_text("Malli u pranua")
    watch.axe(admin, "goods received")
    admin.get_by_role("button", name="Rimburso në kartë").click()
    expect(admin.locator("#flashes")).to_contain_text("Banka i ktheu paratë")
    expect(admin.locator("#return-state")).to_have_text("i rimbursuar")
    watch.axe(admin, "refunded")
    shoot(admin, "admin-refunded-sq")
    admin.goto("/lang/en")
    admin.go_back()
    admin.reload()
    shoot(admin, "admin-refunded-en")
    assert state_of(live_app, number)[0] == "refunded"
    assert credit_note_sent(live_app, number)
    watch.check()


def test_the_same_without_javascript_for_a_cash_order(
        nojs_page: Page, watch, owner, shelf, live_app, browser,  # noqa: F811 - fixture
        browser_context_args):
    page = nojs_page
    email = make_account(live_app, f"terhiqu-pa-js-{uuid4().hex[:8]}@example.com", admin=False)
    product = shelf.take()[0]
    number = cash_order(live_app, product.id, email)
    delivered(live_app, number)

    customer_logs_in(page, email, f"/orders/{number}")
    page.get_by_role("link", name="Tërhiqu nga kontrata këtu").click()
    page.get_by_role("button", name="Vazhdo").click()  # one line: its one piece is chosen
    page.get_by_role("button", name="Konfirmo tërheqjen").click()
    expect(page.locator("#withdraw-received")).to_contain_text("E morëm tërheqjen tuaj")
    # Everything is withdrawn now: the page says so and offers no form.
    page.goto(f"/orders/{number}/withdraw")
    expect(page.locator("#withdraw-refused")).to_contain_text("Nuk ka mbetur asgjë")
    with live_app.app_context():
        assert db.session.scalar(select(db.func.count(Return.id)).join(
            Order, Order.id == Return.order_id).where(Order.number == number)) == 1

    context = watch.attach(browser.new_context(**browser_context_args,
                                               java_script_enabled=False))
    admin = context.new_page()
    owner_logs_in(admin, owner)
    with live_app.app_context():
        ret_id = db.session.scalar(select(Return.id).join(Order, Order.id == Return.order_id)
                                   .where(Order.number == number))
    admin.goto(f"/admin/returns/{ret_id}")
    admin.get_by_role("button", name="Shëno mallin si të pranuar").click()
    expect(admin.locator("#flashes")).to_contain_text("Malli u pranua")
    admin.get_by_role("button", name="Regjistro rimbursimin në para të gatshme").click()
    expect(admin.locator("#flashes")).to_contain_text("Rimbursimi në para të gatshme u regjistrua")
    shoot(admin, "admin-cash-refunded-nojs")
    with live_app.app_context():  # the whole order came back: its delivery too
        total = db.session.scalar(select(Order.total_cents).where(Order.number == number))
    assert state_of(live_app, number) == ("refunded", total)
    assert credit_note_sent(live_app, number)
    context.close()
    watch.check()
